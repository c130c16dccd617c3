/**
 * The live event stream `GET /v1/events` and the patient list `GET /v1/patients` (docs/dashboard.md,
 * docs/limits.md "Dashboard and live events"): real broker, real devices, real HTTP.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import type { StoredReading } from '../../src/store/index.ts';
import {
  ADMIN_TOKEN,
  connectDevice,
  startTestGateway,
  type TestGateway,
  vitals,
} from '../helpers/gateway.ts';
import { openEvents } from '../helpers/sse.ts';

async function token(t: TestGateway, role: string, patients?: string[]): Promise<string> {
  const res = await t.api('POST', '/v1/tokens', { body: { role, ...(patients ? { patients } : {}) } });
  assert.equal(res.statusCode, 201, JSON.stringify(res.body));
  return res.body.token;
}

async function publish(t: TestGateway, id: string, secret: string, topic: string, payload: unknown) {
  const c = await connectDevice(t.mqttUrl, { username: id, password: secret, clientId: id });
  await c.publishAsync(`tele/${id}/${topic}`, JSON.stringify(payload), { qos: 1 });
  await c.endAsync();
}

/** Until the gateway has seen every earlier stream close (a client's close reaches it a moment later). */
async function noStreams(t: TestGateway): Promise<void> {
  for (let i = 0; i < 250; i++) {
    if ((await t.gateway.metrics.eventStreams.get()).values[0]?.value === 0) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('streams still open');
}

describe('live events and the patient list', () => {
  let t: TestGateway;
  const secrets: Record<string, string> = {};

  before(async () => {
    t = await startTestGateway({
      overrides: {
        http: { events: { maxClients: 3, maxPerToken: 2, maxBufferBytes: 4096, heartbeatSeconds: 1 } },
      },
    });
    secrets['w-a'] = await t.provision('w-a', 'wearable', 'P-A');
    secrets['w-b'] = await t.provision('w-b', 'wearable', 'P-B');
    secrets['d-1'] = await t.provision('d-1', 'drone');
  });
  after(() => t.stop());

  test("a clinician's stream carries its patients' readings only; an admin's carries all", async () => {
    const clinician = await token(t, 'clinician', ['P-A']);
    const auditor = await token(t, 'auditor');
    const mine = await openEvents(t.httpUrl, clinician);
    const all = await openEvents(t.httpUrl, ADMIN_TOKEN);
    const audit = await openEvents(t.httpUrl, auditor);
    try {
      assert.equal(mine.status, 200);
      await mine.next((e) => e.type === 'hello');
      const ts = Date.now();
      const position = { lat: 22.5726, lon: 88.3639, altM: 0 };
      await publish(t, 'w-b', secrets['w-b']!, 'vitals', vitals('P-B'));
      await publish(t, 'd-1', secrets['d-1']!, 'flight', {
        seq: 1,
        ts,
        flightId: 'F-1',
        position: { ...position, altM: 100 },
      });
      await publish(t, 'd-1', secrets['d-1']!, 'delivery', [
        { seq: 2, ts, flightId: 'F-1', event: 'delivered', patientId: 'P-B', position },
        { seq: 3, ts, flightId: 'F-1', event: 'delivered', patientId: 'P-A', position },
      ]);
      await publish(t, 'w-a', secrets['w-a']!, 'vitals', vitals('P-A', { vitals: { spo2: 93 } }));
      // The admin sees all four messages: the vitals of both, the flight, both deliveries.
      await all.next(
        (e) => e.type === 'readings' && e.data.readings.some((r: any) => r.data.vitals?.spo2 === 93),
      );
      const adminReadings = all.events.filter((e) => e.type === 'readings').flatMap((e) => e.data.readings);
      assert.deepEqual(adminReadings.map((r: any) => r.kind).sort(), [
        'delivery',
        'delivery',
        'flight',
        'vitals',
        'vitals',
      ]);
      // The clinician's last event is P-A's vitals; before it, only P-A's delivery.
      await mine.next(
        (e) => e.type === 'readings' && e.data.readings.some((r: any) => r.data.vitals?.spo2 === 93),
      );
      const seen = mine.events.filter((e) => e.type === 'readings').flatMap((e) => e.data.readings);
      assert.deepEqual(
        seen.map((r: any) => [r.kind, r.data.patientId]),
        [
          ['delivery', 'P-A'],
          ['vitals', 'P-A'],
        ],
      );
      assert.ok(!JSON.stringify(mine.events).includes('P-B'), 'nothing of P-B reaches the clinician');
      assert.ok(!audit.events.some((e) => e.type === 'readings'), 'an auditor gets no readings');
      // Sealed windows carry no patient data: every role sees them.
      await t.gateway.sealer.sealOpen();
      for (const s of [mine, all, audit]) await s.next((e) => e.type === 'window');
    } finally {
      for (const s of [mine, all, audit]) s.close();
    }
  });

  test('one token holds at most http.events.maxPerToken streams; other tokens still get theirs', async () => {
    await noStreams(t);
    const a = await token(t, 'admin');
    const b = await token(t, 'admin');
    const mine = [await openEvents(t.httpUrl, a), await openEvents(t.httpUrl, a)];
    for (const s of mine) assert.equal(s.status, 200);
    const third = await openEvents(t.httpUrl, a);
    assert.equal(third.status, 503);
    assert.equal(third.events[0]!.data.code, 'ERR_TOO_MANY_STREAMS');
    const refused = await t.gateway.metrics.eventStreamsRefused.get();
    assert.equal(refused.values.find((v) => v.labels.reason === 'token_limit')?.value, 1);
    const other = await openEvents(t.httpUrl, b);
    assert.equal(other.status, 200);
    for (const s of [...mine, other]) s.close();
  });

  test('streams are bounded: past http.events.maxClients a stream gets 503 until one closes', async () => {
    await noStreams(t);
    const streams = [];
    for (let i = 0; i < 3; i++) streams.push(await openEvents(t.httpUrl, await token(t, 'admin')));
    for (const s of streams) assert.equal(s.status, 200);
    assert.equal((await t.gateway.metrics.eventStreams.get()).values[0]?.value, 3);
    const refused = await openEvents(t.httpUrl, ADMIN_TOKEN);
    assert.equal(refused.status, 503);
    assert.equal(refused.events[0]!.data.code, 'ERR_TOO_MANY_STREAMS');
    const metrics = await t.gateway.metrics.eventStreamsRefused.get();
    assert.equal(metrics.values.find((v) => v.labels.reason === 'limit')?.value, 1);
    streams[0]!.close();
    let again = await openEvents(t.httpUrl, ADMIN_TOKEN);
    for (let i = 0; again.status !== 200 && i < 50; i++) {
      await new Promise((r) => setTimeout(r, 20));
      again = await openEvents(t.httpUrl, ADMIN_TOKEN);
    }
    assert.equal(again.status, 200);
    for (const s of [...streams, again]) s.close();
  });

  test('a stream that stops reading is closed once its unsent bytes pass http.events.maxBufferBytes', async () => {
    // A raw client that never reads the body after the headers.
    const res = await new Promise<import('node:http').IncomingMessage>((resolve, reject) => {
      const req = request(`${t.httpUrl}/v1/events`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
      req.on('response', resolve).on('error', reject).end();
    });
    assert.equal(res.statusCode, 200);
    res.pause();
    const closed = new Promise<void>((resolve) => res.socket.once('close', () => resolve()));
    const big = 'x'.repeat(64 * 1024);
    const reading = (i: number) =>
      ({
        id: i.toString(16).padStart(16, '0'),
        deviceId: 'w-a',
        kind: 'vitals',
        seq: i,
        ts: Date.now(),
        receivedAt: Date.now(),
        data: { patientId: 'P-A', note: big },
      }) as unknown as StoredReading;
    // 64 MiB at most: far past what the sockets' buffers take, bounded for the test.
    for (let i = 0; i < 1024 && !res.socket.destroyed; i++) {
      t.gateway.events.publish({ type: 'readings', readings: [reading(i)] });
      await new Promise((r) => setImmediate(r));
    }
    await closed;
    const metrics = await t.gateway.metrics.eventStreamsRefused.get();
    assert.equal(metrics.values.find((v) => v.labels.reason === 'slow')?.value, 1);
  });

  test('an idle stream gets heartbeats; no token, no stream', async () => {
    const s = await openEvents(t.httpUrl, ADMIN_TOKEN);
    const started = Date.now();
    while (s.comments === 0 && Date.now() - started < 5000) await new Promise((r) => setTimeout(r, 50));
    s.close();
    assert.ok(s.comments >= 1, 'a heartbeat within http.events.heartbeatSeconds');
    const anonymous = await t.api('GET', '/v1/events', { token: null });
    assert.equal(anonymous.statusCode, 401);
  });

  test('GET /v1/patients: all for an admin, the grants for a clinician, paged', async () => {
    const secret = await t.provision('w-c', 'wearable', 'P-C');
    const now = Date.now();
    await publish(t, 'w-c', secret, 'vitals', vitals('P-C', { ts: now - 2000 }));
    const position = { lat: 22.5726, lon: 88.3639, altM: 0 };
    await publish(t, 'd-1', secrets['d-1']!, 'delivery', {
      seq: 100,
      ts: now - 1000,
      flightId: 'F-2',
      event: 'delivered',
      patientId: 'P-C',
      position,
    });
    const admin = await t.api('GET', '/v1/patients');
    assert.equal(admin.statusCode, 200);
    const ids = admin.body.patients.map((p: any) => p.patientId);
    assert.deepEqual(ids, [...ids].sort());
    const c = admin.body.patients.find((p: any) => p.patientId === 'P-C');
    // Bound at provisioning, and the sender of the latest reading (the drone's delivery).
    assert.deepEqual(c, {
      patientId: 'P-C',
      lastReadingAt: new Date(now - 1000).toISOString(),
      devices: ['d-1', 'w-c'],
    });
    // Paging: the cursor is the last id of a page.
    const first = await t.api('GET', '/v1/patients?limit=1&cursor=P-B');
    assert.deepEqual(
      first.body.patients.map((p: any) => p.patientId),
      ['P-C'],
    );
    const rest = await t.api('GET', '/v1/patients?cursor=P-C');
    assert.deepEqual(rest.body, { patients: [], nextCursor: null });
    const one = await t.api('GET', `/v1/patients?limit=1`);
    assert.equal(one.body.nextCursor, one.body.patients[0].patientId);

    const clinician = await token(t, 'clinician', ['P-C', 'P-Z']);
    const mine = await t.api('GET', '/v1/patients', { token: clinician });
    assert.equal(mine.statusCode, 200);
    assert.deepEqual(
      mine.body.patients.map((p: any) => [p.patientId, p.lastReadingAt === null]),
      [
        ['P-C', false],
        ['P-Z', true],
      ],
    );
    const auditor = await token(t, 'auditor');
    assert.equal((await t.api('GET', '/v1/patients', { token: auditor })).statusCode, 403);
  });

  test('GET /v1/trust: who the token is and the keys proofs are checked against; GET /v1/status', async () => {
    const clinician = await token(t, 'clinician', ['P-A']);
    const trust = await t.api('GET', '/v1/trust', { token: clinician });
    assert.equal(trust.statusCode, 200);
    const key = Buffer.from(t.gateway.keys.signing.publicKey).toString('hex');
    assert.equal(trust.body.gatewayKey, key);
    assert.deepEqual(trust.body.trustedKeys['gw-test'], [key]);
    assert.deepEqual(trust.body.you, { name: trust.body.you.name, role: 'clinician', patients: ['P-A'] });
    assert.equal(trust.body.consortium.genesis, t.gateway.ledger.node.genesisHash);
    assert.deepEqual(trust.body.features, ['alarms']);
    await publish(t, 'w-a', secrets['w-a']!, 'vitals', vitals('P-A'));
    const status = await t.api('GET', '/v1/status', { token: clinician });
    assert.equal(status.statusCode, 200);
    assert.equal(status.body.gatewayId, 'gw-test');
    assert.ok(status.body.devices.provisioned >= 3);
    assert.ok(status.body.readings.ingested >= 1);
    assert.equal(status.body.chain.height, t.gateway.ledger.node.head().height);
    const peer = await token(t, 'peer');
    assert.equal((await t.api('GET', '/v1/trust', { token: peer })).statusCode, 403);
    assert.equal((await t.api('GET', '/v1/events', { token: peer })).statusCode, 403);
  });
});
