/** The replicator's bounds: whole DAGs checked against their CIDs, concurrency, retries, refusals. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as dagCbor from '@ipld/dag-cbor';
import { CID } from 'multiformats/cid';
import * as raw from 'multiformats/codecs/raw';
import { sha256 } from 'multiformats/hashes/sha2';
import type { BatchFile } from '../../../src/ipfs/batch-files.ts';
import {
  type AnchoredBatch,
  createAnchoredIndex,
  createReplicator,
  type ReplicationOptions,
} from '../../../src/ipfs/replication.ts';

const OPTIONS: ReplicationOptions = {
  concurrency: 2,
  retryInitialMs: 1000,
  retryMaxMs: 4000,
  blockTimeoutMs: 5000,
  maxBatchBlocks: 100,
  maxBatchBytes: 1 << 20,
  intervalMs: 60_000,
};

async function block(value: unknown, codec: number = dagCbor.code) {
  const bytes = codec === raw.code ? (value as Uint8Array) : dagCbor.encode(value);
  return { cid: CID.createV1(codec, await sha256.digest(bytes)), bytes };
}

/** A batch: a root linking `pages` raw pages. */
async function batch(store: Map<string, Uint8Array>, tag: string, pages: number) {
  const links: CID[] = [];
  for (let i = 0; i < pages; i++) {
    const page = await block(new TextEncoder().encode(`${tag}-${i}`), raw.code);
    store.set(page.cid.toString(), page.bytes);
    links.push(page.cid);
  }
  const root = await block({ tag, pages: links });
  store.set(root.cid.toString(), root.bytes);
  return root.cid.toString();
}

function setup(
  store: Map<string, Uint8Array>,
  anchored: AnchoredBatch[],
  options: Partial<ReplicationOptions> = {},
) {
  let now = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  const fetched: string[] = [];
  const outcomes: string[] = [];
  const failNext = new Set<string>();
  const replicator = createReplicator(
    { ...OPTIONS, ...options },
    {
      anchored: () => ({ generation: 0, batches: anchored }),
      onTip: () => () => {},
      async fetch(cid) {
        inFlight += 1;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await new Promise((r) => setImmediate(r));
        inFlight -= 1;
        const key = cid.toString();
        if (failNext.delete(key)) throw new Error('no peer has it');
        const bytes = store.get(key);
        if (!bytes) throw new Error('not found');
        fetched.push(key);
        return bytes;
      },
      log: () => {},
      clock: () => now,
      hooks: { onBatch: (outcome, reason) => outcomes.push(reason ? `${outcome}:${reason}` : outcome) },
    },
  );
  return {
    replicator,
    fetched,
    outcomes,
    failNext,
    maxInFlight: () => maxInFlight,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

test('every anchored batch is fetched whole, `concurrency` batches and 16 blocks of each at once, and reported per gateway', async () => {
  const store = new Map<string, Uint8Array>();
  const anchored: AnchoredBatch[] = [];
  for (let i = 0; i < 6; i++)
    anchored.push({ gatewayId: `gw-${i % 2}`, batchCid: await batch(store, `b${i}`, 40) });
  const s = setup(store, anchored);
  await s.replicator.pass();
  assert.equal(s.fetched.length, 6 * 41, 'each root and its forty pages');
  // 2 batches at once, 16 blocks of each.
  assert.ok(s.maxInFlight() <= 32 && s.maxInFlight() > 16, `at most 32 fetches at once (${s.maxInFlight()})`);
  assert.deepEqual(s.replicator.pins(), {
    gateways: [
      { gatewayId: 'gw-0', anchored: 3, held: 3, missing: 0 },
      { gatewayId: 'gw-1', anchored: 3, held: 3, missing: 0 },
    ],
  });
  await s.replicator.pass();
  assert.equal(s.fetched.length, 6 * 41, 'a batch held is not fetched again');
});

test('a batch that fails is retried after the backoff, not before', async () => {
  const store = new Map<string, Uint8Array>();
  const cid = await batch(store, 'r', 1);
  const s = setup(store, [{ gatewayId: 'gw-x', batchCid: cid }]);
  s.failNext.add(cid);
  await s.replicator.pass();
  assert.deepEqual(s.outcomes, ['failed']);
  await s.replicator.pass();
  assert.deepEqual(s.outcomes, ['failed'], 'not due yet');
  s.advance(1000);
  await s.replicator.pass();
  assert.deepEqual(s.outcomes, ['failed', 'held']);
  assert.deepEqual(s.replicator.pins().gateways[0], { gatewayId: 'gw-x', anchored: 1, held: 1, missing: 0 });
});

test('a batch over maxBatchBlocks or maxBatchBytes is refused for good, and counted missing', async () => {
  const store = new Map<string, Uint8Array>();
  const many = await batch(store, 'many', 5);
  const s = setup(store, [{ gatewayId: 'gw-big', batchCid: many }], { maxBatchBlocks: 4 });
  await s.replicator.pass();
  assert.deepEqual(s.outcomes, ['refused:blocks']);
  s.advance(1_000_000);
  await s.replicator.pass();
  assert.deepEqual(s.outcomes, ['refused:blocks'], 'never tried again');
  assert.deepEqual(s.replicator.pins().gateways[0], {
    gatewayId: 'gw-big',
    anchored: 1,
    held: 0,
    missing: 1,
  });

  const big = new Map<string, Uint8Array>();
  const heavy = await batch(big, 'x'.repeat(600), 3);
  const b = setup(big, [{ gatewayId: 'gw-big', batchCid: heavy }], { maxBatchBytes: 1024 });
  await b.replicator.pass();
  assert.deepEqual(b.outcomes, ['refused:bytes']);
});

test('a block that does not match its CID is not held', async () => {
  const store = new Map<string, Uint8Array>();
  const cid = await batch(store, 'lie', 1);
  const root = dagCbor.decode(store.get(cid)!) as { pages: CID[] };
  store.set(root.pages[0]!.toString(), new TextEncoder().encode('something else'));
  const s = setup(store, [{ gatewayId: 'gw-liar', batchCid: cid }]);
  await s.replicator.pass();
  assert.deepEqual(s.outcomes, ['failed']);
  assert.equal(s.replicator.pins().gateways[0]!.held, 0);
});

test('the anchored index reads only new blocks, and everything again after a reorganisation', () => {
  const rec = (n: number) => ({
    gatewayId: 'gw-a',
    minute: `2026-11-24T10:0${n}:00.000Z`,
    count: 1,
    root: '00'.repeat(32),
    batchCid: `b${n}`,
    signature: '00'.repeat(64),
  });
  const named = (n: number) => ({ gatewayId: 'gw-a', batchCid: `b${n}`, record: rec(n) });
  let main = [
    { hash: 'h0', records: [rec(0)] },
    { hash: 'h1', records: [rec(1), rec(2)] },
  ];
  let read = 0;
  const index = createAnchoredIndex({
    mainBlocks: (from: number, limit: number) => {
      const out = main.slice(from, from + limit);
      read += out.length;
      return out;
    },
    mainHashAt: (h: number) => main[h]?.hash,
  });
  assert.deepEqual(index(), { generation: 0, batches: [named(0), named(1), named(2)] });
  assert.equal(read, 2);
  main = [...main, { hash: 'h2', records: [rec(3)] }];
  assert.deepEqual(index().batches.length, 4);
  assert.equal(read, 3, 'only the new block was read');
  main = [main[0]!, { hash: 'x1', records: [rec(9)] }];
  assert.deepEqual(index(), { generation: 1, batches: [named(0), named(9)] });
});

test('after a reorganisation, batches no longer named are dropped and held ones stay held', async () => {
  const store = new Map<string, Uint8Array>();
  const a = await batch(store, 'a', 1);
  const b = await batch(store, 'b', 1);
  const c = await batch(store, 'c', 1);
  let view = {
    generation: 0,
    batches: [
      { gatewayId: 'gw', batchCid: a },
      { gatewayId: 'gw', batchCid: b },
    ],
  };
  let fetched = 0;
  const replicator = createReplicator(OPTIONS, {
    anchored: () => view,
    onTip: () => () => {},
    async fetch(cid) {
      fetched += 1;
      return store.get(cid.toString())!;
    },
    log: () => {},
    clock: () => 0,
  });
  await replicator.pass();
  assert.equal(fetched, 4);
  view = {
    generation: 1,
    batches: [
      { gatewayId: 'gw', batchCid: a },
      { gatewayId: 'gw', batchCid: c },
    ],
  };
  await replicator.pass();
  assert.equal(fetched, 6, 'only c is fetched');
  assert.deepEqual(replicator.pins().gateways, [{ gatewayId: 'gw', anchored: 2, held: 2, missing: 0 }]);
});

test('each attempt writes into a replica file of its own, kept whole or not: a retry fetches only the rest', async () => {
  const store = new Map<string, Uint8Array>();
  const root = await batch(store, 'partial', 5);
  const lostPage = (dagCbor.decode(store.get(root)!) as { pages: CID[] }).pages[2]!.toString();
  /** What the gateway holds once a replica file is kept; what each attempt's file received. */
  const held = new Set<string>();
  const attempts: { root: string; blocks: string[]; kept: boolean }[] = [];
  let now = 0;
  let failOnce = true;
  const replicator = createReplicator(OPTIONS, {
    anchored: () => ({ generation: 0, batches: [{ gatewayId: 'gw-p', batchCid: root }] }),
    onTip: () => () => {},
    async replicaFile(cid) {
      const attempt = { root: cid.toString(), blocks: [] as string[], kept: false };
      attempts.push(attempt);
      const file = { attempt } as unknown as BatchFile;
      return {
        file,
        async keep() {
          attempt.kept = true;
          for (const b of attempt.blocks) held.add(b);
        },
      };
    },
    async fetch(cid, { into }) {
      const key = cid.toString();
      const bytes = store.get(key)!;
      if (held.has(key)) return bytes; // local: nothing is written
      if (key === lostPage && failOnce) {
        failOnce = false;
        throw new Error('no peer has it yet');
      }
      (into as unknown as { attempt: (typeof attempts)[number] }).attempt.blocks.push(key);
      return bytes;
    },
    log: () => {},
    clock: () => now,
  });
  await replicator.pass();
  assert.equal(attempts.length, 1);
  assert.equal(attempts[0]!.root, root);
  assert.equal(attempts[0]!.kept, true, 'a failed attempt keeps what it fetched');
  assert.equal(attempts[0]!.blocks.length, 5, 'the root and four of the five pages');
  now += OPTIONS.retryInitialMs;
  await replicator.pass();
  assert.deepEqual(
    attempts.map((a) => a.blocks),
    [attempts[0]!.blocks, [lostPage]],
    'the retry fetches only the page that failed',
  );
  assert.equal(replicator.pins().gateways[0]!.held, 1);
});
