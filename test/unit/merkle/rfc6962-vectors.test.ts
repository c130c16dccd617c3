import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  buildTreeFromLeaves,
  consistencyProof,
  emptyRoot,
  inclusionProof,
  leafHash,
  merkleRoot,
  verifyConsistency,
  verifyInclusion,
} from '../../../src/merkle/index.ts';
import { hex, unhex } from './helpers.ts';
import { refLeafHash, refPath, refProof, refRoot } from './reference.ts';
import { rfc6962 } from './vectors.ts';

const leaves = rfc6962.leaves.map(unhex);
const prefix = (n: number) => leaves.slice(0, n);
const rootHex = (n: number) => rfc6962.roots[n - 1]!.root;

describe('RFC 6962 test data (test/vectors/merkle-rfc6962.json)', () => {
  it('holds every size, index and pair', () => {
    assert.equal(rfc6962.roots.length, 8);
    assert.equal(rfc6962.inclusion.length, 36); // 1 + 2 + … + 8
    assert.equal(rfc6962.consistency.length, 36);
  });

  it('agrees with the published constants', () => {
    const published = rfc6962.published;
    assert.equal(rfc6962.emptyRoot, published.emptyRoot);
    assert.equal(rfc6962.emptyRoot, 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    assert.deepEqual(
      rfc6962.roots.map((r) => r.root),
      published.roots,
    );
    assert.equal(rootHex(8), '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328');
    for (const p of published.inclusion) {
      const v = rfc6962.inclusion.find((x) => x.size === p.size && x.index === p.index);
      assert.deepEqual(v?.proof, p.proof, `inclusion ${p.index} of ${p.size}`);
    }
    for (const p of published.consistency) {
      const v = rfc6962.consistency.find((x) => x.oldSize === p.oldSize && x.newSize === p.newSize);
      assert.deepEqual(v?.proof, p.proof, `consistency ${p.oldSize} to ${p.newSize}`);
    }
  });

  it('agrees with the naive reference (the data is not stale)', () => {
    assert.equal(hex(refRoot([])), rfc6962.emptyRoot);
    for (const { size, root } of rfc6962.roots) assert.equal(hex(refRoot(prefix(size))), root);
    for (const v of rfc6962.inclusion) {
      assert.equal(hex(refLeafHash(leaves[v.index]!)), v.leafHash);
      assert.deepEqual(refPath(v.index, prefix(v.size)).map(hex), v.proof);
    }
    for (const v of rfc6962.consistency)
      assert.deepEqual(refProof(v.oldSize, prefix(v.newSize)).map(hex), v.proof);
  });
});

describe('library against the RFC 6962 test data', () => {
  it('empty tree root is SHA-256("")', () => {
    assert.equal(hex(emptyRoot()), rfc6962.emptyRoot);
    assert.equal(hex(merkleRoot([])), rfc6962.emptyRoot);
    assert.equal(hex(buildTreeFromLeaves([]).root()), rfc6962.emptyRoot);
  });

  it('roots of every size', () => {
    for (const { size, root } of rfc6962.roots) {
      assert.equal(hex(merkleRoot(prefix(size))), root, `size ${size}`);
      assert.equal(hex(buildTreeFromLeaves(prefix(size)).root()), root, `tree of size ${size}`);
    }
  });

  it('inclusion proofs of every (size, index) are generated and verify', () => {
    for (const v of rfc6962.inclusion) {
      const tag = `${v.index} of ${v.size}`;
      assert.equal(hex(leafHash(leaves[v.index]!)), v.leafHash, tag);
      assert.deepEqual(inclusionProof(prefix(v.size), v.index).map(hex), v.proof, tag);
      assert.deepEqual(buildTreeFromLeaves(prefix(v.size)).inclusionProof(v.index).map(hex), v.proof, tag);
      const ok = verifyInclusion(
        unhex(v.leafHash!),
        v.index,
        v.size,
        v.proof.map(unhex),
        unhex(rootHex(v.size)),
      );
      assert.equal(ok, true, tag);
    }
  });

  it('consistency proofs of every pair are generated and verify', () => {
    for (const v of rfc6962.consistency) {
      const tag = `${v.oldSize} to ${v.newSize}`;
      assert.deepEqual(consistencyProof(prefix(v.newSize), v.oldSize).map(hex), v.proof, tag);
      assert.deepEqual(
        buildTreeFromLeaves(prefix(v.newSize)).consistencyProof(v.oldSize).map(hex),
        v.proof,
        tag,
      );
      const ok = verifyConsistency(
        v.oldSize,
        v.newSize,
        unhex(rootHex(v.oldSize)),
        unhex(rootHex(v.newSize)),
        v.proof.map(unhex),
      );
      assert.equal(ok, true, tag);
    }
  });
});
