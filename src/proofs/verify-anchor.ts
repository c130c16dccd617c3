/**
 * The anchor checks of a reading proof (pure): the minute record is in the block (`record-in-block`), the
 * block carries its proof of work (`block-pow`), a consortium member mined and signed it (`miner`) and, given
 * a ledger, the block is on its main chain (`chain`). Each says what it computed.
 */
import { verifySignature } from '../crypto/signing.ts';
import {
  type BlockHeader,
  blockHash,
  type Consortium,
  decodeHeader,
  fromHex,
  hashMeetsTarget,
  memberByMinerId,
  minerIdOf,
  recordLeaf,
  toHex,
} from '../ledger/rules/index.ts';
import { leafHash, verifyInclusion } from '../merkle/index.ts';
import type { SignedMinuteRecord } from '../model/index.ts';
import type { ProofAnchor, ProofCheck } from '../model/proofs.ts';
import type { ChainView, VerifyOptions } from './verify.ts';

export function verifyAnchor(
  record: SignedMinuteRecord,
  anchor: ProofAnchor,
  options: Pick<VerifyOptions, 'consortium' | 'chain'>,
): ProofCheck[] {
  const checks: ProofCheck[] = [];
  let header: BlockHeader;
  try {
    header = decodeHeader(fromHex('anchor.header', anchor.header));
  } catch (err) {
    return [{ name: 'block-pow', ok: false, detail: `header: ${(err as Error).message}` }];
  }

  const leaf = leafHash(recordLeaf(record));
  const { index, treeSize, path } = anchor.record;
  const included = verifyInclusion(
    leaf,
    index,
    treeSize,
    path.map((h) => fromHex('path', h)),
    header.anchorRoot,
  );
  checks.push({
    name: 'record-in-block',
    ok: included,
    detail: `record leaf ${toHex(leaf)} at ${index} of ${treeSize} with ${path.length} path hashes ${included ? 'reaches' : 'does not reach'} the header's anchor root ${toHex(header.anchorRoot)}`,
  });

  const hash = blockHash(header);
  const hashHex = toHex(hash);
  const meets = hashMeetsTarget(hash, header.target);
  checks.push({
    name: 'block-pow',
    ok: meets && hashHex === anchor.blockHash && header.height === anchor.height,
    detail: `SHA-256²(header) = ${hashHex} (proof says ${anchor.blockHash}), ${meets ? '≤' : '>'} target ${header.target.toString(16).padStart(64, '0')}, height ${header.height}`,
  });

  // The miner's key: the consortium's member named by minerId, else (offline, no consortium) the proof's own.
  const member = options.consortium ? memberByMinerId(options.consortium, header.minerId) : undefined;
  const claimed = fromHex('miner.publicKey', anchor.miner.publicKey, 32);
  const key =
    member?.publicKey ?? (toHex(minerIdOf(claimed)) === toHex(header.minerId) ? claimed : undefined);
  const signed =
    key !== undefined && verifySignature(fromHex('minerSignature', anchor.minerSignature), hash, key);
  const who = member
    ? `consortium member ${member.gatewayId}`
    : options.consortium
      ? 'no consortium member'
      : `${anchor.miner.gatewayId} (key from the proof: no consortium given)`;
  checks.push({
    name: 'miner',
    ok: signed && (options.consortium === undefined || member !== undefined),
    detail: `minerId ${toHex(header.minerId)} is ${who}; signature over the block hash ${signed ? 'valid' : 'invalid'}`,
  });

  if (options.consortium) checks.push(minerIdentityCheck(header, anchor, options.consortium));

  if (options.chain) {
    const { chain } = options;
    const onChain = chain.mainHashAt(header.height);
    const ok = chain.genesisHash === anchor.chain && onChain === hashHex;
    checks.push({
      name: 'chain',
      ok,
      detail: ok
        ? `block ${header.height} is on the main chain of ${chain.source} with ${chain.tipHeight - header.height + 1} confirmation(s)`
        : chain.genesisHash !== anchor.chain
          ? `${chain.source} is the ledger of genesis ${chain.genesisHash}, the proof names ${anchor.chain}`
          : `${chain.source} has ${onChain ?? 'no block'} at height ${header.height}, not ${hashHex}`,
    });
    if (ok) checks.push(confirmationsCheck(header.height, anchor, chain));
  }
  return checks;
}

/**
 * The miner the proof names (gateway id and key) is the consortium member whose minerId is in the header:
 * a proof cannot credit the block to another member, or to a key of its own.
 */
function minerIdentityCheck(header: BlockHeader, anchor: ProofAnchor, consortium: Consortium): ProofCheck {
  const member = memberByMinerId(consortium, header.minerId);
  const claimed = `${anchor.miner.gatewayId} with key ${anchor.miner.publicKey}`;
  if (!member) {
    return {
      name: 'miner-identity',
      ok: false,
      detail: `minerId ${toHex(header.minerId)} is no member of the consortium; the proof names ${claimed}`,
    };
  }
  const ok =
    member.gatewayId === anchor.miner.gatewayId && toHex(member.publicKey) === anchor.miner.publicKey;
  return {
    name: 'miner-identity',
    ok,
    detail: `the block was mined by member ${member.gatewayId} with key ${toHex(member.publicKey)}; the proof names ${claimed}`,
  };
}

/** The confirmations a proof claims are no more than the ledger shows for its block (on its main chain). */
function confirmationsCheck(height: number, anchor: ProofAnchor, chain: ChainView): ProofCheck {
  const shown = chain.tipHeight - height + 1;
  const ok = anchor.confirmations <= shown;
  return {
    name: 'confirmations',
    ok,
    detail: `the proof claims ${anchor.confirmations} confirmation(s); ${chain.source} shows ${shown}`,
  };
}
