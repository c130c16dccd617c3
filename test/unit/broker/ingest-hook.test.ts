/**
 * The ingest hook catches everything per message (docs/limits.md): an error while handling one packet
 * closes that client's connection or is logged, counted in medgate_ingest_internal_errors_total, and never
 * reaches the process. The faults are injected into the hook's components; the ingest log is real
 * (LevelDB in a temp dir).
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { Client, PublishPacket } from 'aedes';
import { createIngestHook, type IngestComponents } from '../../../src/broker/ingest.ts';
import { createMetrics } from '../../../src/metrics.ts';
import { createReceiptClock } from '../../../src/receipt-clock.ts';
import { createIngestLog, type DeviceRecord, openDb, sublevels } from '../../../src/store/index.ts';
import { tempDir } from '../../helpers/gateway.ts';

const dir = tempDir('medgate-hook-');
after(() => dir.remove());

const device: DeviceRecord = {
  id: 'w1',
  kind: 'wearable',
  patientId: null,
  secretHash: 'x',
  createdAt: 0,
  revokedAt: null,
};
const options = { maxPayloadBytes: 65_536, maxBatch: 500, maxFutureMs: 300_000, backfillMs: 86_400_000 };

async function hook(overrides: Partial<IngestComponents>) {
  const db = openDb(`${dir.path}/${Math.random().toString(36).slice(2)}`);
  await db.open();
  const ingestLog = await createIngestLog({ maxCommitBatch: 1000 }, { db, subs: sublevels(db) });
  const client = { id: 'w1' } as Client;
  const metrics = createMetrics();
  const logged: string[] = [];
  const components: IngestComponents = {
    sessions: new WeakMap([[client, device]]),
    registry: { get: () => device },
    ingestLog,
    metrics,
    report: () => {},
    log: (_level, message) => logged.push(message),
    receiptClock: createReceiptClock(Date.now),
    ...overrides,
  };
  const authorize = createIngestHook(options, components);
  const publish = (payload: string, qos: 0 | 1 = 1) =>
    new Promise<Error | null>((resolve) => {
      const packet = {
        cmd: 'publish',
        topic: 'tele/w1/vitals',
        payload: Buffer.from(payload),
        qos,
      } as PublishPacket;
      authorize(client, packet, (err) => resolve(err ?? null));
    });
  const count = async (outcome: string) =>
    (await metrics.ingestInternalErrors.get()).values.find((v) => v.labels.outcome === outcome)?.value ?? 0;
  return { publish, count, logged, close: () => db.close() };
}

const reading = () => JSON.stringify({ seq: 1, ts: Date.now(), patientId: 'P-1', vitals: { heartRate: 70 } });

test('an error thrown while handling a packet closes that connection, counted and logged', async () => {
  let calls = 0;
  const h = await hook({
    receiptClock: {
      now() {
        if (++calls === 1) throw new Error('clock fault');
        return Date.now();
      },
      raiseFloor() {},
    },
  });
  const err = await h.publish(reading());
  assert.equal((err as { code?: string } | null)?.code, 'ERR_INGEST_FAILED', 'aedes closes the connection');
  assert.equal(await h.count('closed'), 1);
  assert.match(h.logged.join('\n'), /clock fault/);
  // The next message is handled normally.
  assert.equal(await h.publish(reading()), null);
  await h.close();
});

test('an error after the commit (reporting) is logged and counted, not an unhandled rejection', async () => {
  const h = await hook({
    report: () => {
      throw new Error('report fault');
    },
  });
  assert.equal(await h.publish('{"seq":1}'), null, 'the invalid reading is acknowledged');
  await new Promise((r) => setImmediate(r));
  assert.equal(await h.count('logged'), 1);
  assert.match(h.logged.join('\n'), /report fault/);
  await h.close();
});
