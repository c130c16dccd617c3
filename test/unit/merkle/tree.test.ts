import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  buildTree,
  buildTreeFromHashBuffer,
  buildTreeFromLeaves,
  buildTreeFromLeavesAsync,
  HASH_SIZE,
  inclusionProofFromLeafHashes,
  leafHash,
  verifyInclusion,
} from '../../../src/merkle/index.ts';
import { hex, randomLeaves, rng } from './helpers.ts';

describe('MerkleTree', () => {
  const leaves = randomLeaves(rng(7), 1000, 30);
  const hashes = leaves.map(leafHash);
  const tree = buildTreeFromLeaves(leaves);

  it('from leaf data and from leaf hashes is the same tree', () => {
    const other = buildTree(hashes);
    assert.equal(other.size, 1000);
    assert.equal(hex(other.root()), hex(tree.root()));
    for (const i of [0, 1, 511, 512, 998, 999]) {
      assert.equal(hex(tree.leafHash(i)), hex(hashes[i]!));
      assert.deepEqual(other.inclusionProof(i).map(hex), inclusionProofFromLeafHashes(hashes, i).map(hex));
    }
  });

  it('rebuilds from the stored leaf hashes', () => {
    const stored = tree.leafHashes().slice();
    assert.equal(stored.length, 1000 * HASH_SIZE);
    const rebuilt = buildTreeFromHashBuffer(stored);
    assert.equal(rebuilt.size, 1000);
    assert.equal(hex(rebuilt.root()), hex(tree.root()));
    assert.deepEqual(rebuilt.inclusionProof(777).map(hex), tree.inclusionProof(777).map(hex));
    assert.equal(hex(buildTreeFromHashBuffer(new Uint8Array(0)).root()), hex(buildTree([]).root()));
    assert.throws(() => buildTreeFromHashBuffer(new Uint8Array(33)), RangeError);
    assert.throws(() => buildTreeFromHashBuffer([] as unknown as Uint8Array), TypeError);
  });

  it('root() is a copy the caller may change', () => {
    const root = tree.root();
    root[0] = root[0]! ^ 1;
    assert.notEqual(hex(tree.root()), hex(root));
  });

  it('writeInclusionProof writes every path of the batch into one buffer', () => {
    const out = new Uint8Array(leaves.length * 10 * HASH_SIZE);
    let offset = 0;
    const spans: [number, number][] = [];
    for (let i = 0; i < leaves.length; i++) {
      const count = tree.writeInclusionProof(i, out, offset);
      spans.push([offset, count]);
      offset += count * HASH_SIZE;
    }
    const root = tree.root();
    for (let i = 0; i < leaves.length; i++) {
      const [at, count] = spans[i]!;
      const proof = Array.from({ length: count }, (_, j) => out.subarray(at + j * 32, at + (j + 1) * 32));
      assert.deepEqual(proof.map(hex), tree.inclusionProof(i).map(hex));
      assert.equal(verifyInclusion(hashes[i]!, i, leaves.length, proof, root), true);
    }
    assert.throws(() => tree.writeInclusionProof(0, new Uint8Array(40), 0), RangeError);
    // Unaligned destinations take the byte-by-byte path and give the same bytes.
    const odd = new Uint8Array(4 + 10 * HASH_SIZE).subarray(1);
    for (const i of [0, 500, 999]) {
      const count = tree.writeInclusionProof(i, odd, 3);
      assert.equal(hex(odd.subarray(3, 3 + count * HASH_SIZE)), tree.inclusionProof(i).map(hex).join(''));
    }
  });

  it('reports progress up to the total', () => {
    const seen: [number, number][] = [];
    buildTreeFromLeaves(randomLeaves(rng(8), 70_000, 4), {
      onProgress: (done, total) => seen.push([done, total]),
    });
    assert.ok(seen.length > 2);
    assert.deepEqual(seen[0], [65_536, 139_999]);
    const [done, total] = seen.at(-1)!;
    assert.equal(total, 139_999); // 70,000 leaf hashes and 69,999 node hashes
    assert.equal(done, total);
  });

  it('a one-leaf tree: the root is the leaf hash and proofs are empty', () => {
    const one = buildTreeFromLeaves([Uint8Array.of(1)]);
    assert.equal(hex(one.root()), hex(leafHash(Uint8Array.of(1))));
    assert.deepEqual(one.inclusionProof(0), []);
    assert.deepEqual(one.consistencyProof(1), []);
  });

  it('the async build gives the same tree and lets the event loop run between slices', async () => {
    let turns = 0;
    const ticker = setInterval(() => turns++, 0);
    const seen: number[] = [];
    const built = await buildTreeFromLeavesAsync(leaves, {
      sliceSize: 100,
      onProgress: (done) => seen.push(done),
    });
    clearInterval(ticker);
    assert.equal(hex(built.root()), hex(tree.root()));
    assert.deepEqual(built.inclusionProof(321).map(hex), tree.inclusionProof(321).map(hex));
    assert.ok(turns > 0, 'timers ran while building');
    assert.equal(seen.at(-1), 1999);
    assert.equal(hex((await buildTreeFromLeavesAsync([])).root()), hex(buildTree([]).root()));
  });

  it('the async build stops when aborted', async () => {
    const controller = new AbortController();
    const building = buildTreeFromLeavesAsync(leaves, {
      sliceSize: 50,
      signal: controller.signal,
      onProgress: (done) => {
        if (done >= 500) controller.abort(new Error('stop'));
      },
    });
    await assert.rejects(building, /stop/);
    await assert.rejects(buildTreeFromLeavesAsync(leaves, { sliceSize: 0 }), RangeError);
  });
});
