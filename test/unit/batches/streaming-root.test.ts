import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { StreamingRoot } from '../../../src/batches/streaming-root.ts';
import { leafHash, merkleRoot } from '../../../src/merkle/index.ts';

test('the streaming root equals merkleRoot for every size up to 300', () => {
  const leaves = Array.from({ length: 300 }, () => new Uint8Array(randomBytes(20)));
  const streaming = new StreamingRoot();
  assert.deepEqual(streaming.root(), merkleRoot([]));
  for (let n = 1; n <= leaves.length; n++) {
    streaming.push(leafHash(leaves[n - 1]!));
    assert.equal(streaming.count, n);
    assert.deepEqual(streaming.root(), merkleRoot(leaves.slice(0, n)), `size ${n}`);
  }
});
