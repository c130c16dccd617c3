import { sha256 } from '@noble/hashes/sha2.js';

/*
 * A naive reference straight from RFC 9162's recursive definitions, on @noble/hashes (the library uses
 * node:crypto, so agreeing also cross-checks the two SHA-256 backends). Slow on purpose: slices and recursion.
 */

function hash(...parts: Uint8Array[]): Uint8Array {
  const h = sha256.create();
  for (const p of parts) h.update(p);
  return h.digest();
}

/** RFC 9162 §2.1.1: the largest power of two smaller than n. */
function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** RFC 9162 §2.1.1 MTH(D[n]). */
export function refRoot(leaves: readonly Uint8Array[]): Uint8Array {
  if (leaves.length === 0) return hash();
  if (leaves.length === 1) return hash(Uint8Array.of(0), leaves[0]!);
  const k = split(leaves.length);
  return hash(Uint8Array.of(1), refRoot(leaves.slice(0, k)), refRoot(leaves.slice(k)));
}

export function refLeafHash(data: Uint8Array): Uint8Array {
  return hash(Uint8Array.of(0), data);
}

/** RFC 9162 §2.1.3.1 PATH(m, D[n]). */
export function refPath(m: number, leaves: readonly Uint8Array[]): Uint8Array[] {
  const n = leaves.length;
  if (n === 1) return [];
  const k = split(n);
  if (m < k) return [...refPath(m, leaves.slice(0, k)), refRoot(leaves.slice(k))];
  return [...refPath(m - k, leaves.slice(k)), refRoot(leaves.slice(0, k))];
}

/** RFC 9162 §2.1.4.1 PROOF(m, D[n]) = SUBPROOF(m, D[n], true). */
export function refProof(m: number, leaves: readonly Uint8Array[]): Uint8Array[] {
  return subproof(m, leaves, true);
}

function subproof(m: number, leaves: readonly Uint8Array[], b: boolean): Uint8Array[] {
  const n = leaves.length;
  if (m === n) return b ? [] : [refRoot(leaves)];
  const k = split(n);
  if (m <= k) return [...subproof(m, leaves.slice(0, k), b), refRoot(leaves.slice(k))];
  return [...subproof(m - k, leaves.slice(k), false), refRoot(leaves.slice(0, k))];
}
