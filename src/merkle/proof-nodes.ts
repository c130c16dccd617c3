/**
 * Which tree nodes a proof is made of, as index arithmetic only. A node is (level, index): level 0 holds
 * the leaf hashes, and node (l, i) is MTH of leaves [i·2^l, min((i+1)·2^l, size)). Building levels bottom-up
 * and carrying an unpaired last node up unchanged gives exactly RFC 9162's tree (split at the largest power
 * of two smaller than n), so every subtree hash a proof needs is one of these nodes.
 *
 * Results are flat arrays [level0, index0, level1, index1, ...] in proof order. Sizes stay below 2^31 here:
 * these functions serve trees held in memory.
 */

/** RFC 9162 §2.1.3.1 PATH(m, D[n]): the siblings on the way from leaf m to the root, leaf side first. */
export function inclusionNodes(index: number, size: number): number[] {
  const nodes: number[] = [];
  let i = index;
  let levelSize = size;
  for (let level = 0; levelSize > 1; level++) {
    const sibling = i ^ 1;
    // A last node without a sibling is carried up: that level adds nothing to the path.
    if (sibling < levelSize) nodes.push(level, sibling);
    i >>>= 1;
    levelSize = (levelSize + 1) >>> 1;
  }
  return nodes;
}

/**
 * RFC 9162 §2.1.4.1 PROOF(m, D[n]) = SUBPROOF(m, D[n], true), unrolled: each step of SUBPROOF appends one
 * subtree hash after the recursive part, so the hashes are collected going down and reversed at the end.
 */
export function consistencyNodes(oldSize: number, size: number): number[] {
  const reversed: number[] = [];
  let start = 0;
  let n = size;
  let m = oldSize;
  let complete = true; // SUBPROOF's `b`: the subtree so far is also a subtree of the old tree.
  while (m !== n) {
    const k = largestPowerOfTwoBelow(n);
    if (m <= k) {
      pushSubtree(reversed, start + k, n - k); // MTH(D[k:n])
      n = k;
    } else {
      pushSubtree(reversed, start, k); // MTH(D[0:k])
      start += k;
      n -= k;
      m -= k;
      complete = false;
    }
  }
  if (!complete) pushSubtree(reversed, start, n); // SUBPROOF(m, D[m], false) = {MTH(D[m])}
  const nodes: number[] = [];
  for (let i = reversed.length - 2; i >= 0; i -= 2) nodes.push(reversed[i]!, reversed[i + 1]!);
  return nodes;
}

/** The node holding MTH(D[start:start+length]); `start` is aligned to a power of two ≥ length. */
function pushSubtree(nodes: number[], start: number, length: number): void {
  const level = bitLength(length - 1);
  nodes.push(level, start >>> level);
}

/** RFC 9162 §2.1.1: k, the largest power of two smaller than n (n ≥ 2). */
export function largestPowerOfTwoBelow(n: number): number {
  return 1 << (bitLength(n - 1) - 1);
}

function bitLength(x: number): number {
  return 32 - Math.clz32(x);
}
