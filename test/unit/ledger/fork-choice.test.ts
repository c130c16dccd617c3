import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type Block,
  type BlockHeader,
  blockHash,
  createHeaderTree,
  returnedRecords,
  toHex,
} from '../../../src/ledger/index.ts';
import { record } from './helpers.ts';

const EASY = (1n << 250n) - 1n; // work 64
const HARD = (1n << 248n) - 1n; // work 256

const genesis: BlockHeader = {
  version: 1,
  height: 0,
  previousHash: new Uint8Array(32),
  timestamp: 0,
  anchorRoot: new Uint8Array(32),
  target: EASY,
  minerId: new Uint8Array(32),
  nonce: 0n,
};

function child(parent: BlockHeader, target: bigint, tag: number): BlockHeader {
  return {
    ...parent,
    height: parent.height + 1,
    previousHash: blockHash(parent),
    target,
    nonce: BigInt(tag),
  };
}

const hex = (h: BlockHeader) => toHex(blockHash(h));

describe('fork choice (docs/ledger.md: most cumulative work)', () => {
  // genesis ─ a1 ─ a2 ─ a3        (easy: 3 × 64)
  //        └ b1 ─ b2              (hard: 2 × 256)
  const a1 = child(genesis, EASY, 1);
  const a2 = child(a1, EASY, 2);
  const a3 = child(a2, EASY, 3);
  const b1 = child(genesis, HARD, 11);
  const b2 = child(b1, HARD, 12);

  it('picks the branch with most work, not the longest', () => {
    const tree = createHeaderTree(genesis);
    for (const h of [a1, a2, a3]) tree.add(h);
    assert.equal(tree.best().hash, hex(a3));
    assert.equal(tree.best().work, 4n * 64n);
    tree.add(b1); // one hard block (256) outweighs three easy ones (3 × 64)
    assert.equal(tree.best().hash, hex(b1));
    assert.equal(tree.best().work, 64n + 256n);
  });

  it('computes the reorg between the two tips', () => {
    const tree = createHeaderTree(genesis);
    for (const h of [a1, a2, a3, b1, b2]) tree.add(h);
    assert.equal(tree.best().hash, hex(b2));
    assert.deepEqual(tree.reorg(hex(a3), hex(b2)), {
      fork: hex(genesis),
      disconnect: [hex(a3), hex(a2), hex(a1)],
      connect: [hex(b1), hex(b2)],
    });
    assert.deepEqual(tree.reorg(hex(a1), hex(a3)), {
      fork: hex(a1),
      disconnect: [],
      connect: [hex(a2), hex(a3)],
    });
    assert.deepEqual(tree.chainTail(hex(b2), 10), [genesis, b1, b2]);
    assert.deepEqual(tree.chainTail(hex(a3), 2), [a2, a3]);
  });

  it('keeps the first seen of two tips with equal work', () => {
    const tree = createHeaderTree(genesis);
    const x = child(genesis, EASY, 21);
    const y = child(genesis, EASY, 22);
    tree.add(x);
    tree.add(y);
    assert.equal(tree.best().hash, hex(x));
  });

  it('refuses a header whose parent is unknown, or whose height does not follow', () => {
    const tree = createHeaderTree(genesis);
    assert.throws(() => tree.add(a2), { code: 'ERR_BLOCK_UNKNOWN_PARENT' });
    assert.throws(() => tree.add({ ...a1, height: 5 }), { code: 'ERR_BLOCK_BAD_HEIGHT' });
    assert.equal(tree.add(a1), tree.add(a1));
    assert.equal(tree.size, 2);
  });

  it('returns to the pool the records of disconnected blocks that the new branch lacks', () => {
    const block = (header: BlockHeader, records: Block['records']): Block => ({
      header,
      signature: new Uint8Array(64),
      records,
    });
    const r = [record('a', 1), record('b', 1), record('c', 1), record('a', 2)];
    const disconnected = [block(a2, [r[2]!, r[3]!]), block(a1, [r[0]!, r[1]!])];
    const connected = [block(b1, [r[1]!]), block(b2, [r[3]!])];
    assert.deepEqual(returnedRecords(disconnected, connected), [r[0], r[2]]);
  });
});
