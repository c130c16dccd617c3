/**
 * FHIR Bulk Data export (docs/fhir.md, "Bulk export") on a real gateway: kick-off, polling, manifest,
 * NDJSON files that validate line by line, `_type` and `_since`, cancel, bounds, and jobs that survive a
 * restart.
 */
import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fhirErrors, jsonSchemaErrors, ucumCodes } from '../helpers/fhir-validate.ts';
import { connectDevice, startTestGateway, type TestGateway, tempDir } from '../helpers/gateway.ts';

const dir = tempDir();
let t: TestGateway;
let clinician: string;
let other: string;
let firstBatchEnd = 0;

async function start() {
  t = await startTestGateway({
    dataDir: dir.path,
    overrides: { fhir: { export: { maxJobsPerToken: 3 } } },
  });
}

async function publish(deviceId: string, secret: string, patientId: string, from: number, n: number) {
  const c = await connectDevice(t.mqttUrl, { username: deviceId, password: secret, clientId: deviceId });
  const batch = Array.from({ length: n }, (_, i) => ({
    seq: from + i,
    ts: Date.now() - 60_000 + from * 10 + i,
    patientId,
    vitals: { heartRate: 70, spo2: 97, systolic: 120, diastolic: 80 },
    battery: 0.7,
  }));
  await c.publishAsync(`tele/${deviceId}/vitals`, JSON.stringify(batch), { qos: 1 });
  await c.endAsync();
}

const get = (url: string, token: string, headers: Record<string, string> = {}) =>
  t.gateway.api.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}`, ...headers } });
const path = (url: string) => new URL(url).pathname + new URL(url).search;

async function kickOff(url: string, token: string) {
  const res = await get(url, token, { prefer: 'respond-async', accept: 'application/fhir+json' });
  assert.equal(res.statusCode, 202, res.body);
  return res.headers['content-location'] as string;
}

async function manifest(status: string, token: string) {
  for (let i = 0; i < 400; i++) {
    const res = await get(path(status), token);
    if (res.statusCode === 200) return res.json();
    assert.equal(res.statusCode, 202, res.body);
    assert.ok(res.headers['x-progress']);
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('export did not finish');
}

async function lines(url: string, token: string) {
  const res = await get(path(url), token);
  assert.equal(res.statusCode, 200);
  assert.match(res.headers['content-type'] as string, /^application\/fhir\+ndjson/);
  return res.body
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l));
}

describe('FHIR bulk export', () => {
  before(async () => {
    await start();
    const s1 = await t.provision('ew-1', 'wearable', 'P-E1');
    const s2 = await t.provision('ew-2', 'wearable', 'P-E2');
    await publish('ew-1', s1, 'P-E1', 1, 40);
    await publish('ew-2', s2, 'P-E2', 1, 5);
    firstBatchEnd = Date.now() + 1;
    await new Promise((r) => setTimeout(r, 20));
    await publish('ew-1', s1, 'P-E1', 100, 10);
    const token = async (patients: string[]) =>
      (await t.api('POST', '/v1/tokens', { body: { role: 'clinician', patients } })).body.token as string;
    clinician = await token(['P-E1', 'P-E2']);
    other = await token(['P-E1']);
  });
  after(async () => {
    await t.stop();
    dir.remove();
  });

  test('a patient export: 202, progress, manifest, NDJSON files that validate line by line', async () => {
    const refused = await get('/fhir/Patient/P-E1/$export', clinician);
    assert.equal(refused.statusCode, 400, 'no Prefer: respond-async');
    assert.equal(refused.json().resourceType, 'OperationOutcome');
    const status = await kickOff('/fhir/Patient/P-E1/$export', clinician);
    assert.match(status, /^http:\/\/localhost(:\d+)?\/fhir\/bulkstatus\/[0-9a-f]{32}$/);
    const m = await manifest(status, clinician);
    assert.equal(m.requiresAccessToken, true);
    assert.match(m.request, /\/fhir\/Patient\/P-E1\/\$export$/);
    const byType = new Map<string, number>();
    for (const out of m.output) {
      const resources = await lines(out.url, clinician);
      assert.equal(resources.length, out.count);
      byType.set(out.type, (byType.get(out.type) ?? 0) + resources.length);
      for (const r of resources) {
        assert.equal(r.resourceType, out.type);
        assert.deepEqual(fhirErrors(r), [], `${r.resourceType}/${r.id}`);
        assert.deepEqual(jsonSchemaErrors(r), [], `${r.resourceType}/${r.id}`);
        for (const u of ucumCodes(r)) assert.ok(u.valid, u.code);
      }
      const file = join(
        dir.path,
        'exports',
        status.split('/').pop()!,
        new URL(out.url).pathname.split('/').pop()!,
      );
      assert.equal(statSync(file).mode & 0o777, 0o600);
    }
    // 50 readings: heart rate, SpO2, BP panel and battery each; one Provenance each; one Patient; one Device.
    assert.deepEqual(Object.fromEntries(byType), { Observation: 200, Patient: 1, Provenance: 50, Device: 1 });
    // Files are the owner's: another token of the same grant does not see them.
    assert.equal((await get(path(m.output[0].url), other)).statusCode, 404);
    assert.equal((await get(path(status), other)).statusCode, 404);
    const log = await t.gateway.accessLog.list({ limit: 100_000 });
    assert.ok(log.some((e) => e.action === 'fhir.export' && e.patientId === 'P-E1' && e.count === 251));
    assert.ok(log.some((e) => e.action === 'fhir.export.download'));
    assert.equal((await t.api('DELETE', path(status), { token: clinician })).statusCode, 202);
  });

  test('_type and _since narrow the export', async () => {
    const since = new Date(firstBatchEnd).toISOString();
    const status = await kickOff(`/fhir/Patient/P-E1/$export?_type=Observation&_since=${since}`, clinician);
    const m = await manifest(status, clinician);
    assert.deepEqual(
      m.output.map((o: any) => o.type),
      ['Observation'],
    );
    assert.equal(m.output[0].count, 40, 'the 10 readings received after _since');
    assert.equal(
      (await get('/fhir/Patient/P-E1/$export?_type=Bogus', clinician, { prefer: 'respond-async' }))
        .statusCode,
      400,
    );
    await t.api('DELETE', path(status), { token: clinician });
  });

  test("a group export holds the token's granted patients; a patient outside the grant is refused", async () => {
    const status = await kickOff('/fhir/Group/granted/$export?_type=Patient', clinician);
    const m = await manifest(status, clinician);
    const patients = await lines(m.output[0].url, clinician);
    assert.deepEqual(patients.map((p) => p.id).sort(), ['P-E1', 'P-E2']);
    await t.api('DELETE', path(status), { token: clinician });
    const res = await get('/fhir/Patient/P-E2/$export', other, { prefer: 'respond-async' });
    assert.equal(res.statusCode, 403);
  });

  test('DELETE cancels and removes the files; kick-offs past the per-token bound get 429', async () => {
    const status = await kickOff('/fhir/Patient/P-E1/$export', clinician);
    const id = status.split('/').pop()!;
    assert.equal((await t.api('DELETE', path(status), { token: clinician })).statusCode, 202);
    assert.equal((await get(path(status), clinician)).statusCode, 404);
    assert.equal(existsSync(join(dir.path, 'exports', id)), false);
    const kept = [];
    for (let i = 0; i < 3; i++)
      kept.push(await kickOff('/fhir/Patient/P-E1/$export?_type=Patient', clinician));
    const over = await get('/fhir/Patient/P-E1/$export', clinician, { prefer: 'respond-async' });
    assert.equal(over.statusCode, 429);
    assert.equal(over.json().resourceType, 'OperationOutcome');
    const metrics = await t.gateway.metrics.registry.getSingleMetricAsString(
      'medgate_fhir_exports_refused_total',
    );
    assert.match(metrics, /reason="per_token"} 1/);
    for (const s of kept) await t.api('DELETE', path(s), { token: clinician });
  });

  test('a job survives a restart and completes', async () => {
    const status = await kickOff('/fhir/Patient/P-E1/$export', clinician);
    await t.stop({ keepData: true });
    await start();
    const m = await manifest(status, clinician);
    const observations = m.output.filter((o: any) => o.type === 'Observation');
    assert.equal(
      observations.reduce((n: number, o: any) => n + o.count, 0),
      200,
    );
    await t.api('DELETE', path(status), { token: clinician });
  });
});
