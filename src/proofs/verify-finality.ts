/**
 * The `finality` check of an anchored proof (pure; docs/proofs.md): the attestations the anchor carries are
 * checked against the consortium's member keys, and the block is final when more than half of the members
 * active at its height attested it. A proof that is not final yet is still valid; a bad attestation is not.
 */
import {
  type BlockHeader,
  blockHash,
  type Consortium,
  decodeHeader,
  fromHex,
  tallyAttestations,
  toHex,
} from '../ledger/rules/index.ts';
import type { ProofAnchor, ProofCheck } from '../model/proofs.ts';

export function verifyFinality(anchor: ProofAnchor, consortium: Consortium | undefined): ProofCheck {
  const carried = anchor.attestations ?? [];
  if (consortium === undefined) {
    return {
      name: 'finality',
      ok: true,
      detail: `not judged: ${carried.length} attestation(s), no consortium given to check them against`,
    };
  }
  if (anchor.chain !== toHex(consortium.genesisHash)) {
    return {
      name: 'finality',
      ok: carried.length === 0,
      detail: `attestations ${carried.length === 0 ? 'absent' : 'invalid'}: the proof names the chain ${anchor.chain}, the consortium's is ${toHex(consortium.genesisHash)}`,
    };
  }
  const block = { hash: anchor.blockHash, height: anchor.height };
  const tally = tallyAttestations(
    consortium,
    block,
    carried.map((a) => ({ ...a, blockHash: block.hash, height: block.height })),
  );
  if (tally.invalid.length > 0) {
    return { name: 'finality', ok: false, detail: `attestations invalid: ${tally.invalid.join('; ')}` };
  }
  const who = tally.valid.length === 0 ? 'none' : tally.valid.join(', ');
  if (tally.final) {
    return {
      name: 'finality',
      ok: true,
      detail: `final: attested by ${who} (${tally.valid.length} of ${tally.quorum} needed)`,
    };
  }
  if (anchor.finalBy !== undefined) return viaDescendant(anchor, consortium);
  return {
    name: 'finality',
    ok: true,
    detail: `not yet final: attested by ${who} (${tally.valid.length} of ${tally.quorum} needed)`,
  };
}

/** A descendant attested by a majority, linked to the block by its headers: the block is final with it. */
function viaDescendant(anchor: ProofAnchor, consortium: Consortium): ProofCheck {
  const evidence = anchor.finalBy!;
  let previous = anchor.blockHash;
  let height = anchor.height;
  for (const [i, hex] of evidence.headers.entries()) {
    let header: BlockHeader;
    try {
      header = decodeHeader(fromHex('finalBy.headers', hex));
    } catch (err) {
      return { name: 'finality', ok: false, detail: `finalBy.headers[${i}]: ${(err as Error).message}` };
    }
    if (toHex(header.previousHash) !== previous || header.height !== height + 1) {
      return {
        name: 'finality',
        ok: false,
        detail: `finalBy.headers[${i}] does not follow block ${previous} at height ${height}`,
      };
    }
    previous = toHex(blockHash(header));
    height = header.height;
  }
  const block = { hash: previous, height };
  const tally = tallyAttestations(
    consortium,
    block,
    evidence.attestations.map((a) => ({ ...a, blockHash: block.hash, height: block.height })),
  );
  if (tally.invalid.length > 0) {
    return {
      name: 'finality',
      ok: false,
      detail: `attestations invalid: finalBy ${tally.invalid.join('; ')}`,
    };
  }
  const who = tally.valid.join(', ');
  return {
    name: 'finality',
    ok: true,
    detail: tally.final
      ? `final: its descendant ${block.hash} at height ${height}, ${evidence.headers.length} header(s) above it, is attested by ${who} (${tally.valid.length} of ${tally.quorum} needed)`
      : `not yet final: its descendant at height ${height} is attested by ${who} (${tally.valid.length} of ${tally.quorum} needed)`,
  };
}
