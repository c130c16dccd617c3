/**
 * The bounds of alarms and webhooks (docs/limits.md, "Alarms and webhooks") on real parts: a real gateway
 * and drone over MQTT, a real HTTP receiver on 127.0.0.1, the alarm service on a real LevelDB.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { DEFAULT_RULES } from '../../src/alarms/rules.ts';
import { createAlarmService } from '../../src/alarms/service.ts';
import { createEventBus } from '../../src/events/bus.ts';
import { openDb, type StoredReading, sublevels } from '../../src/store/index.ts';
import { connectDevice, startTestGateway, type TestGateway, tempDir } from '../helpers/gateway.ts';
import { freePort, type Receiver, startReceiver, until } from '../helpers/webhook-receiver.ts';

const SECRET = 'receiver-secret-0123456789';

const counter = async (t: TestGateway, name: 'webhookDeliveries' | 'webhookDropped', outcome?: string) => {
  const values = (await t.gateway.metrics[name].get()).values;
  return values.find((v) => outcome === undefined || v.labels.outcome === outcome)?.value ?? 0;
};

/** Two drone flights whose battery alarms open then close: four events, F-A's and F-B's interleaved. */
async function fourEvents(t: TestGateway) {
  const secret = await t.provision('d-bound', 'drone');
  const drone = await connectDevice(t.mqttUrl, {
    username: 'd-bound',
    password: secret,
    clientId: 'd-bound',
  });
  const now = Date.now();
  const flight = (seq: number, flightId: string, batteryPct: number) => ({
    seq,
    ts: now - 90_000 + seq * 10_000,
    flightId,
    position: { lat: 1, lon: 1 },
    batteryPct,
  });
  for (const reading of [
    flight(1, 'F-A', 10),
    flight(2, 'F-B', 12),
    flight(3, 'F-A', 90),
    flight(4, 'F-B', 95),
    // Still clear 30 s later: both close.
    flight(6, 'F-A', 90),
    flight(7, 'F-B', 95),
  ])
    await drone.publishAsync('tele/d-bound/flight', JSON.stringify(reading), { qos: 1 });
  drone.end();
}

test('a full outbox drops its oldest deliveries, counted; the receiver gets the newest when it is back', async () => {
  const port = await freePort();
  const t = await startTestGateway({
    overrides: {
      alarms: {
        webhooks: [{ url: `http://127.0.0.1:${port}/hook`, secret: SECRET }],
        outboxMaxEntries: 2,
        retryInitialMs: 20,
        retryMaxMs: 50,
      },
    },
  });
  let receiver: Receiver | null = null;
  try {
    await fourEvents(t);
    await until(async () => (await counter(t, 'webhookDropped')) === 2, 10_000, 'two dropped deliveries');
    assert.equal((await t.gateway.metrics.webhookOutbox.get()).values[0]?.value, 2);
    receiver = await startReceiver(SECRET, port);
    await until(() => receiver!.deliveries.length >= 2, 10_000, 'two deliveries');
    assert.deepEqual(
      receiver.deliveries.map((d) => [d.body.alarm.flightId, d.body.event]),
      [
        ['F-A', 'closed'],
        ['F-B', 'closed'],
      ],
    );
    await until(async () => (await t.gateway.metrics.webhookOutbox.get()).values[0]?.value === 0);
    // Every event is still in the store and the API.
    assert.equal((await t.api('GET', '/v1/alarms?status=closed')).body.alarms.length, 2);
  } finally {
    await t.stop();
    await receiver?.close();
  }
});

test('a receiver that hangs, redirects or fails is retried with the same delivery id and body until a 2xx', async () => {
  const script: Array<number | 'hang'> = ['hang', 302, 500, 204];
  const receiver = await startReceiver(SECRET, 0, (n) => script[n] ?? 204);
  const t = await startTestGateway({
    overrides: {
      alarms: {
        webhooks: [{ url: receiver.url, secret: SECRET }],
        requestTimeoutMs: 200,
        retryInitialMs: 20,
        retryMaxMs: 50,
      },
    },
  });
  try {
    const secret = await t.provision('d-retry', 'drone');
    const drone = await connectDevice(t.mqttUrl, {
      username: 'd-retry',
      password: secret,
      clientId: 'd-retry',
    });
    await drone.publishAsync(
      'tele/d-retry/delivery',
      JSON.stringify({ seq: 1, ts: Date.now(), flightId: 'F-R', event: 'failed' }),
      { qos: 1 },
    );
    drone.end();
    await until(() => receiver.deliveries.length >= 4, 10_000, 'four attempts');
    await until(async () => (await t.gateway.metrics.webhookOutbox.get()).values[0]?.value === 0);
    assert.equal(new Set(receiver.deliveries.map((d) => d.deliveryId)).size, 1, 'one delivery id');
    assert.equal(new Set(receiver.deliveries.map((d) => JSON.stringify(d.body))).size, 1, 'one body');
    assert.ok(receiver.deliveries.every((d) => d.verified));
    assert.equal(await counter(t, 'webhookDeliveries', 'failed'), 3);
    assert.equal(await counter(t, 'webhookDeliveries', 'delivered'), 1);
    // Nothing more is sent once delivered.
    await new Promise((resolve) => setTimeout(resolve, 150));
    assert.equal(receiver.deliveries.length, 4);
  } finally {
    await t.stop();
    await receiver.close();
  }
});

test('readings waiting for evaluation are bounded: past the bound they are counted, not queued', async () => {
  const dir = tempDir();
  const db = openDb(join(dir.path, 'store'));
  await db.open();
  const unevaluated: Array<[string, number]> = [];
  const service = await createAlarmService(
    {
      rules: DEFAULT_RULES,
      news2: { enabled: true, maxAgeMs: 300_000, clearMs: 30_000 },
      maxSubjects: 100,
      maxPendingReadings: 3,
      webhooks: [],
      maxEntries: 10,
      retryInitialMs: 10,
      retryMaxMs: 10,
      requestTimeoutMs: 100,
    },
    {
      db,
      subs: sublevels(db),
      events: createEventBus({ maxListeners: 2 }),
      clock: Date.now,
      hooks: { onUnevaluated: (reason, n) => unevaluated.push([reason, n]) },
    },
  );
  try {
    const ts = Date.now();
    const battery = (i: number, batteryPct: number): StoredReading =>
      ({
        id: i.toString(16).padStart(16, '0'),
        deviceId: 'd-1',
        kind: 'flight',
        seq: i,
        ts: ts + i,
        receivedAt: ts + i,
        data: { seq: i, ts: ts + i, flightId: `F-${i}`, position: { lat: 1, lon: 1 }, batteryPct },
      }) as unknown as StoredReading;
    service.submit([battery(1, 5), battery(2, 5)]);
    service.submit([battery(3, 5), battery(4, 5)]);
    await service.drain();
    assert.deepEqual(unevaluated, [['backlog', 2]]);
    const listed = await service.list({
      from: 0,
      to: ts + 1e6,
      limit: 10,
      visible: () => true,
      maxScan: 100,
    });
    assert.deepEqual(
      listed.alarms.map((a) => a.flightId),
      ['F-1', 'F-2'],
    );
    service.submit([battery(5, 5)]);
    await service.drain();
    assert.equal(
      (await service.list({ from: 0, to: ts + 1e6, limit: 10, visible: () => true, maxScan: 100 })).alarms
        .length,
      3,
    );
  } finally {
    await service.stop();
    await db.close();
    dir.remove();
  }
});

test("reordering or removing webhooks never sends one receiver's waiting deliveries to another", async () => {
  const dir = tempDir();
  const portA = await freePort();
  const urlA = `http://127.0.0.1:${portA}/hook`;
  const b = await startReceiver('secret-of-b-0123456789');
  const hooks = (list: Array<{ url: string; secret: string }>) => ({
    alarms: { webhooks: list, retryInitialMs: 20, retryMaxMs: 50 },
  });
  const a = { url: urlA, secret: 'secret-of-a-0123456789' };
  const bHook = { url: b.url, secret: 'secret-of-b-0123456789' };
  let t = await startTestGateway({ dataDir: dir.path, overrides: hooks([a, bHook]) });
  let receiverA: Receiver | null = null;
  try {
    const secret = await t.provision('d-order', 'drone');
    const drone = await connectDevice(t.mqttUrl, {
      username: 'd-order',
      password: secret,
      clientId: 'd-order',
    });
    await drone.publishAsync(
      'tele/d-order/delivery',
      JSON.stringify({ seq: 1, ts: Date.now(), flightId: 'F-O', event: 'failed' }),
      { qos: 1 },
    );
    drone.end();
    await until(() => b.deliveries.length === 1, 10_000, "B's delivery");
    await until(async () => (await counter(t, 'webhookDeliveries', 'failed')) >= 1, 10_000, 'A failing');
    await t.stop({ keepData: true });

    // The same two webhooks, the other way round: A's waiting delivery still goes to A only.
    receiverA = await startReceiver(a.secret, portA);
    t = await startTestGateway({ dataDir: dir.path, overrides: hooks([bHook, a]) });
    await until(() => receiverA!.deliveries.length === 1, 10_000, "A's delivery");
    assert.ok(receiverA.deliveries[0]!.verified);
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(b.deliveries.length, 1, 'B got nothing meant for A');
    await t.stop({ keepData: true });

    // Removed: what waited for a webhook no longer configured is dropped, counted, never sent elsewhere.
    await receiverA.close();
    receiverA = null;
    t = await startTestGateway({ dataDir: dir.path, overrides: hooks([a]) });
    const secret2 = await t.provision('d-order2', 'drone');
    const drone2 = await connectDevice(t.mqttUrl, {
      username: 'd-order2',
      password: secret2,
      clientId: 'd-order2',
    });
    await drone2.publishAsync(
      'tele/d-order2/delivery',
      JSON.stringify({ seq: 1, ts: Date.now(), flightId: 'F-O2', event: 'failed' }),
      { qos: 1 },
    );
    drone2.end();
    await until(async () => (await t.gateway.metrics.webhookOutbox.get()).values[0]?.value === 1);
    await t.stop({ keepData: true });
    t = await startTestGateway({ dataDir: dir.path, overrides: hooks([bHook]) });
    assert.equal(await counter(t, 'webhookDropped'), 1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(b.deliveries.length, 1);
  } finally {
    await t.stop();
    await b.close();
    await receiverA?.close();
    dir.remove();
  }
});

test('listing pages through the API: open alarms past a long closed history, and cursors bound to their query', async () => {
  const t = await startTestGateway({});
  try {
    const secret = await t.provision('d-list', 'drone');
    const drone = await connectDevice(t.mqttUrl, {
      username: 'd-list',
      password: secret,
      clientId: 'd-list',
    });
    const now = Date.now();
    let seq = 0;
    const battery = (flightId: string, batteryPct: number) => ({
      seq: ++seq,
      ts: now - 100_000 + seq * 10,
      flightId,
      position: { lat: 1, lon: 1 },
      batteryPct,
    });
    // 12 closed alarms first, then 3 open ones.
    const readings = [];
    for (let i = 0; i < 12; i++) readings.push(battery(`F-C${i}`, 5), battery(`F-C${i}`, 90));
    // 30 s on, every one of them is still charged: they close.
    seq += 3000;
    for (let i = 0; i < 12; i++) readings.push(battery(`F-C${i}`, 90));
    for (let i = 0; i < 3; i++) readings.push(battery(`F-O${i}`, 5));
    await drone.publishAsync('tele/d-list/flight', JSON.stringify(readings), { qos: 1 });
    drone.end();
    await until(async () => (await t.api('GET', '/v1/alarms?status=open')).body.alarms.length === 3);
    const page = async (query: string) => {
      const out: string[][] = [];
      let cursor: string | null = null;
      do {
        const res = await t.api(
          'GET',
          `/v1/alarms?${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        );
        assert.equal(res.statusCode, 200, JSON.stringify(res.body));
        out.push(res.body.alarms.map((a: any) => a.flightId));
        cursor = res.body.nextCursor;
      } while (cursor);
      return out;
    };
    assert.deepEqual(await page('status=open&limit=2'), [['F-O0', 'F-O1'], ['F-O2']]);
    const closed = await page('status=closed&limit=5');
    assert.deepEqual(
      closed.flat(),
      Array.from({ length: 12 }, (_, i) => `F-C${i}`),
    );
    assert.deepEqual(
      closed.map((p) => p.length),
      [5, 5, 2],
    );
    assert.equal((await page('limit=1000')).flat().length, 15);
    // A cursor of one listing is refused on another.
    const first = await t.api('GET', '/v1/alarms?limit=1');
    const other = await t.api(
      'GET',
      `/v1/alarms?patientId=P-1&cursor=${encodeURIComponent(first.body.nextCursor)}`,
    );
    assert.equal(other.statusCode, 400);
    assert.equal(other.body.code, 'ERR_BAD_CURSOR');
  } finally {
    await t.stop();
  }
});

test('a page looks at no more than maxScan alarms, then stops short with where to go on', async () => {
  const dir = tempDir();
  const db = openDb(join(dir.path, 'store'));
  await db.open();
  const service = await createAlarmService(
    {
      rules: DEFAULT_RULES,
      news2: { enabled: false, maxAgeMs: 300_000, clearMs: 30_000 },
      maxSubjects: 100,
      maxPendingReadings: 100,
      webhooks: [],
      maxEntries: 10,
      retryInitialMs: 10,
      retryMaxMs: 10,
      requestTimeoutMs: 100,
    },
    { db, subs: sublevels(db), events: createEventBus({ maxListeners: 2 }), clock: Date.now },
  );
  try {
    const ts = Date.now();
    const readings = Array.from(
      { length: 10 },
      (_, i) =>
        ({
          id: (i + 1).toString(16).padStart(16, '0'),
          deviceId: 'd-1',
          kind: 'flight',
          seq: i,
          ts: ts + i,
          receivedAt: ts + i,
          data: { seq: i, ts: ts + i, flightId: `F-${i}`, position: { lat: 1, lon: 1 }, batteryPct: 5 },
        }) as unknown as StoredReading,
    );
    service.submit(readings);
    await service.drain();
    const query = { from: 0, to: ts + 1e6, limit: 100, maxScan: 4 };
    // Someone who may see only the last alarm: the first page stops after 4 alarms looked at, with none shown.
    const visible = (a: { flightId: string | null }) => a.flightId === 'F-9';
    const first = await service.list({ ...query, visible });
    assert.deepEqual(first.alarms, []);
    assert.equal(first.more, true);
    const second = await service.list({ ...query, visible, after: first.lastKey! });
    const third = await service.list({ ...query, visible, after: second.lastKey! });
    assert.deepEqual(
      third.alarms.map((a) => a.flightId),
      ['F-9'],
    );
    assert.equal(third.more, false);
  } finally {
    await service.stop();
    await db.close();
    dir.remove();
  }
});
