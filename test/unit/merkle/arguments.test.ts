import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  buildTree,
  buildTreeFromLeaves,
  consistencyProof,
  consistencyProofFromLeafHashes,
  inclusionProof,
  inclusionProofFromLeafHashes,
  leafHash,
  merkleRoot,
  nodeHash,
  rootFromInclusionProof,
  rootFromLeafHashes,
  verifyConsistency,
  verifyInclusion,
} from '../../../src/merkle/index.ts';

const leaves = [1, 2, 3, 4, 5].map((b) => Uint8Array.of(b));
const hashes = leaves.map(leafHash);
const root = merkleRoot(leaves);
const h32 = new Uint8Array(32);
// Deliberately wrong types, as a JavaScript caller could pass them.
const loose = <T>(value: unknown) => value as T;

describe('generators: RangeError for indexes and sizes out of range (docs/proofs.md)', () => {
  const tree = buildTreeFromLeaves(leaves);
  it('index not below the number of leaves', () => {
    assert.throws(() => inclusionProof(leaves, 5), RangeError);
    assert.throws(() => inclusionProof([], 0), RangeError);
    assert.throws(() => inclusionProofFromLeafHashes(hashes, 5), RangeError);
    assert.throws(() => tree.inclusionProof(5), RangeError);
    assert.throws(() => tree.leafHash(5), RangeError);
    assert.throws(() => inclusionProof(leaves, -1), RangeError);
  });

  it('oldSize 0 or past the end; oldSize equal to the size gives []', () => {
    for (const bad of [0, 6]) {
      assert.throws(() => consistencyProof(leaves, bad), RangeError);
      assert.throws(() => consistencyProofFromLeafHashes(hashes, bad), RangeError);
      assert.throws(() => tree.consistencyProof(bad), RangeError);
    }
    assert.throws(() => consistencyProof([], 0), RangeError);
    assert.deepEqual(consistencyProof(leaves, 5), []);
    assert.deepEqual(consistencyProofFromLeafHashes(hashes, 5), []);
    assert.deepEqual(tree.consistencyProof(5), []);
  });

  it('leaf hashes must be 32 bytes; nodeHash takes two hashes', () => {
    assert.throws(() => rootFromLeafHashes([h32, new Uint8Array(31)]), /leafHashes\[1\] must be 32 bytes/);
    assert.throws(() => buildTree([new Uint8Array(33)]), RangeError);
    assert.throws(() => nodeHash(h32, new Uint8Array(31)), /right must be 32 bytes/);
  });
});

describe('TypeError naming the argument', () => {
  it('generators', () => {
    assert.throws(() => merkleRoot(loose('abc')), { name: 'TypeError', message: /^leaves must be an array/ });
    assert.throws(() => merkleRoot(loose([leaves[0], 'x'])), { name: 'TypeError', message: /^leaves\[1\]/ });
    assert.throws(() => inclusionProof(leaves, loose('1')), { name: 'TypeError', message: /^index/ });
    assert.throws(() => inclusionProof(leaves, 1.5), { name: 'TypeError', message: /^index/ });
    assert.throws(() => consistencyProof(leaves, loose(undefined)), {
      name: 'TypeError',
      message: /^oldSize/,
    });
    assert.throws(() => leafHash(loose('data')), { name: 'TypeError', message: /^data/ });
    assert.throws(() => nodeHash(loose(null), h32), { name: 'TypeError', message: /^left/ });
    assert.throws(() => buildTree(loose([[1, 2]])), { name: 'TypeError', message: /^leafHashes\[0\]/ });
  });

  it('verifiers', () => {
    assert.throws(() => verifyInclusion(loose('x'), 0, 1, [], root), {
      name: 'TypeError',
      message: /^leafHash/,
    });
    assert.throws(() => verifyInclusion(h32, loose(0n), 1, [], root), {
      name: 'TypeError',
      message: /^index/,
    });
    assert.throws(() => verifyInclusion(h32, 0, Number.NaN, [], root), {
      name: 'TypeError',
      message: /^treeSize/,
    });
    assert.throws(() => verifyInclusion(h32, 0, 1, loose([h32, 'y']), root), { message: /^proof\[1\]/ });
    assert.throws(() => verifyInclusion(h32, 0, 1, [], loose(null)), { name: 'TypeError', message: /^root/ });
    assert.throws(() => verifyConsistency(loose('1'), 2, root, root, []), { message: /^oldSize/ });
    assert.throws(() => verifyConsistency(1, 2 ** 53, root, root, []), { message: /^newSize/ });
    assert.throws(() => verifyConsistency(1, 2, loose([]), root, []), { message: /^oldRoot/ });
    assert.throws(() => verifyConsistency(1, 2, root, root, loose(h32)), { message: /^proof/ });
  });
});

describe('verifiers: false, never a throw, for what a bad proof can carry (docs/proofs.md)', () => {
  const proof = inclusionProof(leaves, 1);
  it('inclusion', () => {
    assert.equal(verifyInclusion(hashes[1]!, 1, 5, proof, root), true);
    assert.equal(verifyInclusion(hashes[1]!, 5, 5, proof, root), false);
    assert.equal(verifyInclusion(hashes[1]!, -1, 5, proof, root), false);
    assert.equal(verifyInclusion(hashes[1]!, 1, 0, [], root), false);
    assert.equal(verifyInclusion(hashes[1]!.subarray(1), 1, 5, proof, root), false);
    assert.equal(verifyInclusion(hashes[1]!, 1, 5, proof, root.subarray(0, 31)), false);
    assert.equal(verifyInclusion(hashes[1]!, 1, 5, [proof[0]!, proof[1]!, new Uint8Array(64)], root), false);
    assert.equal(rootFromInclusionProof(hashes[1]!, 1, 5, proof.slice(1)), undefined);
  });

  it('consistency', () => {
    const old = merkleRoot(leaves.slice(0, 3));
    const p = consistencyProof(leaves, 3);
    assert.equal(verifyConsistency(3, 5, old, root, p), true);
    assert.equal(verifyConsistency(0, 5, old, root, p), false);
    assert.equal(verifyConsistency(0, 0, merkleRoot([]), merkleRoot([]), []), false);
    assert.equal(verifyConsistency(-1, 5, old, root, p), false);
    assert.equal(verifyConsistency(5, 3, root, old, p), false);
    assert.equal(verifyConsistency(5, 5, root, root, []), true);
    assert.equal(verifyConsistency(5, 5, root, old, []), false);
    assert.equal(verifyConsistency(5, 5, root, root, [h32]), false);
    assert.equal(verifyConsistency(3, 5, old, root, [...p.slice(0, -1), new Uint8Array(31)]), false);
  });

  it('sizes past 2^32 are handled as numbers, not 32-bit integers', () => {
    // A leaf alone on the right of a 2^32-leaf subtree: its path is that subtree's root only.
    const big = 2 ** 32;
    const left = new Uint8Array(32).fill(7);
    const leaf = leafHash(Uint8Array.of(9));
    assert.equal(verifyInclusion(leaf, big, big + 1, [left], nodeHash(left, leaf)), true);
    assert.equal(verifyInclusion(leaf, 0, big + 1, [left], nodeHash(left, leaf)), false);
    // Consistency of the 2^32-leaf tree with the 2^32 + 1 one: the proof is the new leaf.
    assert.equal(verifyConsistency(big, big + 1, left, nodeHash(left, leaf), [leaf]), true);
  });
});
