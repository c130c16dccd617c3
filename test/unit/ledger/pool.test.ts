/**
 * The pool's admission rules (docs/ledger.md, "Records and the pool"): one vector per rule that breaks it, and
 * the cost rules: known records and copies are answered without a signature check.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { signRecord } from '../../../src/batches/record.ts';
import { parseConsortium } from '../../../src/ledger/index.ts';
import { type Admission, admitRecords, createRecordPool } from '../../../src/ledger/node/pool.ts';
import { recordKey, verifyRecord } from '../../../src/ledger/record.ts';
import type { SignedMinuteRecord } from '../../../src/store/index.ts';
import { consortium, consortiumFile, GENESIS_TIME, KEYS, record } from './helpers.ts';

const c = consortium();
const NOW = GENESIS_TIME + 86_400_000;

function admit(
  inputs: unknown[],
  options: {
    pool?: ReturnType<typeof createRecordPool>;
    anchored?: SignedMinuteRecord[];
    perMember?: number;
  } = {},
): Admission & { checks: number } {
  let checks = 0;
  const anchored = new Map((options.anchored ?? []).map((r) => [recordKey(r), r]));
  const result = admitRecords(inputs, {
    consortium: c,
    now: NOW,
    limits: { poolPerMember: options.perMember ?? 2048 },
    pool: options.pool ?? createRecordPool(),
    anchored: (key) => anchored.get(key),
    verify: (r, key) => {
      checks++;
      return verifyRecord(r, key);
    },
  });
  return { ...result, checks };
}

const at = (gateway: 'a' | 'b' | 'c', minute: string, key = KEYS[gateway]) =>
  signRecord(
    { gatewayId: `gw-${gateway}`, minute, count: 1, root: '11'.repeat(32), batchCid: 'bafytest' },
    key,
  );

const codes = (a: Admission) => a.refused.map((e) => e.code);

test('a minute in the year 3000 or before the genesis is refused, before its signature is checked', () => {
  const future = admit([at('b', '3000-01-01T00:00:00.000Z')]);
  assert.deepEqual(codes(future), ['ERR_RECORD_TIME']);
  assert.equal(future.checks, 0);
  const early = admit([at('b', new Date(GENESIS_TIME - 3_600_001).toISOString())]);
  assert.deepEqual(codes(early), ['ERR_RECORD_TIME']);
  const ahead = admit([at('b', new Date(NOW + c.params.maxRecordAheadMs + 1).toISOString())]);
  assert.deepEqual(codes(ahead), ['ERR_RECORD_TIME']);
  const justInTime = admit([at('b', new Date(NOW + c.params.maxRecordAheadMs).toISOString())]);
  assert.equal(justInTime.fresh.length, 1);
});

test('2,500 copies of one valid record cost one signature check', () => {
  const r = record('b', 3);
  const result = admit(Array.from({ length: 2500 }, () => ({ ...r })));
  assert.equal(result.fresh.length, 1);
  assert.equal(result.known, 2499);
  assert.equal(result.checks, 1);
});

test('a record already pending or anchored is known without a signature check; another one for its key is refused', () => {
  const pool = createRecordPool();
  const pending = record('b', 4);
  pool.set(recordKey(pending), pending);
  const anchored = record('c', 5);
  const again = admit([pending, anchored], { pool, anchored: [anchored] });
  assert.equal(again.known, 2);
  assert.equal(again.checks, 0);

  const otherPending = { ...signRecord({ ...pending, count: 99 }, KEYS.b) };
  const otherAnchored = { ...signRecord({ ...anchored, count: 99 }, KEYS.c) };
  const refused = admit([otherPending, otherAnchored], { pool, anchored: [anchored] });
  assert.deepEqual(codes(refused), ['ERR_RECORD_PENDING', 'ERR_RECORD_ANCHORED']);
  assert.equal(refused.checks, 0);
});

test("a member's share of the pool is bounded: the oldest are kept, the newest refused with ERR_POOL_FULL", () => {
  const pool = createRecordPool();
  const first = admit([record('b', 1), record('b', 2), record('b', 3)], { pool, perMember: 2 });
  assert.deepEqual(
    first.fresh.map((r) => r.minute),
    [record('b', 1).minute, record('b', 2).minute],
  );
  assert.deepEqual(codes(first), ['ERR_POOL_FULL']);
  assert.equal(first.checks, 2, 'the refused one was not checked');
  for (const r of first.fresh) pool.set(recordKey(r), r);
  assert.deepEqual(codes(admit([record('b', 9)], { pool, perMember: 2 })), ['ERR_POOL_FULL']);
  assert.equal(admit([record('c', 9)], { pool, perMember: 2 }).fresh.length, 1, 'other members unaffected');
});

test('after a bad signature, the rest of the request is refused unchecked', () => {
  const forged = record('b', 1, KEYS.c);
  const result = admit([forged, record('b', 2), record('c', 3)]);
  assert.deepEqual(codes(result), ['ERR_BLOCK_BAD_RECORD', 'ERR_BLOCK_BAD_RECORD', 'ERR_BLOCK_BAD_RECORD']);
  assert.equal(result.checks, 1);
});

test('records of a retired member and of strangers are refused', () => {
  const retired = consortiumWithRetired();
  const result = admitRecords([record('b', 1)], {
    consortium: retired,
    now: NOW,
    limits: { poolPerMember: 10 },
    pool: createRecordPool(),
    anchored: () => undefined,
  });
  assert.deepEqual(codes(result), ['ERR_RECORD_RETIRED_MEMBER']);
  const stranger = admit([{ ...record('b', 1), gatewayId: 'gw-x' }]);
  assert.deepEqual(codes(stranger), ['ERR_BLOCK_BAD_RECORD']);
});

function consortiumWithRetired() {
  return parseWith((file) => {
    file.members[1]!.retiredAt = 5;
  });
}

function parseWith(change: (file: { members: Array<{ retiredAt?: number }> }) => void) {
  const file = consortiumFile() as unknown as { members: Array<{ retiredAt?: number }> };
  change(file);
  return parseConsortium(file);
}
