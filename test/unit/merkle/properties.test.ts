import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  buildTree,
  buildTreeFromLeaves,
  consistencyProof,
  inclusionProof,
  leafHash,
  merkleRoot,
  rootFromLeafHashes,
  verifyConsistency,
  verifyInclusion,
} from '../../../src/merkle/index.ts';
import { flipBit, hex, randomBytes, randomLeaves, rng } from './helpers.ts';
import { refPath, refProof, refRoot } from './reference.ts';

const SEED = 0x9162;

describe('fast implementation against the naive reference, random trees', () => {
  it('roots, paths and consistency proofs for sizes 1..300', () => {
    const next = rng(SEED);
    for (let size = 1; size <= 300; size++) {
      const leaves = randomLeaves(next, size);
      const tree = buildTreeFromLeaves(leaves);
      assert.equal(hex(tree.root()), hex(refRoot(leaves)), `size ${size}`);
      assert.equal(hex(merkleRoot(leaves)), hex(refRoot(leaves)), `size ${size}`);
      // A handful of indexes and old sizes per tree keeps the slow reference affordable.
      for (const index of [0, size - 1, Math.floor(next() * size)]) {
        assert.deepEqual(
          tree.inclusionProof(index).map(hex),
          refPath(index, leaves).map(hex),
          `${index} of ${size}`,
        );
      }
      for (const oldSize of [1, size, 1 + Math.floor(next() * size)]) {
        const want = refProof(oldSize, leaves).map(hex);
        assert.deepEqual(tree.consistencyProof(oldSize).map(hex), want, `${oldSize} to ${size}`);
      }
    }
  });

  it('one-shot functions and the tree agree on larger trees', () => {
    const next = rng(SEED + 1);
    for (const size of [1023, 1024, 1025, 4097, 10_000]) {
      const leaves = randomLeaves(next, size, 8);
      const tree = buildTreeFromLeaves(leaves);
      assert.equal(hex(rootFromLeafHashes(leaves.map(leafHash))), hex(tree.root()));
      assert.equal(hex(buildTree(leaves.map(leafHash)).root()), hex(tree.root()));
      assert.equal(hex(merkleRoot(leaves)), hex(refRoot(leaves)), `size ${size}`);
      for (let k = 0; k < 5; k++) {
        const index = Math.floor(next() * size);
        assert.deepEqual(inclusionProof(leaves, index).map(hex), tree.inclusionProof(index).map(hex));
        const oldSize = 1 + Math.floor(next() * size);
        assert.deepEqual(consistencyProof(leaves, oldSize).map(hex), tree.consistencyProof(oldSize).map(hex));
      }
    }
  });
});

/** Every way a good inclusion proof can be damaged; none may verify. */
function tamperedInclusions(index: number, size: number, proof: Uint8Array[], stranger: Uint8Array) {
  const cases: [string, number, number, Uint8Array[]][] = [
    ['index + 1', index + 1, size, proof],
    ['size * 2', index, size * 2, proof],
    ['extended', index, size, [...proof, stranger]],
    ['extended at the front', index, size, [stranger, ...proof]],
  ];
  if (index > 0) cases.push(['index - 1', index - 1, size, proof]);
  // Not size ± 1: sizes whose paths have the same shape accept the same proof (RFC 9162 binds the size
  // through the shape only), so the size checks are the ones that change the shape.
  if (size >>> 1 > index) cases.push(['size / 2', index, size >>> 1, proof]);
  if (proof.length > 0) cases.push(['truncated', index, size, proof.slice(0, -1)]);
  if (proof.length > 0) cases.push(['first dropped', index, size, proof.slice(1)]);
  for (let i = 0; i < proof.length; i++) {
    for (const bit of [0, 7, 100, 255]) {
      const bad = proof.slice();
      bad[i] = flipBit(proof[i]!, bit);
      cases.push([`proof[${i}] bit ${bit}`, index, size, bad]);
    }
  }
  return cases;
}

describe('inclusion proofs, random trees', () => {
  it('every proof verifies and every tampered one fails (sizes 1..300, all indexes)', () => {
    const next = rng(SEED + 2);
    const stranger = randomBytes(next, 32);
    for (let size = 1; size <= 300; size += size < 70 ? 1 : 7) {
      const leaves = randomLeaves(next, size, 16, 8);
      const tree = buildTreeFromLeaves(leaves);
      const root = tree.root();
      for (let index = 0; index < size; index++) {
        const proof = tree.inclusionProof(index);
        const leaf = tree.leafHash(index);
        assert.equal(verifyInclusion(leaf, index, size, proof, root), true, `${index} of ${size}`);
        assert.equal(verifyInclusion(flipBit(leaf, 9), index, size, proof, root), false, 'tampered leaf');
        assert.equal(verifyInclusion(leaf, index, size, proof, flipBit(root, 200)), false, 'tampered root');
        for (const [what, i, n, bad] of tamperedInclusions(index, size, proof, stranger)) {
          assert.equal(verifyInclusion(leaf, i, n, bad, root), false, `${what}: ${index} of ${size}`);
        }
      }
    }
  });

  it('large trees: sampled proofs verify, tampered fail', () => {
    const next = rng(SEED + 3);
    for (const size of [65_535, 65_536, 100_001]) {
      const leaves = randomLeaves(next, size, 12, 8);
      const tree = buildTreeFromLeaves(leaves);
      const root = tree.root();
      for (let k = 0; k < 50; k++) {
        const index = k === 0 ? size - 1 : Math.floor(next() * size);
        const proof = tree.inclusionProof(index);
        assert.equal(verifyInclusion(leafHash(leaves[index]!), index, size, proof, root), true);
        const bad = proof.slice();
        const at = Math.floor(next() * bad.length);
        bad[at] = flipBit(bad[at]!, Math.floor(next() * 256));
        assert.equal(verifyInclusion(leafHash(leaves[index]!), index, size, bad, root), false);
      }
    }
  });
});

describe('consistency proofs, random trees', () => {
  it('every pair of sizes up to 64 verifies; tampered proofs fail', () => {
    const next = rng(SEED + 4);
    const leaves = randomLeaves(next, 64, 16, 8);
    const tree = buildTreeFromLeaves(leaves);
    const roots = [new Uint8Array(32), ...leaves.map((_, i) => merkleRoot(leaves.slice(0, i + 1)))];
    const stranger = randomBytes(next, 32);
    for (let newSize = 1; newSize <= 64; newSize++) {
      const newTree = buildTreeFromLeaves(leaves.slice(0, newSize));
      for (let oldSize = 1; oldSize <= newSize; oldSize++) {
        const proof = newTree.consistencyProof(oldSize);
        const [oldRoot, newRoot] = [roots[oldSize]!, roots[newSize]!];
        const tag = `${oldSize} to ${newSize}`;
        assert.equal(verifyConsistency(oldSize, newSize, oldRoot, newRoot, proof), true, tag);
        if (oldSize === newSize) {
          assert.equal(proof.length, 0);
          assert.equal(verifyConsistency(oldSize, newSize, oldRoot, newRoot, [stranger]), false, tag);
          continue;
        }
        const bad: [string, number, number, Uint8Array, Uint8Array, Uint8Array[]][] = [
          ['old root', oldSize, newSize, flipBit(oldRoot, 3), newRoot, proof],
          ['new root', oldSize, newSize, oldRoot, flipBit(newRoot, 3), proof],
          ['swapped roots', oldSize, newSize, newRoot, oldRoot, proof],
          ['oldSize + 1', oldSize + 1, newSize, oldRoot, newRoot, proof],
          ['oldSize - 1', oldSize - 1, newSize, oldRoot, newRoot, proof],
          ['oldSize ^ 2', oldSize ^ 2, newSize, oldRoot, newRoot, proof],
          ['newSize * 2', oldSize, newSize * 2, oldRoot, newRoot, proof],
          ['newSize / 2', oldSize, newSize >>> 1, oldRoot, newRoot, proof],
          ['empty', oldSize, newSize, oldRoot, newRoot, []],
          ['truncated', oldSize, newSize, oldRoot, newRoot, proof.slice(0, -1)],
          ['extended', oldSize, newSize, oldRoot, newRoot, [...proof, stranger]],
          ['extended at the front', oldSize, newSize, oldRoot, newRoot, [stranger, ...proof]],
        ];
        for (let i = 0; i < proof.length; i++) {
          const p = proof.slice();
          p[i] = flipBit(p[i]!, Math.floor(next() * 256));
          bad.push([`proof[${i}] bit`, oldSize, newSize, oldRoot, newRoot, p]);
        }
        for (const [what, m, n, r1, r2, p] of bad) {
          assert.equal(verifyConsistency(m, n, r1, r2, p), false, `${what}: ${tag}`);
        }
      }
    }
    assert.equal(hex(tree.root()), hex(roots[64]!));
  });
});
