import { checkBytesArray, HASH_SIZE } from '../bytes.ts';
import { checkHashArray, checkIndex, checkOldSize } from './checks.ts';
import { emptyRoot } from './hashes.ts';
import { copyHashesInto, hashLeavesInto, hashLevel } from './levels.ts';
import { consistencyNodes, inclusionNodes } from './proof-nodes.ts';

/*
 * One-shot root and proofs. These keep a single level (size hashes) and reduce it in place, picking up the
 * nodes a proof needs on the way; use `buildTree` to serve many proofs from one tree.
 */

/** RFC 9162 §2.1.1 MTH(D[n]) of the leaf data `leaves`. */
export function merkleRoot(leaves: readonly Uint8Array[]): Uint8Array {
  return rootOf(ofData(leaves));
}

/** RFC 9162 §2.1.3.1 inclusion proof of `leaves[index]`, leaf side first. */
export function inclusionProof(leaves: readonly Uint8Array[], index: number): Uint8Array[] {
  return inclusionOf(ofData(leaves), index);
}

/** RFC 9162 §2.1.4.1 consistency proof from the first `oldSize` leaves to all of `leaves`. */
export function consistencyProof(leaves: readonly Uint8Array[], oldSize: number): Uint8Array[] {
  return consistencyOf(ofData(leaves), oldSize);
}

/** MTH over leaf hashes already computed (each 32 bytes). */
export function rootFromLeafHashes(leafHashes: readonly Uint8Array[]): Uint8Array {
  return rootOf(ofHashes(leafHashes));
}

/** Inclusion proof over leaf hashes already computed. */
export function inclusionProofFromLeafHashes(leafHashes: readonly Uint8Array[], index: number): Uint8Array[] {
  return inclusionOf(ofHashes(leafHashes), index);
}

/** Consistency proof over leaf hashes already computed. */
export function consistencyProofFromLeafHashes(
  leafHashes: readonly Uint8Array[],
  oldSize: number,
): Uint8Array[] {
  return consistencyOf(ofHashes(leafHashes), oldSize);
}

/** The leaf level of a tree: how many leaves, and how to write their hashes into level 0. */
interface LeafLevel {
  readonly size: number;
  readonly fill: (level0: Uint8Array) => void;
}

function ofData(leaves: readonly Uint8Array[]): LeafLevel {
  checkBytesArray('leaves', leaves);
  return { size: leaves.length, fill: (level0) => hashLeavesInto(leaves, level0) };
}

function ofHashes(leafHashes: readonly Uint8Array[]): LeafLevel {
  checkHashArray('leafHashes', leafHashes);
  return { size: leafHashes.length, fill: (level0) => copyHashesInto(leafHashes, level0) };
}

function rootOf(leaves: LeafLevel): Uint8Array {
  return reduce(leaves, [])[0]!;
}

function inclusionOf(leaves: LeafLevel, index: number): Uint8Array[] {
  checkIndex(index, leaves.size, 'the number of leaves');
  return reduce(leaves, inclusionNodes(index, leaves.size)).slice(1);
}

function consistencyOf(leaves: LeafLevel, oldSize: number): Uint8Array[] {
  checkOldSize(oldSize, leaves.size, 'the number of leaves');
  const nodes = consistencyNodes(oldSize, leaves.size);
  if (nodes.length === 0) return [];
  return reduce(leaves, nodes).slice(1);
}

/**
 * Fills level 0, then hashes level after level over the same buffer. Returns [root, ...wanted nodes], the
 * nodes given flat as [level, index, ...] and copied out when their level is reached.
 */
function reduce({ size, fill }: LeafLevel, wanted: readonly number[]): Uint8Array[] {
  if (size === 0) return [emptyRoot()];
  const buffer = new Uint8Array(size * HASH_SIZE);
  fill(buffer);
  const picked: Uint8Array[] = new Array(wanted.length >>> 1);
  for (let level = 0, n = size; ; level++) {
    for (let j = 0; j < wanted.length; j += 2) {
      if (wanted[j] !== level) continue;
      const from = wanted[j + 1]! * HASH_SIZE;
      picked[j >>> 1] = buffer.slice(from, from + HASH_SIZE);
    }
    if (n === 1) break;
    n = hashLevel(buffer, 0, n, 0);
  }
  return [buffer.slice(0, HASH_SIZE), ...picked];
}
