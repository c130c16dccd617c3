/**
 * Payloads a hostile device may send (docs/limits.md, "Payloads and readings"): JSON nested too deep, text
 * with lone UTF-16 surrogates, non-finite numbers and readings with thousands of problems are invalid
 * readings — acknowledged, quarantined, reported with at most 10 problems — and never crash the gateway or
 * stop the sealer. Real broker, real MQTT clients, real LevelDB.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { MqttClient } from 'mqtt';
import {
  allReadings,
  connectDevice,
  startTestGateway,
  type TestGateway,
  vitals,
} from '../helpers/gateway.ts';

type Report = { seq: number | null; errors: Array<{ path: string; message: string }> };

async function errorReports(client: MqttClient, deviceId: string): Promise<Report[]> {
  const reports: Report[] = [];
  client.on('message', (topic, payload) => {
    if (topic === `tele/${deviceId}/errors`) reports.push(JSON.parse(payload.toString()));
  });
  await client.subscribeAsync(`tele/${deviceId}/errors`, { qos: 1 });
  return reports;
}

async function reportFor(reports: Report[], seq: number | null, timeoutMs = 5000): Promise<Report> {
  const start = Date.now();
  for (;;) {
    const found = reports.find((r) => r.seq === seq);
    if (found) return found;
    if (Date.now() - start > timeoutMs) throw new Error(`no report for seq ${seq}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

let seq = 100_000;
const nextSeq = () => seq++;

describe('hostile payloads', () => {
  let t: TestGateway;
  const secrets: Record<string, string> = {};

  before(async () => {
    t = await startTestGateway();
    secrets.w1 = await t.provision('w1', 'wearable', 'P-1');
    secrets.d1 = await t.provision('d1', 'drone');
  });
  after(() => t.stop());

  const device = (id: string, clientId: string) =>
    connectDevice(t.mqttUrl, { username: id, password: secrets[id], clientId });

  test('a lone surrogate in a delivery note is rejected, reported, and sealing goes on', async () => {
    const client = await device('d1', 'd1:surrogate');
    const reports = await errorReports(client, 'd1');
    const s = nextSeq();
    const ts = Date.now();
    // The JSON escape \ud800 as the device sends it: a lone high surrogate once parsed.
    const payload = `{"seq":${s},"ts":${ts},"flightId":"F-1","event":"delivered","notes":"\\ud800"}`;
    await client.publishAsync('tele/d1/delivery', payload, { qos: 1 });
    const keyed = nextSeq();
    await client.publishAsync(
      'tele/d1/delivery',
      `{"seq":${keyed},"ts":${ts},"flightId":"F-1","event":"delivered","\\udc00":1}`,
      { qos: 1 },
    );
    const report = await reportFor(reports, s);
    assert.deepEqual(report.errors, [{ path: 'notes', message: 'text contains a lone UTF-16 surrogate' }]);
    assert.match(
      (await reportFor(reports, keyed)).errors[0]!.message,
      /key contains a lone UTF-16 surrogate/,
    );
    const flight = await t.api('GET', '/v1/flights/F-1');
    assert.ok(!JSON.stringify(flight.body).includes(`"seq":${s}`), 'the reading is not stored');
    // Everything received so far seals.
    const sealed = await t.gateway.sealer.sealOpen();
    assert.ok(sealed.length >= 1);
    client.end();
  });

  test('JSON nested 5,000 levels deep is an invalid reading; the gateway goes on', async () => {
    const client = await device('w1', 'w1:deep');
    const reports = await errorReports(client, 'w1');
    const s = nextSeq();
    const deep = `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`;
    const payload = `{"seq":${s},"ts":${Date.now()},"patientId":"P-1","vitals":{"heartRate":70},"x":${deep}}`;
    await client.publishAsync('tele/w1/vitals', payload, { qos: 1 });
    const report = await reportFor(reports, s);
    assert.equal(report.errors.length, 1);
    assert.match(report.errors[0]!.message, /nested deeper than 16 levels/);
    // 17 levels in an offline buffer: the buffer is level 1, so the reading's 16th nested object is too deep.
    const s17 = nextSeq();
    const nested16 = `${'{"a":'.repeat(15)}1${'}'.repeat(15)}`;
    await client.publishAsync(
      'tele/w1/vitals',
      `[{"seq":${s17},"ts":${Date.now()},"patientId":"P-1","vitals":{"heartRate":70},"x":${nested16}}]`,
      { qos: 1 },
    );
    assert.match((await reportFor(reports, s17)).errors[0]!.message, /nested deeper than 16 levels/);
    // Still serving: a valid reading after it is stored.
    const good = vitals('P-1');
    await client.publishAsync('tele/w1/vitals', JSON.stringify(good), { qos: 1 });
    const stored = await allReadings(t, 'P-1');
    assert.ok(stored.some((r) => r.data.seq === good.seq));
    client.end();
  });

  test('non-finite numbers are invalid wherever they appear; valid siblings are kept', async () => {
    const client = await device('w1', 'w1:infinite');
    const reports = await errorReports(client, 'w1');
    const good = vitals('P-1');
    const s1 = nextSeq();
    const s2 = nextSeq();
    const ts = Date.now();
    const payload =
      `[${JSON.stringify(good)},` +
      `{"seq":${s1},"ts":${ts},"patientId":"P-1","vitals":{"heartRate":1e400}},` +
      `{"seq":${s2},"ts":${ts},"patientId":"P-1","vitals":{"heartRate":70},"ecg":{"hz":250,"mv":[0.1,-1e999]}}]`;
    await client.publishAsync('tele/w1/vitals', payload, { qos: 1 });
    assert.deepEqual((await reportFor(reports, s1)).errors, [
      { path: 'vitals.heartRate', message: 'number is not finite' },
    ]);
    assert.deepEqual((await reportFor(reports, s2)).errors, [
      { path: 'ecg.mv.1', message: 'number is not finite' },
    ]);
    const stored = await allReadings(t, 'P-1');
    assert.ok(stored.some((r) => r.data.seq === good.seq));
    assert.ok(!stored.some((r) => r.data.seq === s1 || r.data.seq === s2));
    const metrics = await t.api('GET', '/metrics', { token: null });
    assert.match(metrics.body, /medgate_readings_rejected_total\{kind="vitals",reason="json"\} [3-9]/);
    client.end();
  });

  test('an error report names at most 10 problems', async () => {
    const client = await device('w1', 'w1:many');
    const reports = await errorReports(client, 'w1');
    const ecg = vitals('P-1', { seq: nextSeq(), ecg: { hz: 250, mv: new Array(5000).fill(99) } });
    const fields: Record<string, number> = {};
    for (let i = 0; i < 200; i++) fields[`f${i}`] = i;
    const unknown = vitals('P-1', { seq: nextSeq(), ...fields });
    const surrogates: Record<string, string> = {};
    for (let i = 0; i < 200; i++) surrogates[`s${i}`] = '\ud800';
    const s3 = nextSeq();
    const lone = `{"seq":${s3},"ts":${Date.now()},"patientId":"P-1","vitals":{"heartRate":70},${Object.keys(
      surrogates,
    )
      .map((k) => `"${k}":"\\ud800"`)
      .join(',')}}`;
    await client.publishAsync('tele/w1/vitals', JSON.stringify([ecg, unknown]), { qos: 1 });
    await client.publishAsync('tele/w1/vitals', lone, { qos: 1 });
    const ecgReport = await reportFor(reports, ecg.seq);
    assert.equal(ecgReport.errors.length, 1);
    assert.equal(ecgReport.errors[0]!.path, 'ecg.mv.0');
    assert.equal((await reportFor(reports, unknown.seq)).errors.length, 10);
    assert.equal((await reportFor(reports, s3)).errors.length, 10);
    client.end();
  });
});
