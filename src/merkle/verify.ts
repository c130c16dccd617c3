import { checkBytes, checkBytesArray, equalBytes, HASH_SIZE } from '../bytes.ts';
import { nodeHashInto } from './hashes.ts';

/*
 * Verifiers of RFC 9162 §2.1.3.2 and §2.1.4.2. Both walk the same path: an inclusion proof of leaf `index`
 * splits into an inner part (the levels where the path to `index` and the path to the last leaf differ) and
 * a border part (the right border of the tree), as transparency-dev/merkle does; the consistency proof is a
 * suffix of the inclusion proof of leaf oldSize-1, so both share `chainInner`, `chainInnerRight` and
 * `chainBorderRight`. Sizes and indexes are safe integers, split by arithmetic, not 32-bit shifts, so proofs
 * about trees past 2^32 leaves still check. Wrong JS types throw TypeError naming the argument; anything a
 * forged or damaged proof could carry (sizes, lengths, hashes) makes them return false.
 */

/** RFC 9162 §2.1.3.2: is `leafHash` the leaf at `index` of the tree of `treeSize` leaves with `root`? */
export function verifyInclusion(
  leafHash: Uint8Array,
  index: number,
  treeSize: number,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): boolean {
  checkBytes('root', root);
  const computed = rootFromInclusionProof(leafHash, index, treeSize, proof);
  return computed !== undefined && root.length === HASH_SIZE && equalBytes(computed, root);
}

/**
 * The root an inclusion proof leads to, or undefined when the proof cannot be one (index not below the size,
 * wrong length, a hash that is not 32 bytes). Lets a caller report what it got beside what it wanted.
 */
export function rootFromInclusionProof(
  leafHash: Uint8Array,
  index: number,
  treeSize: number,
  proof: readonly Uint8Array[],
): Uint8Array | undefined {
  checkBytes('leafHash', leafHash);
  checkInteger('index', index);
  checkInteger('treeSize', treeSize);
  checkBytesArray('proof', proof);
  if (index < 0 || index >= treeSize || leafHash.length !== HASH_SIZE || !allHashes(proof)) return undefined;
  const { inner, border } = decompose(index, treeSize);
  // A proof too long or too short for this index and size proves nothing.
  if (proof.length !== inner + border) return undefined;
  const r = chainInner(leafHash.slice(), proof.slice(0, inner), index);
  return chainBorderRight(r, proof.slice(inner));
}

/**
 * RFC 9162 §2.1.4.2: is the tree of `newSize` leaves with `newRoot` an extension of the one of `oldSize`
 * leaves with `oldRoot`? docs/proofs.md: false for oldSize 0 (transparency-dev accepts it with an empty proof);
 * equal sizes hold only with an empty proof and equal roots.
 */
export function verifyConsistency(
  oldSize: number,
  newSize: number,
  oldRoot: Uint8Array,
  newRoot: Uint8Array,
  proof: readonly Uint8Array[],
): boolean {
  checkInteger('oldSize', oldSize);
  checkInteger('newSize', newSize);
  checkBytes('oldRoot', oldRoot);
  checkBytes('newRoot', newRoot);
  checkBytesArray('proof', proof);
  if (oldSize < 1 || newSize < oldSize) return false;
  if (oldRoot.length !== HASH_SIZE || newRoot.length !== HASH_SIZE || !allHashes(proof)) return false;
  if (oldSize === newSize) return proof.length === 0 && equalBytes(oldRoot, newRoot);
  if (proof.length === 0) return false;
  const decomposed = decompose(oldSize - 1, newSize);
  // The old tree's last complete subtree has 2^shift leaves; its root starts the path.
  const shift = trailingZeros(oldSize);
  const inner = decomposed.inner - shift;
  // Unless the old tree is that very subtree (its root is oldRoot), the proof carries the subtree's root.
  const start = oldSize === 2 ** shift ? 0 : 1;
  if (proof.length !== start + inner + decomposed.border) return false;
  const seed = start === 0 ? oldRoot : proof[0]!;
  const path = proof.slice(start);
  // Chaining starts at level `shift`.
  const mask = Math.floor((oldSize - 1) / 2 ** shift);
  const oldComputed = chainBorderRight(
    chainInnerRight(seed.slice(), path.slice(0, inner), mask),
    path.slice(inner),
  );
  if (!equalBytes(oldComputed, oldRoot)) return false;
  const newComputed = chainBorderRight(
    chainInner(seed.slice(), path.slice(0, inner), mask),
    path.slice(inner),
  );
  return equalBytes(newComputed, newRoot);
}

/**
 * Splits the inclusion proof of leaf `index` in a tree of `size` leaves: `inner` nodes up to the level where
 * the paths to `index` and to the last leaf meet, then `border` nodes on the tree's right border.
 */
function decompose(index: number, size: number): { inner: number; border: number } {
  const inner = bitLength(BigInt(index) ^ BigInt(size - 1));
  return { inner, border: onesCount(BigInt(index) >> BigInt(inner)) };
}

/** Hashes `seed` up the inner levels: the sibling goes left or right by the bit of `index` at that level. */
function chainInner(seed: Uint8Array, proof: readonly Uint8Array[], index: number): Uint8Array {
  proof.forEach((p, level) => {
    if (bitAt(index, level) === 0) nodeHashInto(seed, p, seed);
    else nodeHashInto(p, seed, seed);
  });
  return seed;
}

/** As `chainInner`, but only the siblings on the left count: the old tree stops where the new one grew. */
function chainInnerRight(seed: Uint8Array, proof: readonly Uint8Array[], index: number): Uint8Array {
  proof.forEach((p, level) => {
    if (bitAt(index, level) === 1) nodeHashInto(p, seed, seed);
  });
  return seed;
}

/** The right border: every sibling is on the left. */
function chainBorderRight(seed: Uint8Array, proof: readonly Uint8Array[]): Uint8Array {
  for (const p of proof) nodeHashInto(p, seed, seed);
  return seed;
}

function checkInteger(name: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw new TypeError(
      `${name} must be a safe integer, got ${typeof value === 'number' ? value : typeof value}`,
    );
  }
}

function allHashes(proof: readonly Uint8Array[]): boolean {
  for (const p of proof) if (p.length !== HASH_SIZE) return false;
  return true;
}

/** Bit `level` of a safe integer (dividing by a power of two is exact). */
function bitAt(x: number, level: number): number {
  return Math.floor(x / 2 ** level) % 2;
}

function bitLength(x: bigint): number {
  return x === 0n ? 0 : x.toString(2).length;
}

function onesCount(x: bigint): number {
  let n = 0;
  for (const c of x.toString(2)) if (c === '1') n++;
  return n;
}

function trailingZeros(x: number): number {
  let n = 0;
  for (let v = x; v % 2 === 0; v /= 2) n++;
  return n;
}
