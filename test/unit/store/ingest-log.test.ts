/** The ingest log on a real LevelDB in a temp dir. */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import {
  type CommitStats,
  createIngestLog,
  createReadingQueries,
  type IngestMessage,
  openDb,
  sublevels,
} from '../../../src/store/index.ts';
import { tempDir } from '../../helpers/gateway.ts';

const dir = tempDir('medgate-store-');
after(() => dir.remove());

const MINUTE = Date.parse('2026-11-24T10:00:00.000Z');

function message(deviceId: string, seqs: number[], receivedAt = MINUTE + 1000): IngestMessage {
  return {
    deviceId,
    kind: 'vitals',
    receivedAt,
    valid: seqs.map((seq, index) => ({
      index,
      seq,
      ts: MINUTE - 5000 + seq,
      data: { seq, ts: MINUTE - 5000 + seq, patientId: `P-${deviceId}`, vitals: { heartRate: 70 } },
    })),
    rejected: [],
  };
}

async function open(name: string, onCommit?: (s: CommitStats) => void) {
  const db = openDb(`${dir.path}/${name}`);
  await db.open();
  const subs = sublevels(db);
  const log = await createIngestLog(
    { maxCommitBatch: 10_000, ...(onCommit ? { onCommit } : {}) },
    { db, subs },
  );
  return { db, subs, log, queries: createReadingQueries({ subs }) };
}

describe('ingest log', () => {
  test('a burst is committed in two batches, the second prepared while the first is written', async () => {
    const commits: CommitStats[] = [];
    const { db, log } = await open('group', (s) => commits.push(s));
    const outcomes = await Promise.all(
      Array.from({ length: 50 }, (_, i) => log.submit(message(`d${i}`, [1, 2]))),
    );
    assert.deepEqual(
      commits.map((c) => [c.messages, c.readings]),
      [
        [25, 50],
        [25, 50],
      ],
    );
    assert.ok(outcomes.every((o) => o.stored.length === 2));
    await db.close();
  });

  test('messages arriving during a commit join the next batch', async () => {
    const commits: CommitStats[] = [];
    const { db, log } = await open('pipeline', (s) => commits.push(s));
    const first = log.submit(message('a', [1]));
    await new Promise((r) => setImmediate(r));
    // The first batch is being written now; these three wait for the next one.
    const rest = [
      log.submit(message('b', [1])),
      log.submit(message('c', [1])),
      log.submit(message('d', [1])),
    ];
    await Promise.all([first, ...rest]);
    assert.deepEqual(
      commits.map((c) => c.messages),
      [1, 3],
    );
    await db.close();
  });

  test('(deviceId, seq) is stored once: within a batch, across batches and after reopening', async () => {
    let store = await open('dedup');
    const [a, b] = await Promise.all([
      store.log.submit(message('w', [1, 2, 2])),
      store.log.submit(message('w', [2, 3])),
    ]);
    assert.deepEqual(
      a.stored.map((r) => r.seq),
      [1, 2],
    );
    assert.equal(a.duplicates, 1);
    assert.deepEqual(
      b.stored.map((r) => r.seq),
      [3],
    );
    const again = await store.log.submit(message('w', [1, 3, 4]));
    assert.deepEqual(
      again.stored.map((r) => r.seq),
      [4],
    );
    const other = await store.log.submit(message('v', [1]));
    assert.equal(other.stored.length, 1, 'the same seq from another device is another reading');
    const lastId = again.stored[0]!.id;
    await store.db.close();

    store = await open('dedup');
    const reopened = await store.log.submit(message('w', [4, 5]));
    assert.deepEqual(
      reopened.stored.map((r) => r.seq),
      [5],
    );
    assert.ok(reopened.stored[0]!.id > lastId, 'ids keep increasing after a restart');
    await store.db.close();
  });

  test('indexes: by patient in device-time order, by minute of receipt', async () => {
    const { db, log, queries } = await open('index');
    await log.submit(message('p', [30, 10, 20]));
    await log.submit(message('p', [40], MINUTE + 60_000 + 5));
    const page = await queries.byPatient('P-p', { from: 0, to: Number.MAX_SAFE_INTEGER, limit: 2 });
    assert.deepEqual(
      page.readings.map((r) => r.seq),
      [10, 20],
    );
    assert.ok(page.nextAfter);
    const next = await queries.byPatient('P-p', {
      from: 0,
      to: Number.MAX_SAFE_INTEGER,
      limit: 10,
      after: page.nextAfter,
    });
    assert.deepEqual(
      next.readings.map((r) => r.seq),
      [30, 40],
    );
    assert.equal(next.nextAfter, null);
    assert.deepEqual(
      (await queries.receivedIn(MINUTE, MINUTE + 60_000)).map((r) => r.seq),
      [30, 10, 20],
    );
    assert.deepEqual(
      (await queries.receivedIn(MINUTE + 60_000, MINUTE + 120_000)).map((r) => r.seq),
      [40],
    );
    await db.close();
  });

  test('rejected readings go to quarantine with their reason, in the same commit', async () => {
    const { db, subs, log } = await open('quarantine');
    const outcome = await log.submit({
      ...message('q', [1]),
      rejected: [
        {
          reason: 'schema',
          seq: 2,
          index: 1,
          errors: [{ path: 'vitals.spo2', message: 'below 50 %' }],
          raw: '{}',
          sizeBytes: 10,
        },
      ],
    });
    assert.equal(outcome.stored.length, 1);
    assert.equal(outcome.quarantined.length, 1);
    const entries = await subs.quarantine.values().all();
    assert.equal(entries.length, 1);
    assert.equal(entries[0]!.reason, 'schema');
    assert.equal(entries[0]!.deviceId, 'q');
    assert.deepEqual(entries[0]!.errors, [{ path: 'vitals.spo2', message: 'below 50 %' }]);
    await db.close();
  });

  test('a barrier waits for what was submitted before it, not for what comes after', async () => {
    const { db, log, queries } = await open('barrier');
    for (let i = 0; i < 10; i++) void log.submit(message('y', [i]));
    const barrier = log.barrier();
    const later = log.submit(message('y', [100]));
    await barrier;
    const page = await queries.byPatient('P-y', { from: 0, to: Number.MAX_SAFE_INTEGER, limit: 100 });
    assert.ok(page.readings.filter((r) => r.seq < 100).length === 10);
    await later;
    await log.barrier();
    await db.close();
  });

  test('drain waits for everything submitted', async () => {
    const { db, log, queries } = await open('drain');
    for (let i = 0; i < 20; i++) void log.submit(message('x', [i]));
    await log.drain();
    const page = await queries.byPatient('P-x', { from: 0, to: Number.MAX_SAFE_INTEGER, limit: 100 });
    assert.equal(page.readings.length, 20);
    await db.close();
  });
});
