import { checkBytesArray, checkCount, checkHashArray, HASH_SIZE } from './checks.ts';
import { emptyRoot } from './hashes.ts';
import { copyHashesInto, hashLeavesInto, hashLevel } from './levels.ts';
import { consistencyNodes, inclusionNodes } from './proof-nodes.ts';

/*
 * One-shot root and proofs. These keep a single level (size hashes) and reduce it in place, picking up the
 * nodes a proof needs on the way; use `buildTree` to serve many proofs from one tree.
 */

/** RFC 9162 §2.1.1 MTH(D[n]) of the leaf data `leaves`. */
export function merkleRoot(leaves: readonly Uint8Array[]): Uint8Array {
  checkBytesArray('leaves', leaves);
  return reduce(leaves.length, (level0) => hashLeavesInto(leaves, level0), [])[0]!;
}

/** RFC 9162 §2.1.3.1 inclusion proof of `leaves[index]`, leaf side first. */
export function inclusionProof(leaves: readonly Uint8Array[], index: number): Uint8Array[] {
  checkBytesArray('leaves', leaves);
  checkIndex(index, leaves.length);
  return reduce(
    leaves.length,
    (level0) => hashLeavesInto(leaves, level0),
    inclusionNodes(index, leaves.length),
  ).slice(1);
}

/** RFC 9162 §2.1.4.1 consistency proof from the first `oldSize` leaves to all of `leaves`. */
export function consistencyProof(leaves: readonly Uint8Array[], oldSize: number): Uint8Array[] {
  checkBytesArray('leaves', leaves);
  checkOldSize(oldSize, leaves.length);
  const nodes = consistencyNodes(oldSize, leaves.length);
  if (nodes.length === 0) return [];
  return reduce(leaves.length, (level0) => hashLeavesInto(leaves, level0), nodes).slice(1);
}

/** MTH over leaf hashes already computed (each 32 bytes). */
export function rootFromLeafHashes(leafHashes: readonly Uint8Array[]): Uint8Array {
  checkHashArray('leafHashes', leafHashes);
  return reduce(leafHashes.length, (level0) => copyHashesInto(leafHashes, level0), [])[0]!;
}

/** Inclusion proof over leaf hashes already computed. */
export function inclusionProofFromLeafHashes(leafHashes: readonly Uint8Array[], index: number): Uint8Array[] {
  checkHashArray('leafHashes', leafHashes);
  checkIndex(index, leafHashes.length);
  const nodes = inclusionNodes(index, leafHashes.length);
  return reduce(leafHashes.length, (level0) => copyHashesInto(leafHashes, level0), nodes).slice(1);
}

/** Consistency proof over leaf hashes already computed. */
export function consistencyProofFromLeafHashes(
  leafHashes: readonly Uint8Array[],
  oldSize: number,
): Uint8Array[] {
  checkHashArray('leafHashes', leafHashes);
  checkOldSize(oldSize, leafHashes.length);
  const nodes = consistencyNodes(oldSize, leafHashes.length);
  if (nodes.length === 0) return [];
  return reduce(leafHashes.length, (level0) => copyHashesInto(leafHashes, level0), nodes).slice(1);
}

function checkIndex(index: number, size: number): void {
  checkCount('index', index);
  if (index >= size) throw new RangeError(`index ${index} is not below the number of leaves ${size}`);
}

function checkOldSize(oldSize: number, size: number): void {
  checkCount('oldSize', oldSize);
  if (oldSize === 0) throw new RangeError('oldSize must be at least 1');
  if (oldSize > size) throw new RangeError(`oldSize ${oldSize} is past the number of leaves ${size}`);
}

/**
 * Fills level 0, then hashes level after level over the same buffer. Returns [root, ...wanted nodes], the
 * nodes given flat as [level, index, ...] and copied out when their level is reached.
 */
function reduce(
  size: number,
  fillLeaves: (level0: Uint8Array) => void,
  wanted: readonly number[],
): Uint8Array[] {
  if (size === 0) return [emptyRoot()];
  const buffer = new Uint8Array(size * HASH_SIZE);
  fillLeaves(buffer);
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
