import { HASH_SIZE } from '../bytes.ts';
import { leafHashInto, pairHashInto } from './hashes.ts';

/** Sizes of the levels of a tree of `size` leaves, leaves first, root last (one level of 1 for size 1). */
export function levelSizes(size: number): number[] {
  const sizes = [size];
  for (let n = size; n > 1; ) {
    n = (n + 1) >>> 1;
    sizes.push(n);
  }
  return sizes;
}

/** RFC 9162 §2.1.1 leaf hashes of `leaves[from..to)` written into hash slots from..to of `out`. */
export function hashLeavesInto(
  leaves: readonly Uint8Array[],
  out: Uint8Array,
  from = 0,
  to = leaves.length,
): void {
  for (let i = from; i < to; i++) leafHashInto(leaves[i]!, out, i * HASH_SIZE);
}

/** Copies the 32-byte `hashes[from..to)` into hash slots from..to of `out`. */
export function copyHashesInto(
  hashes: readonly Uint8Array[],
  out: Uint8Array,
  from = 0,
  to = hashes.length,
): void {
  for (let i = from; i < to; i++) out.set(hashes[i]!, i * HASH_SIZE);
}

/**
 * One level up: the `size` hashes at hash slot `from` are paired into the slots from `to` (RFC 9162 §2.1.1,
 * MTH(D[n]) = HASH(0x01 || MTH(D[0:k]) || MTH(D[k:n])) with the split carried up level by level); an unpaired
 * last hash is copied up unchanged. `to` may equal `from`: each output slot is behind the inputs it reads.
 * Returns the size of the new level.
 */
export function hashLevel(buffer: Uint8Array, from: number, size: number, to: number): number {
  const pairs = size >>> 1;
  hashPairs(buffer, from, to, 0, pairs);
  if (size & 1) {
    const last = (from + size - 1) * HASH_SIZE;
    buffer.copyWithin((to + pairs) * HASH_SIZE, last, last + HASH_SIZE);
  }
  return pairs + (size & 1);
}

/** Pairs `first..end` of the level at slot `from`, written from slot `to` (a slice of `hashLevel`). */
export function hashPairs(buffer: Uint8Array, from: number, to: number, first: number, end: number): void {
  for (let i = first; i < end; i++)
    pairHashInto(buffer, (from + 2 * i) * HASH_SIZE, buffer, (to + i) * HASH_SIZE);
}
