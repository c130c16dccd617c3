/**
 * Blocks (docs/ledger.md): a header, the miner's Ed25519 signature over the block hash, and the signed minute
 * records whose RFC 9162 root is the header's anchor root.
 */

import { type SigningKey, sign } from '../../crypto/signing.ts';
import { inclusionProof, leafHash, merkleRoot } from '../../merkle/index.ts';
import { sha256 } from '../../merkle/sha256.ts';
import { type SignedMinuteRecord, signedMinuteRecordSchema } from '../../model/index.ts';
import { recordKey, recordLeaf } from '../record.ts';
import { checkBytes, checkSafeUint, HASH_SIZE } from './bytes.ts';
import { checkChainTail, medianTimePast, nextTarget } from './difficulty.ts';
import { type BlockHeader, blockHash, checkHeader, LEDGER_VERSION } from './header.ts';
import { checkParams, type LedgerParams } from './params.ts';

export interface Block {
  readonly header: BlockHeader;
  /** Ed25519 by the miner over the 32-byte block hash. */
  readonly signature: Uint8Array;
  readonly records: readonly SignedMinuteRecord[];
}

/** A miner's id in headers: SHA-256 of its 32-byte Ed25519 public key. */
export function minerIdOf(publicKey: Uint8Array): Uint8Array {
  checkBytes('publicKey', publicKey, 32);
  return sha256(publicKey);
}

/** RFC 9162 §2.1.1 root over the records' leaves (recordLeaf), in block order; SHA-256("") for none. */
export function anchorRoot(records: readonly SignedMinuteRecord[]): Uint8Array {
  if (!Array.isArray(records)) throw new TypeError('records must be an array');
  return merkleRoot(records.map(recordLeaf));
}

export interface RecordInclusion {
  readonly record: SignedMinuteRecord;
  readonly index: number;
  readonly treeSize: number;
  readonly leafHash: Uint8Array;
  /** RFC 9162 §2.1.3 audit path from the record's leaf to the header's anchor root. */
  readonly proof: Uint8Array[];
  readonly anchorRoot: Uint8Array;
}

export function recordInclusion(block: Block, index: number): RecordInclusion {
  if (typeof block !== 'object' || block === null || !Array.isArray(block.records)) {
    throw new TypeError('block must be a block');
  }
  if (!Number.isInteger(index) || index < 0 || index >= block.records.length) {
    throw new RangeError(`index must be in 0..${block.records.length - 1}, got ${index}`);
  }
  const leaves = block.records.map(recordLeaf);
  return {
    record: block.records[index]!,
    index,
    treeSize: leaves.length,
    leafHash: leafHash(leaves[index]!),
    proof: inclusionProof(leaves, index),
    anchorRoot: block.header.anchorRoot,
  };
}

export interface TemplateInput {
  /** The latest headers of the chain to extend, ascending, ending with the parent (see ancestorsNeeded). */
  readonly chainTail: readonly BlockHeader[];
  readonly params: LedgerParams;
  /** Pending records; ill-shaped ones, repeats and those `recordSeen` knows are left out. */
  readonly records: readonly SignedMinuteRecord[];
  readonly minerPublicKey: Uint8Array;
  /** The miner's clock, ms; raised to median time past + 1 when behind it. */
  readonly now: number;
  readonly recordSeen?: (key: string) => boolean;
  /** Timestamp of the latest final block: the template's is raised above it too. */
  readonly finalTimestamp?: number;
}

/**
 * A header ready to mine (nonce 0) and the records it anchors: ordered by (minute, gatewayId) so that two
 * members with the same pool build the same block, capped at params.maxBlockRecords.
 */
export function createBlockTemplate(input: TemplateInput): {
  header: BlockHeader;
  records: SignedMinuteRecord[];
} {
  const parent = checkChainTail('chainTail', input.chainTail);
  checkParams('params', input.params);
  if (!Array.isArray(input.records)) throw new TypeError('records must be an array');
  checkSafeUint('now', input.now);
  const seen = new Set<string>();
  const records: SignedMinuteRecord[] = [];
  for (const record of input.records) {
    if (!signedMinuteRecordSchema.safeParse(record).success) continue;
    const key = recordKey(record);
    if (seen.has(key) || input.recordSeen?.(key) === true) continue;
    seen.add(key);
    records.push(record);
  }
  records.sort((a, b) => compare(a.minute, b.minute) || compare(a.gatewayId, b.gatewayId));
  records.length = Math.min(records.length, input.params.maxBlockRecords);
  const header: BlockHeader = {
    version: LEDGER_VERSION,
    height: parent.height + 1,
    previousHash: blockHash(parent),
    timestamp: Math.max(
      input.now,
      medianTimePast(input.chainTail, input.params.medianTimeSpan) + 1,
      (input.finalTimestamp ?? -1) + 1,
    ),
    anchorRoot: anchorRoot(records),
    target: nextTarget(input.chainTail, input.params),
    minerId: minerIdOf(input.minerPublicKey),
    nonce: 0n,
  };
  return { header, records };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The block for a mined header: the miner signs its hash. */
export function sealBlock(
  header: BlockHeader,
  records: readonly SignedMinuteRecord[],
  key: SigningKey,
): Block {
  checkHeader('header', header);
  if (!Array.isArray(records)) throw new TypeError('records must be an array');
  checkBytes('key.secretKey', key?.secretKey, HASH_SIZE);
  return { header, signature: sign(blockHash(header), key), records: [...records] };
}
