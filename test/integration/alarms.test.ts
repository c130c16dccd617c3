/**
 * Alarms on a real gateway (docs/alarms.md): devices publish over MQTT to the real broker, alarms are
 * stored in LevelDB, webhooks go to a real HTTP receiver on 127.0.0.1 that checks every signature.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_RULES } from '../../src/alarms/rules.ts';
import {
  ADMIN_TOKEN,
  connectDevice,
  startTestGateway,
  type TestGateway,
  tempDir,
} from '../helpers/gateway.ts';
import { freePort, type Receiver, startReceiver, until } from '../helpers/webhook-receiver.ts';

const SECRET = 'receiver-secret-0123456789';

async function device(t: TestGateway, id: string, kind: 'wearable' | 'drone', patientId?: string) {
  const secret = await t.provision(id, kind, patientId);
  return connectDevice(t.mqttUrl, { username: id, password: secret, clientId: id });
}

const openAlarms = async (t: TestGateway, query = '', token = ADMIN_TOKEN) => {
  const res = await t.api('GET', `/v1/alarms?status=open${query}`, { token });
  assert.equal(res.statusCode, 200, JSON.stringify(res.body));
  return res.body.alarms as any[];
};

const webhookConfig = (url: string, extra: Record<string, unknown> = {}) => ({
  alarms: { webhooks: [{ url, secret: SECRET }], ...extra },
});

test('a cold-chain breach from a real drone opens an alarm, delivered signed to the receiver', async () => {
  const receiver = await startReceiver(SECRET);
  const t = await startTestGateway({ overrides: webhookConfig(receiver.url) });
  try {
    const drone = await device(t, 'd-cold', 'drone');
    const now = Date.now();
    await drone.publishAsync(
      'tele/d-cold/delivery',
      JSON.stringify({
        seq: 1,
        ts: now - 200_000,
        flightId: 'F-COLD',
        event: 'dispatched',
        patientId: 'P-COLD',
        payload: { kind: 'vaccine', description: 'BCG x10', quantity: 10 },
      }),
      { qos: 1 },
    );
    const flight = (seq: number, ago: number, payloadTempC: number) => ({
      seq,
      ts: now - ago,
      flightId: 'F-COLD',
      position: { lat: 22.57, lon: 88.36, altM: 120 },
      batteryPct: 80,
      payloadTempC,
    });
    // 9 °C from 150 s ago to 20 s ago: held for 130 s, past the 120 s of the rule.
    await drone.publishAsync(
      'tele/d-cold/flight',
      JSON.stringify([flight(2, 150_000, 9), flight(3, 60_000, 10), flight(4, 20_000, 11)]),
      { qos: 1 },
    );
    drone.end();
    const [delivery] = await until(
      () => receiver.deliveries.length > 0 && receiver.deliveries,
      10_000,
      'a delivery',
    );
    assert.ok(delivery!.verified, 'the receiver verified the HMAC');
    assert.equal(delivery!.header, delivery!.body.deliveryId);
    assert.equal(delivery!.body.event, 'opened');
    const { alarm } = delivery!.body;
    assert.equal(alarm.rule, 'cold-chain');
    assert.equal(alarm.kind, 'threshold');
    assert.equal(alarm.level, 'critical');
    assert.equal(alarm.flightId, 'F-COLD');
    assert.equal(alarm.patientId, 'P-COLD');
    assert.equal(alarm.deviceId, 'd-cold');
    assert.equal(alarm.openedAt, new Date(now - 20_000).toISOString());
    const open = await openAlarms(t);
    assert.deepEqual(
      open.map((a) => a.id),
      [alarm.id],
    );
    assert.deepEqual(open[0], alarm);
  } finally {
    await t.stop();
    await receiver.close();
  }
});

test('NEWS2 urgent then emergency is one alarm; a clinician acknowledges it only with the grant', async () => {
  const receiver = await startReceiver(SECRET);
  const t = await startTestGateway({ overrides: webhookConfig(receiver.url) });
  try {
    const w = await device(t, 'w-news', 'wearable', 'P-NEWS');
    const now = Date.now();
    const base = { respRate: 25, spo2: 97, systolic: 120, diastolic: 80, heartRate: 72, temperature: 37 };
    await w.publishAsync(
      'tele/w-news/vitals',
      JSON.stringify({ seq: 1, ts: now - 60_000, patientId: 'P-NEWS', vitals: base }),
      { qos: 1 },
    );
    await until(async () => (await openAlarms(t)).length === 1, 10_000, 'the urgent alarm');
    // SpO2 92 (2) and pulse 115 (2) on top of the respiration rate (3): 7.
    await w.publishAsync(
      'tele/w-news/vitals',
      JSON.stringify({ seq: 2, ts: now - 30_000, patientId: 'P-NEWS', vitals: { spo2: 92, heartRate: 115 } }),
      { qos: 1 },
    );
    w.end();
    const [alarm] = await until(
      async () => {
        const open = await openAlarms(t, '&patientId=P-NEWS');
        return open[0]?.level === 'emergency' && open;
      },
      10_000,
      'the escalation',
    );
    assert.equal((await openAlarms(t)).length, 1, 'one alarm, escalated');
    assert.equal(alarm.kind, 'news2');
    assert.equal(alarm.score, 7);
    assert.deepEqual(alarm.parameters, {
      respRate: { value: 25, points: 3 },
      spo2: { value: 92, points: 2 },
      systolic: { value: 120, points: 0 },
      heartRate: { value: 115, points: 2 },
      temperature: { value: 37, points: 0 },
    });

    const stranger = (
      await t.api('POST', '/v1/tokens', { body: { role: 'clinician', patients: ['P-OTHER'] } })
    ).body.token;
    const granted = (await t.api('POST', '/v1/tokens', { body: { role: 'clinician', patients: ['P-NEWS'] } }))
      .body;
    const refused = await t.api('POST', `/v1/alarms/${alarm.id}/ack`, { token: stranger });
    assert.equal(refused.statusCode, 403);
    assert.equal((await t.api('GET', `/v1/alarms?patientId=P-NEWS`, { token: stranger })).statusCode, 403);
    assert.deepEqual(await openAlarms(t, '', stranger), [], 'a clinician lists only its patients');
    assert.equal((await t.api('GET', `/v1/alarms/${alarm.id}`, { token: stranger })).statusCode, 403);

    const acked = await t.api('POST', `/v1/alarms/${alarm.id}/ack`, { token: granted.token });
    assert.equal(acked.statusCode, 200, JSON.stringify(acked.body));
    assert.equal(acked.body.acknowledgedBy, granted.name);
    assert.equal(acked.body.status, 'open');
    assert.ok(acked.body.acknowledgedAt);
    const again = await t.api('POST', `/v1/alarms/${alarm.id}/ack`, { token: granted.token });
    assert.equal(again.statusCode, 409);
    assert.equal(again.body.code, 'ERR_ALARM_ACKNOWLEDGED');
    assert.deepEqual(
      (await openAlarms(t, '', granted.token)).map((a) => a.id),
      [alarm.id],
    );

    await until(() => receiver.deliveries.length >= 3, 10_000, 'three deliveries');
    assert.deepEqual(
      receiver.deliveries.map((d) => [d.body.event, d.body.alarm.id, d.body.alarm.level, d.verified]),
      [
        ['opened', alarm.id, 'urgent', true],
        ['escalated', alarm.id, 'emergency', true],
        ['acknowledged', alarm.id, 'emergency', true],
      ],
    );
  } finally {
    await t.stop();
    await receiver.close();
  }
});

test('alarm state and history survive a restart: an alarm opened before closes after', async () => {
  const dir = tempDir();
  let t = await startTestGateway({ dataDir: dir.path });
  try {
    const secret = await t.provision('d-batt', 'drone');
    const connect = () =>
      connectDevice(t.mqttUrl, { username: 'd-batt', password: secret, clientId: 'd-batt' });
    const flight = (seq: number, batteryPct: number, later = 0) => ({
      seq,
      ts: Date.now() + later,
      flightId: 'F-BATT',
      position: { lat: 1, lon: 1 },
      batteryPct,
    });
    let drone = await connect();
    await drone.publishAsync('tele/d-batt/flight', JSON.stringify(flight(1, 15)), { qos: 1 });
    const [alarm] = await until(async () => {
      const open = await openAlarms(t);
      return open.length === 1 && open;
    });
    assert.equal(alarm.rule, 'drone-battery-low');
    assert.equal((await t.api('POST', `/v1/alarms/${alarm.id}/ack`)).statusCode, 200);
    drone.end();
    await t.stop({ keepData: true });

    t = await startTestGateway({ dataDir: dir.path });
    const restored = await t.api('GET', `/v1/alarms/${alarm.id}`);
    assert.equal(restored.statusCode, 200);
    assert.equal(restored.body.status, 'open');
    assert.equal(restored.body.acknowledgedBy, 'bootstrap-admin');
    drone = await connect();
    // Charged, and still charged 30 s later (device time): the alarm closes.
    await drone.publishAsync('tele/d-batt/flight', JSON.stringify([flight(2, 90), flight(3, 91, 30_000)]), {
      qos: 1,
    });
    drone.end();
    await until(async () => (await t.api('GET', `/v1/alarms/${alarm.id}`)).body.status === 'closed');
    const closed = (await t.api('GET', '/v1/alarms?status=closed')).body.alarms;
    assert.deepEqual(
      closed.map((a: any) => a.id),
      [alarm.id],
    );
  } finally {
    await t.stop();
    dir.remove();
  }
});

test('a receiver that is down, across a gateway restart, gets every event afterwards, in order per alarm', async () => {
  const dir = tempDir();
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/hooks/medgate`;
  const overrides = webhookConfig(url, { retryInitialMs: 20, retryMaxMs: 100 });
  let t = await startTestGateway({ dataDir: dir.path, overrides });
  let receiver: Receiver | null = null;
  try {
    const drone = await device(t, 'd-down', 'drone');
    const now = Date.now();
    const flight = (seq: number, ago: number, flightId: string, batteryPct: number) => ({
      seq,
      ts: now - ago,
      flightId,
      position: { lat: 1, lon: 1 },
      batteryPct,
    });
    // Two alarms, each opened then closed (clear for 30 s): four events, interleaved.
    for (const reading of [
      flight(1, 90_000, 'F-A', 10),
      flight(2, 80_000, 'F-B', 12),
      flight(3, 70_000, 'F-A', 90),
      flight(4, 60_000, 'F-B', 95),
      flight(5, 40_000, 'F-A', 90),
      flight(6, 30_000, 'F-B', 95),
    ]) {
      await drone.publishAsync('tele/d-down/flight', JSON.stringify(reading), { qos: 1 });
    }
    drone.end();
    const failed = async () =>
      (await t.gateway.metrics.webhookDeliveries.get()).values.find((v) => v.labels.outcome === 'failed')
        ?.value ?? 0;
    await until(async () => (await failed()) >= 3, 10_000, 'failed attempts');
    await until(async () => (await t.api('GET', '/v1/alarms?status=closed')).body.alarms.length === 2);
    await t.stop({ keepData: true });

    receiver = await startReceiver(SECRET, port);
    t = await startTestGateway({ dataDir: dir.path, overrides });
    await until(() => receiver!.deliveries.length >= 4, 10_000, 'four deliveries');
    const unique = new Map(receiver.deliveries.map((d) => [d.deliveryId, d]));
    assert.equal(unique.size, 4);
    assert.ok(receiver.deliveries.every((d) => d.verified && d.header === d.deliveryId));
    const byFlight = (flightId: string) =>
      receiver!.deliveries.filter((d) => d.body.alarm.flightId === flightId).map((d) => d.body.event);
    assert.deepEqual(byFlight('F-A'), ['opened', 'closed']);
    assert.deepEqual(byFlight('F-B'), ['opened', 'closed']);
    await until(async () => (await t.gateway.metrics.webhookOutbox.get()).values[0]?.value === 0);
  } finally {
    await t.stop();
    await receiver?.close();
    dir.remove();
  }
});

test("an alarm's proof verifies for each event: when the gateway raised it and when it was acknowledged", async () => {
  let now = Date.parse('2026-11-24T10:00:05.000Z');
  const t = await startTestGateway({ clock: () => now });
  try {
    const drone = await device(t, 'd-proof', 'drone');
    await drone.publishAsync(
      'tele/d-proof/delivery',
      JSON.stringify({ seq: 1, ts: now, flightId: 'F-PROOF', event: 'failed', patientId: 'P-PROOF' }),
      { qos: 1 },
    );
    drone.end();
    const [alarm] = await until(async () => {
      const open = await openAlarms(t);
      return open.length === 1 && open;
    });
    now += 10_000;
    assert.equal((await t.api('POST', `/v1/alarms/${alarm.id}/ack`)).statusCode, 200);
    const pending = await t.api('GET', `/v1/alarms/${alarm.id}/proof`);
    assert.equal(pending.statusCode, 200);
    assert.deepEqual(
      pending.body.events.map((e: any) => [e.event, e.proof]),
      [
        ['opened', null],
        ['acknowledged', null],
      ],
    );

    now += 60_000;
    assert.ok((await t.gateway.sealer.sealDue()).length > 0);
    const res = await t.api('GET', `/v1/alarms/${alarm.id}/proof`);
    assert.equal(res.statusCode, 200, JSON.stringify(res.body));
    assert.deepEqual(
      res.body.events.map((e: any) => e.event),
      ['opened', 'acknowledged'],
    );
    for (const e of res.body.events) {
      assert.equal(e.proof.reading.kind, 'alarm');
      assert.equal(e.proof.reading.event, e.event);
      assert.equal(e.proof.reading.alarm.id, alarm.id);
      assert.equal(new Date(e.proof.reading.at).toISOString(), e.at);
      const verdict = await t.api('POST', '/v1/proofs/verify', { body: e.proof });
      assert.equal(verdict.statusCode, 200);
      assert.equal(verdict.body.valid, true, JSON.stringify(verdict.body.checks));
    }
    // What is shared (the batch in IPFS) carries the alarm's patient only as a pseudonym.
    let scanned = 0;
    for await (const cid of t.gateway.ipfs.cids()) {
      const text = Buffer.from(await t.gateway.ipfs.get(cid)).toString('latin1');
      assert.equal(text.includes('P-PROOF'), false, 'a patient id in clear in a shared block');
      scanned++;
    }
    assert.ok(scanned >= 2);
    const acked = res.body.events[1].proof.reading;
    assert.equal(acked.alarm.acknowledgedBy, 'bootstrap-admin');
    // A changed acknowledgement time no longer matches its leaf.
    const tampered = structuredClone(res.body.events[1].proof);
    tampered.reading.at += 1;
    const verdict = await t.api('POST', '/v1/proofs/verify', { body: tampered });
    assert.equal(verdict.body.valid, false);

    const auditor = (await t.api('POST', '/v1/tokens', { body: { role: 'auditor' } })).body.token;
    const withheld = await t.api('GET', `/v1/alarms/${alarm.id}/proof`, { token: auditor });
    assert.equal(withheld.statusCode, 200);
    assert.equal(withheld.body.events[0].proof.reading, null);
    assert.equal(
      (await t.api('POST', '/v1/proofs/verify', { body: withheld.body.events[0].proof })).body.valid,
      true,
    );
  } finally {
    await t.stop();
  }
});

test('an open alarm whose rule is no longer configured closes at the next start', async () => {
  const dir = tempDir();
  let t = await startTestGateway({ dataDir: dir.path });
  try {
    const drone = await device(t, 'd-rule', 'drone');
    await drone.publishAsync(
      'tele/d-rule/flight',
      JSON.stringify({
        seq: 1,
        ts: Date.now(),
        flightId: 'F-RULE',
        position: { lat: 1, lon: 1 },
        batteryPct: 5,
      }),
      { qos: 1 },
    );
    drone.end();
    const [alarm] = await until(async () => {
      const open = await openAlarms(t);
      return open.length === 1 && open;
    });
    await t.stop({ keepData: true });
    const rules = DEFAULT_RULES.filter((r) => r.id !== 'drone-battery-low');
    t = await startTestGateway({ dataDir: dir.path, overrides: { alarms: { rules } } });
    assert.deepEqual(await openAlarms(t), []);
    const closed = (await t.api('GET', `/v1/alarms/${alarm.id}`)).body;
    assert.equal(closed.status, 'closed');
    assert.ok(closed.closedAt);
    const proofs = (await t.api('GET', `/v1/alarms/${alarm.id}/proof`)).body;
    assert.deepEqual(
      proofs.events.map((e: any) => e.event),
      ['opened', 'closed'],
    );
  } finally {
    await t.stop();
    dir.remove();
  }
});
