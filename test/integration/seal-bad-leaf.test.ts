/**
 * The sealer survives one bad leaf (docs/limits.md): a reading that cannot be sealed (here a lone
 * surrogate, put in the store past validation) is moved to quarantine with its reason, the window seals
 * with the others, their proofs still verify, and the gateway restarts on the same data dir.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { openDb, sublevels } from '../../src/store/index.ts';
import { connectDevice, startTestGateway, tempDir } from '../helpers/gateway.ts';

const T0 = Date.parse('2026-11-24T10:00:05.000Z');
const dir = tempDir('medgate-badleaf-');
after(() => dir.remove());

test('a reading that cannot be sealed is quarantined and the window seals without it', async () => {
  let now = T0;
  let t = await startTestGateway({ dataDir: dir.path, clock: () => now });
  const secret = await t.provision('w1', 'wearable', 'P-1');
  const client = await connectDevice(t.mqttUrl, { username: 'w1', password: secret, clientId: 'w1' });
  const reading = (seq: number) => ({ seq, ts: now, patientId: 'P-1', vitals: { heartRate: 70 + seq } });
  await client.publishAsync('tele/w1/vitals', JSON.stringify(reading(1)), { qos: 1 });
  // Past validation, straight into the ingest log: text RFC 8785 cannot canonicalize.
  const bad = await t.gateway.ingestLog.submit({
    deviceId: 'w1',
    kind: 'vitals',
    receivedAt: now,
    valid: [
      {
        index: 0,
        seq: 2,
        ts: now,
        data: { seq: 2, ts: now, patientId: 'P-1\ud800', vitals: { heartRate: 72 } },
      },
    ],
    rejected: [],
  });
  assert.equal(bad.stored.length, 1);
  await client.publishAsync('tele/w1/vitals', JSON.stringify(reading(3)), { qos: 1 });
  client.end();

  now = T0 + 60_000;
  const sealed = await t.gateway.sealer.sealDue();
  assert.equal(sealed.length, 1);
  const window = sealed[0]!;
  assert.equal(window.readings, 2, 'the two good readings are leaves');
  assert.deepEqual(window.skipped, [bad.stored[0]!.id]);

  // The good readings' proofs, before and after the gap, verify.
  const readings = await t.api('GET', '/v1/patients/P-1/readings?limit=10');
  assert.deepEqual(
    readings.body.readings.map((r: { data: { seq: number } }) => r.data.seq),
    [1, 3],
    'the bad reading is no longer served',
  );
  for (const r of readings.body.readings) {
    const proof = await t.api('GET', `/v1/readings/${r.id}/proof`);
    assert.equal(proof.statusCode, 200);
    const verdict = await t.api('POST', '/v1/proofs/verify', { body: proof.body });
    assert.equal(verdict.body.valid, true, JSON.stringify(verdict.body.checks));
  }
  assert.equal((await t.api('GET', `/v1/readings/${bad.stored[0]!.id}/proof`)).statusCode, 404);
  const metrics = await t.api('GET', '/metrics', { token: null });
  assert.match(metrics.body, /medgate_readings_unsealable_total 1/);
  await t.stop({ keepData: true });

  // In quarantine, with its reason.
  const db = openDb(`${dir.path}/store`);
  await db.open();
  const quarantined = await sublevels(db).quarantine.values().all();
  await db.close();
  const entry = quarantined.find((q) => q.reason === 'unsealable');
  assert.ok(entry, JSON.stringify(quarantined));
  assert.equal(entry.seq, 2);
  assert.match(entry.errors[0]!.message, /surrogate/i);

  // A restart on the same data dir starts and seals on.
  now = T0 + 120_000;
  t = await startTestGateway({ dataDir: dir.path, clock: () => now });
  assert.equal(await t.gateway.sealer.nextWindow(), T0 - 5000 + 120_000);
  await t.stop({ keepData: true });
});

test('a window that fails to seal does not stop a start: it is logged, counted and tried again', async () => {
  const data = tempDir('medgate-sealfail-');
  let now = T0;
  let t = await startTestGateway({ dataDir: data.path, clock: () => now });
  try {
    // An access-log entry the sealer cannot canonicalize, put in past the API: the window cannot seal.
    await t.gateway.accessLog.append({
      actor: 'x\ud800',
      role: 'admin',
      action: 'test',
      patientId: null,
      resource: '/test',
      count: 1,
    });
    await t.stop({ keepData: true });
    now = T0 + 120_000;
    t = await startTestGateway({ dataDir: data.path, clock: () => now });
    const metrics = await t.api('GET', '/metrics', { token: null });
    assert.match(metrics.body, /medgate_seal_failures_total 1/);
    assert.equal((await t.api('GET', '/healthz', { token: null })).statusCode, 200);
    // Tried again on the next run, and still refused: nothing is sealed past the window.
    await assert.rejects(t.gateway.sealer.sealDue(), /surrogate/i);
    assert.equal(await t.gateway.sealer.nextWindow(), T0, 'the window holding the entry stays open');
  } finally {
    await t.stop();
    data.remove();
  }
});
