/** Assembling a reading's proof from what the store kept at sealing (pure). */
import { readingLeafObject, SALT_BYTES } from '../batches/leaves.ts';
import type { MerkleTree } from '../merkle/index.ts';
import type { StoredReading } from '../model/index.ts';
import { PROOF_FORMAT, type ProofAnchor, type ReadingProof } from '../model/proofs.ts';
import type { WindowRecord } from '../store/index.ts';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

export interface ProofParts {
  readonly reading: StoredReading;
  readonly window: WindowRecord;
  readonly index: number;
  readonly tree: MerkleTree;
  /** The window's salts, 16 bytes each, in leaf order. */
  readonly salts: Uint8Array;
  readonly gatewayKey: Uint8Array;
  /** False for roles that see proofs but not readings: reading and salt are left out. */
  readonly disclose: boolean;
  /** The record's place in the ledger, once mined. */
  readonly anchor?: ProofAnchor | null;
}

export function assembleReadingProof(parts: ProofParts): ReadingProof {
  const { reading, ...rest } = parts;
  return assembleLeafProof({ ...rest, leaf: readingLeafObject(reading) });
}

/**
 * The same proof for any leaf of a window (a reading, an alarm event): `leaf` is the object whose RFC 8785
 * JSON, after the salt, is the leaf data; it goes in the proof's `reading` field (docs/proofs.md).
 */
export function assembleLeafProof(
  parts: Omit<ProofParts, 'reading'> & { readonly leaf: Record<string, unknown> },
): ReadingProof {
  const { index, tree, window } = parts;
  const salt = parts.salts.subarray(index * SALT_BYTES, (index + 1) * SALT_BYTES);
  return {
    format: PROOF_FORMAT,
    reading: parts.disclose ? parts.leaf : null,
    salt: parts.disclose ? Buffer.from(salt).toString('base64') : null,
    leaf: {
      hash: hex(tree.leafHash(index)),
      index,
      treeSize: tree.size,
      path: tree.inclusionProof(index).map(hex),
    },
    record: window.record,
    gatewayKey: hex(parts.gatewayKey),
    anchor: parts.anchor ?? null,
  };
}
