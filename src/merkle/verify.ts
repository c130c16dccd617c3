import { checkBytes, checkBytesArray, HASH_SIZE } from './checks.ts';
import { nodeHashInto } from './hashes.ts';

/*
 * Verifiers follow RFC 9162 §2.1.3.2 and §2.1.4.2 step by step. Sizes and indexes are handled as safe
 * integers with arithmetic halving (not 32-bit shifts), so proofs about trees past 2^32 leaves still check.
 * Wrong JS types throw TypeError naming the argument; anything a forged or damaged proof could carry
 * (sizes, lengths, hashes) makes them return false.
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
  // Step 1.
  if (index < 0 || index >= treeSize || leafHash.length !== HASH_SIZE || !allHashes(proof)) return undefined;
  // Steps 2-3.
  let fn = index;
  let sn = treeSize - 1;
  const r = leafHash.slice();
  // Step 4.
  for (const p of proof) {
    if (sn === 0) return undefined; // 4a: the proof is too long.
    if (fn % 2 === 1 || fn === sn) {
      nodeHashInto(p, r, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      nodeHashInto(r, p, r);
    }
    fn = half(fn);
    sn = half(sn);
  }
  // Step 5: a proof that is too short leaves sn above 0.
  return sn === 0 ? r : undefined;
}

/**
 * RFC 9162 §2.1.4.2: is the tree of `newSize` leaves with `newRoot` an extension of the one of `oldSize`
 * leaves with `oldRoot`? SPEC §3: false for oldSize 0 (transparency-dev accepts it with an empty proof);
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
  // Step 1.
  if (proof.length === 0) return false;
  // Step 2: when the old tree is a complete subtree, its root is the first node of the path.
  const path = isPowerOfTwo(oldSize) ? [oldRoot, ...proof] : proof;
  // Steps 3-4.
  let fn = oldSize - 1;
  let sn = newSize - 1;
  while (fn % 2 === 1) {
    fn = half(fn);
    sn = half(sn);
  }
  // Step 5.
  const fr = path[0]!.slice();
  const sr = path[0]!.slice();
  // Step 6.
  for (let i = 1; i < path.length; i++) {
    const c = path[i]!;
    if (sn === 0) return false; // 6a: the proof is too long.
    if (fn % 2 === 1 || fn === sn) {
      nodeHashInto(c, fr, fr);
      nodeHashInto(c, sr, sr);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      nodeHashInto(sr, c, sr);
    }
    fn = half(fn);
    sn = half(sn);
  }
  // Step 7.
  return sn === 0 && equalBytes(fr, oldRoot) && equalBytes(sr, newRoot);
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

function half(x: number): number {
  return Math.floor(x / 2);
}

function isPowerOfTwo(x: number): boolean {
  while (x % 2 === 0) x /= 2;
  return x === 1;
}

/** Not constant time: roots and proofs are public. */
function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
