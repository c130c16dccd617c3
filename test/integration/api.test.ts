/** The HTTP API (docs/api.md) on a real gateway: pagination, roles, bad parameters, access log. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { allReadings, connectDevice, startTestGateway, type TestGateway } from '../helpers/gateway.ts';

const TOTAL = 3000;

describe('HTTP API', () => {
  let t: TestGateway;
  const tokens: Record<string, string> = {};

  before(async () => {
    t = await startTestGateway();
    const secret = await t.provision('w-api', 'wearable', 'P-API');
    await t.provision('w-other', 'wearable', 'P-OTHER');
    const client = await connectDevice(t.mqttUrl, { username: 'w-api', password: secret, clientId: 'w-api' });
    // Device timestamps out of receipt order, so ordering by `ts` is really tested.
    const base = Date.now() - 3_600_000;
    const readings = Array.from({ length: TOTAL }, (_, i) => ({
      seq: i,
      ts: base + ((i * 7919) % TOTAL) * 1000,
      patientId: 'P-API',
      vitals: { heartRate: 60 + (i % 50) },
    }));
    for (let i = 0; i < TOTAL; i += 500) {
      await client.publishAsync('tele/w-api/vitals', JSON.stringify(readings.slice(i, i + 500)), { qos: 1 });
    }
    client.end();
    for (const [role, patients] of [
      ['clinician', ['P-API']],
      ['patient', ['P-API']],
      ['auditor', undefined],
      ['peer', undefined],
    ] as const) {
      const res = await t.api('POST', '/v1/tokens', { body: { role, ...(patients ? { patients } : {}) } });
      assert.equal(res.statusCode, 201);
      tokens[role] = res.body.token;
    }
  });
  after(() => t.stop());

  test('pages through thousands of readings without gaps or repeats, in device-time order', async () => {
    const seen: any[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const url: string = `/v1/patients/P-API/readings?limit=250${cursor ? `&cursor=${cursor}` : ''}`;
      const res = await t.api('GET', url);
      assert.equal(res.statusCode, 200);
      assert.ok(res.body.readings.length <= 250);
      seen.push(...res.body.readings);
      cursor = res.body.nextCursor;
      pages++;
    } while (cursor);
    assert.equal(seen.length, TOTAL);
    assert.equal(pages, TOTAL / 250);
    assert.equal(new Set(seen.map((r) => r.data.seq)).size, TOTAL, 'no repeats');
    for (let i = 1; i < seen.length; i++) assert.ok(Date.parse(seen[i].ts) >= Date.parse(seen[i - 1].ts));
  });

  test('from, to and kind narrow the results', async () => {
    const all = await allReadings(t, 'P-API');
    const mid = Date.parse(all[1000].ts);
    const end = Date.parse(all[1999].ts);
    const some = await allReadings(t, 'P-API', `&from=${new Date(mid).toISOString()}&to=${end}`);
    assert.equal(some.length, 999);
    assert.ok(some.every((r) => Date.parse(r.ts) >= mid && Date.parse(r.ts) < end));
    assert.equal((await allReadings(t, 'P-API', '&kind=flight')).length, 0);
    assert.equal((await allReadings(t, 'P-API', '&kind=vitals')).length, TOTAL);
  });

  test('401 without a valid token, 403 outside the role', async () => {
    const url = '/v1/patients/P-API/readings?limit=1';
    assert.equal((await t.api('GET', url, { token: null })).statusCode, 401);
    assert.equal((await t.api('GET', url, { token: 'not-a-token' })).statusCode, 401);
    const noBearer = await t.gateway.api.inject({
      method: 'GET',
      url,
      headers: { authorization: 'Basic abc' },
    });
    assert.equal(noBearer.statusCode, 401);
    assert.equal((await t.api('GET', url, { token: tokens.clinician })).statusCode, 200);
    assert.equal((await t.api('GET', url, { token: tokens.patient })).statusCode, 200);
    for (const role of ['auditor', 'peer']) {
      const res = await t.api('GET', url, { token: tokens[role] });
      assert.equal(res.statusCode, 403, role);
      assert.equal(res.body.code, 'ERR_FORBIDDEN');
    }
    const other = '/v1/patients/P-OTHER/readings';
    assert.equal((await t.api('GET', other, { token: tokens.clinician })).statusCode, 403);
    assert.equal((await t.api('GET', other, { token: tokens.patient })).statusCode, 403);
    for (const role of ['clinician', 'patient', 'auditor', 'peer']) {
      const device = await t.api('POST', '/v1/devices', {
        token: tokens[role],
        body: { id: 'x1', kind: 'drone' },
      });
      assert.equal(device.statusCode, 403, role);
      const token = await t.api('POST', '/v1/tokens', { token: tokens[role], body: { role: 'admin' } });
      assert.equal(token.statusCode, 403, role);
      assert.equal((await t.api('DELETE', '/v1/devices/w-api', { token: tokens[role] })).statusCode, 403);
    }
    assert.equal((await t.api('GET', '/v1/flights/F-1', { token: tokens.auditor })).statusCode, 403);
  });

  test('bad parameters get 400 with the error body of docs/api.md', async () => {
    const otherCursor = (await t.api('GET', '/v1/patients/P-API/readings?limit=1')).body.nextCursor;
    const bad = [
      '/v1/patients/P-API/readings?limit=0',
      '/v1/patients/P-API/readings?limit=1001',
      '/v1/patients/P-API/readings?limit=ten',
      '/v1/patients/P-API/readings?from=yesterday',
      '/v1/patients/P-API/readings?from=2026-11-24T10:00:00Z&to=2026-11-24T09:00:00Z',
      '/v1/patients/P-API/readings?kind=blood',
      '/v1/patients/P-API/readings?colour=red',
      '/v1/patients/P-API/readings?cursor=garbage',
      `/v1/patients/P-OTHER/readings?cursor=${otherCursor}`,
      '/v1/patients/P%20API/readings',
      `/v1/patients/${'P'.repeat(65)}/readings`,
    ];
    for (const url of bad) {
      const res = await t.api('GET', url);
      assert.equal(res.statusCode, 400, url);
      assert.deepEqual(Object.keys(res.body).sort(), ['code', 'error', 'message', 'statusCode'], url);
      assert.match(res.body.code, /^ERR_(BAD_REQUEST|BAD_CURSOR)$/, url);
      assert.equal(res.body.error, 'Bad Request');
    }
  });

  test('device provisioning: conflicts, bad bodies, unknown devices', async () => {
    assert.equal(
      (await t.api('POST', '/v1/devices', { body: { id: 'w-api', kind: 'wearable' } })).statusCode,
      409,
    );
    for (const body of [
      { id: 'bad id', kind: 'wearable' },
      { id: 'x2', kind: 'toaster' },
      { id: 'x3', kind: 'drone', patientId: 'P-1' },
      { id: 'x4', kind: 'wearable', secret: 'mine' },
      {},
    ]) {
      const res = await t.api('POST', '/v1/devices', { body });
      assert.equal(res.statusCode, 400, JSON.stringify(body));
      assert.equal(res.body.code, 'ERR_BAD_REQUEST');
    }
    const missing = await t.api('DELETE', '/v1/devices/nobody');
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.body.code, 'ERR_NOT_FOUND');
    const list = await t.api('GET', '/v1/devices');
    assert.ok(
      list.body.devices.some((d: any) => d.id === 'w-api' && !('secretHash' in d) && !('secret' in d)),
    );
  });

  test('token issuance checks role and patients', async () => {
    for (const body of [
      { role: 'clinician' },
      { role: 'patient', patients: ['P-1', 'P-2'] },
      { role: 'auditor', patients: ['P-1'] },
      { role: 'root' },
    ]) {
      assert.equal((await t.api('POST', '/v1/tokens', { body })).statusCode, 400, JSON.stringify(body));
    }
  });

  test('every read of patient data is in the access log', async () => {
    const before = await t.gateway.accessLog.list({ limit: 100_000 });
    await t.api('GET', '/v1/patients/P-API/readings?limit=7', { token: tokens.clinician });
    await t.api('GET', '/v1/patients/P-OTHER/readings?limit=7', { token: tokens.clinician });
    const after = await t.gateway.accessLog.list({ limit: 100_000 });
    assert.equal(after.length, before.length + 1, 'a refused read returns no data and is not a read');
    const entry = after.at(-1)!;
    assert.equal(entry.patientId, 'P-API');
    assert.equal(entry.role, 'clinician');
    assert.equal(entry.count, 7);
    assert.equal(entry.action, 'readings.list');
    assert.ok(Math.abs(entry.at - Date.now()) < 60_000);
  });

  test('health, readiness, metrics and the OpenAPI document', async () => {
    assert.equal((await t.api('GET', '/healthz', { token: null })).statusCode, 200);
    assert.equal((await t.api('GET', '/readyz', { token: null })).statusCode, 200);
    const metrics = await t.api('GET', '/metrics', { token: null });
    assert.match(metrics.body, new RegExp(`medgate_readings_ingested_total\\{kind="vitals"\\} ${TOTAL}`));
    assert.match(metrics.body, /medgate_commit_batch_readings_bucket/);
    assert.match(metrics.body, /medgate_ack_latency_seconds_bucket/);
    assert.match(metrics.body, /medgate_connected_devices/);
    const doc = await t.api('GET', '/docs/json', { token: null });
    assert.equal(doc.statusCode, 200);
    assert.ok(doc.body.paths['/v1/patients/{patientId}/readings']);
    assert.ok(doc.body.paths['/v1/devices']);
  });
});

/**
 * Every route that can return patient data logs the read. The routes are walked from the OpenAPI document
 * (every registered route is in it), each GET called as the admin with the ids of a sealed patient's data;
 * a response that carries that data must have left an access-log entry for its URL. A route with a path
 * parameter the walk does not know fails the test, so a new route is looked at, not skipped.
 */
test('every route that returns patient data leaves an access-log entry for the read', async () => {
  const T0 = Date.parse('2026-11-24T10:00:05.000Z');
  let now = T0;
  const t = await startTestGateway({ clock: () => now, overrides: { sealing: { graceSeconds: 2 } } });
  try {
    const wSecret = await t.provision('walk-w', 'wearable', 'P-WALK');
    const dSecret = await t.provision('walk-d', 'drone');
    const w = await connectDevice(t.mqttUrl, { username: 'walk-w', password: wSecret, clientId: 'walk-w' });
    const d = await connectDevice(t.mqttUrl, { username: 'walk-d', password: dSecret, clientId: 'walk-d' });
    // Markers no other part of a response can hold: a heart rate (as /v1 and as FHIR write it) and a note.
    const marker = /"heartRate":187|"value":187|walk-marker-note/;
    await w.publishAsync(
      'tele/walk-w/vitals',
      JSON.stringify({ seq: 1, ts: now, patientId: 'P-WALK', vitals: { heartRate: 187 } }),
      { qos: 1 },
    );
    const delivery = { seq: 1, ts: now, flightId: 'F-WALK', event: 'delivered', patientId: 'P-WALK' };
    await d.publishAsync('tele/walk-d/delivery', JSON.stringify({ ...delivery, notes: 'walk-marker-note' }), {
      qos: 1,
    });
    w.end();
    d.end();
    now = T0 + 58_000;
    const [window] = await t.gateway.sealer.sealDue();
    assert.ok(window, 'the window is sealed');
    const readings = await t.api('GET', '/v1/patients/P-WALK/readings');
    const readingId = readings.body.readings.find((r: { kind: string }) => r.kind === 'vitals').id as string;
    const head = await t.api('GET', '/v1/ledger/head');

    const values: Record<string, string[]> = {
      patientId: ['P-WALK'],
      flightId: ['F-WALK'],
      // A reading id (its proof, its FHIR Provenance), a FHIR Observation id (the reading's heart rate) and a
      // device id: one parameter name, several resources.
      id: [readingId, `${readingId}-hr`, 'walk-w'],
      // Bulk export jobs and their files (an unknown job: nothing to disclose).
      job: ['0'.repeat(32)],
      file: ['Observation.000001.ndjson'],
      hash: [head.body.hash],
      cid: [window.record.batchCid],
    };
    const doc = await t.api('GET', '/docs/json', { token: null });
    const urls: string[] = [];
    // The live event stream never ends: its opening is logged (events.stream), its events are filtered by
    // the grants (test/integration/live-events.test.ts).
    const streams = new Set(['/v1/events']);
    for (const [path, operations] of Object.entries(doc.body.paths as Record<string, object>)) {
      if (!('get' in operations) || streams.has(path)) continue;
      let expanded = [path];
      for (const [, name] of path.matchAll(/\{(\w+)\}/g)) {
        const options = values[name!];
        assert.ok(
          options,
          `${path}: no value for {${name}}: say which of this route's answers are patient data`,
        );
        expanded = expanded.flatMap((p) => options.map((v) => p.replace(`{${name}}`, encodeURIComponent(v))));
      }
      urls.push(...expanded);
    }
    assert.ok(urls.includes(`/v1/readings/${readingId}/proof`), 'the walk reaches the proof route');

    const disclosed: string[] = [];
    for (const url of urls) {
      const before = await t.gateway.accessLog.list({ limit: 100_000 });
      const res = await t.api('GET', url);
      const text = typeof res.body === 'string' ? res.body : JSON.stringify(res.body);
      if (res.statusCode !== 200 || !marker.test(text)) continue;
      disclosed.push(url);
      const after = await t.gateway.accessLog.list({ limit: 100_000 });
      const logged = after.slice(before.length).filter((e) => e.resource === url);
      assert.ok(logged.length > 0, `GET ${url} returned patient data without an access-log entry`);
      assert.ok(
        logged.every((e) => e.role === 'admin' && e.patientId === 'P-WALK'),
        JSON.stringify(logged),
      );
    }
    for (const url of [
      '/v1/patients/P-WALK/readings',
      '/v1/flights/F-WALK',
      `/v1/readings/${readingId}/proof`,
      `/fhir/Observation/${readingId}-hr`,
    ]) {
      assert.ok(disclosed.includes(url), `${url} discloses the patient in the walk`);
    }
  } finally {
    await t.stop();
  }
});
