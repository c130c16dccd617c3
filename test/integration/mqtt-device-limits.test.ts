/**
 * Per-device bounds of docs/limits.md ("Connections and devices"), against a real gateway: connections
 * per device, QoS 2 flows awaiting PUBREL, persistent sessions (queue and expiry), keep-alive, QoS 0 rate,
 * wills.
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
import {
  CONNACK,
  closesWithin,
  connectPacket,
  PUBACK,
  PUBLISH,
  PUBREC,
  publishPacket,
  rawClient,
  SUBACK,
  subscribePacket,
} from '../helpers/raw-mqtt.ts';

async function metric(t: TestGateway, name: string): Promise<number> {
  const text = (await t.api('GET', '/metrics')).body as string;
  let total = 0;
  for (const line of String(text).split('\n')) {
    if (line.startsWith(`${name} `) || line.startsWith(`${name}{`)) total += Number(line.split(' ').pop());
  }
  return total;
}

async function until(check: () => Promise<boolean> | boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('MQTT per-device limits', () => {
  let t: TestGateway;
  const clients: MqttClient[] = [];
  before(async () => {
    t = await startTestGateway({
      overrides: {
        mqtt: {
          host: '127.0.0.1',
          port: 0,
          keepaliveLimitSeconds: 2,
          limits: {
            qos2Inflight: 4,
            sessionQueueMessages: 3,
            sessionExpirySeconds: 1,
            qos0PerSecond: 0.001,
            qos0Burst: 5,
          },
        },
      },
    });
  });
  after(async () => {
    for (const c of clients) c.end(true);
    await t.stop();
  });

  test('a device gets 4 connections; the 5th gets CONNACK 5 and the 4 stay up', async () => {
    const secret = await t.provision('w-conn', 'wearable', 'P-conn');
    for (let i = 0; i < 4; i++) {
      clients.push(
        await connectDevice(t.mqttUrl, { clientId: `w-conn:${i}`, username: 'w-conn', password: secret }),
      );
    }
    await assert.rejects(
      connectDevice(t.mqttUrl, { clientId: 'w-conn:4', username: 'w-conn', password: secret }),
      (err: Error & { code?: number }) => err.code === 5,
    );
    assert.ok(clients.every((c) => c.connected));
    // Taking over one of its own client ids is not a 5th connection.
    const again = await connectDevice(t.mqttUrl, {
      clientId: 'w-conn:0',
      username: 'w-conn',
      password: secret,
    });
    clients.push(again);
    for (const c of clients.splice(0)) c.end(true);
    await until(async () => (await metric(t, 'medgate_connected_devices')) === 0);
    // Once they are gone, the device connects again.
    clients.push(
      await connectDevice(t.mqttUrl, { clientId: 'w-conn:9', username: 'w-conn', password: secret }),
    );
  });

  test('QoS 2 messages awaiting PUBREL are bounded per client id, across reconnects', async () => {
    const secret = await t.provision('w-q2', 'wearable', 'P-q2');
    const login = { clientId: 'w-q2', username: 'w-q2', password: secret, clean: false };
    const first = await rawClient(t.gateway.mqttPort());
    first.send(connectPacket(login));
    await first.next(CONNACK);
    for (let id = 1; id <= 4; id++) {
      first.send(publishPacket('tele/w-q2/vitals', JSON.stringify(vitals('P-q2')), 2, id));
      await first.next(PUBREC);
    }
    first.socket.destroy();
    await first.closed;
    // Reconnecting does not give a fresh window: the stored flows still count.
    const second = await rawClient(t.gateway.mqttPort());
    second.send(connectPacket(login));
    await second.next(CONNACK);
    second.send(publishPacket('tele/w-q2/vitals', JSON.stringify(vitals('P-q2')), 2, 100));
    assert.equal(await closesWithin(second, 3000), true, 'connection closed over the QoS 2 bound');
    assert.ok((await metric(t, 'medgate_mqtt_qos2_refused_total')) >= 1);
  });

  test('a client asking for no keep-alive is held to the keep-alive limit', async () => {
    const secret = await t.provision('w-ka', 'wearable', 'P-ka');
    const idle = await rawClient(t.gateway.mqttPort());
    idle.send(connectPacket({ clientId: 'w-ka', username: 'w-ka', password: secret, keepalive: 0 }));
    const connack = await idle.next(CONNACK);
    assert.equal(connack.body[1], 0, 'accepted');
    // Silent past 1.5 x the 2 s limit: closed.
    assert.equal(await closesWithin(idle, 6000), true);
  });

  test('QoS 0 above the per-device rate is dropped and counted; the connection stays', async () => {
    const secret = await t.provision('w-q0', 'wearable', 'P-q0');
    const raw = await rawClient(t.gateway.mqttPort());
    raw.send(connectPacket({ clientId: 'w-q0', username: 'w-q0', password: secret }));
    await raw.next(CONNACK);
    const burst = [];
    for (let i = 0; i < 20; i++)
      burst.push(publishPacket('tele/w-q0/vitals', JSON.stringify(vitals('P-q0')), 0));
    raw.send(Buffer.concat(burst));
    raw.send(publishPacket('tele/w-q0/vitals', JSON.stringify(vitals('P-q0')), 1, 7));
    await raw.next(PUBACK);
    assert.equal(raw.isClosed(), false);
    assert.equal((await allReadings(t, 'P-q0')).length, 6, 'the burst of 5 and the QoS 1 message');
    assert.equal(await metric(t, 'medgate_mqtt_qos0_dropped_total'), 15);
    raw.socket.destroy();
  });

  test('a will on the own vitals topic is never stored as a reading', async () => {
    const secret = await t.provision('w-will', 'wearable', 'P-will');
    const will = vitals('P-will');
    const raw = await rawClient(t.gateway.mqttPort());
    raw.send(
      connectPacket({
        clientId: 'w-will',
        username: 'w-will',
        password: secret,
        will: { topic: 'tele/w-will/vitals', payload: JSON.stringify(will), qos: 1 },
      }),
    );
    assert.equal((await raw.next(CONNACK)).body[1], 0);
    raw.socket.destroy(); // ends abruptly: the broker would publish the will now
    await until(async () => (await metric(t, 'medgate_connected_devices')) === 0);
    // A reading from another connection, acknowledged after any will would have been committed.
    const other = await connectDevice(t.mqttUrl, {
      clientId: 'w-will:2',
      username: 'w-will',
      password: secret,
    });
    await other.publishAsync('tele/w-will/vitals', JSON.stringify(vitals('P-will')), { qos: 1 });
    other.end(true);
    const readings = await allReadings(t, 'P-will');
    assert.equal(readings.length, 1);
    assert.notEqual(readings[0].data.seq, will.seq);
  });
});

describe('MQTT persistent sessions', () => {
  test('an offline persistent session queues at most sessionQueueMessages, then expires', async () => {
    // Its own gateway: the expiry count must be this session's alone.
    const t = await startTestGateway({
      overrides: {
        mqtt: { host: '127.0.0.1', port: 0, limits: { sessionQueueMessages: 3, sessionExpirySeconds: 1 } },
      },
    });
    try {
      const secret = await t.provision('w-sess', 'wearable', 'P-sess');
      const login = { clientId: 'w-sess', username: 'w-sess', password: secret, clean: false };
      const sub = await rawClient(t.gateway.mqttPort());
      sub.send(connectPacket(login));
      await sub.next(CONNACK);
      sub.send(subscribePacket('tele/w-sess/errors', 1));
      await sub.next(SUBACK);
      sub.socket.destroy();
      await sub.closed;
      // Another connection of the device sends 8 invalid readings: 8 error reports for the offline session.
      const pub = await connectDevice(t.mqttUrl, {
        clientId: 'w-sess:pub',
        username: 'w-sess',
        password: secret,
      });
      for (let i = 0; i < 8; i++) await pub.publishAsync('tele/w-sess/vitals', '{"seq": "x"}', { qos: 1 });
      pub.end(true);
      await until(async () => (await metric(t, 'medgate_mqtt_session_messages_dropped_total')) >= 5);
      const back = await rawClient(t.gateway.mqttPort());
      back.send(connectPacket(login));
      const connack = await back.next(CONNACK);
      assert.equal(connack.body[0], 1, 'session present');
      await until(() => back.received.filter((p) => p.type === PUBLISH).length >= 3);
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(back.received.filter((p) => p.type === PUBLISH).length, 3);
      back.socket.destroy();
      await back.closed;
      // One second after its last connection closed the session is dropped.
      await until(async () => (await metric(t, 'medgate_mqtt_sessions_expired_total')) >= 1);
      const later = await rawClient(t.gateway.mqttPort());
      later.send(connectPacket(login));
      assert.equal((await later.next(CONNACK)).body[0], 0, 'no session present after expiry');
      later.socket.destroy();
    } finally {
      await t.stop();
    }
  });

  test('a device keeps at most sessionsPerDevice persistent sessions; a new one drops its oldest idle one', async () => {
    const t = await startTestGateway({
      overrides: { mqtt: { host: '127.0.0.1', port: 0, limits: { sessionsPerDevice: 2 } } },
    });
    try {
      const secret = await t.provision('w-many', 'wearable', 'P-many');
      const session = async (clientId: string) => {
        const raw = await rawClient(t.gateway.mqttPort());
        raw.send(connectPacket({ clientId, username: 'w-many', password: secret, clean: false }));
        const present = (await raw.next(CONNACK)).body[0];
        raw.send(subscribePacket('tele/w-many/errors', 1));
        await raw.next(SUBACK);
        raw.socket.destroy();
        await raw.closed;
        return present;
      };
      assert.equal(await session('w-many:1'), 0);
      assert.equal(await session('w-many:2'), 0);
      assert.equal(await session('w-many:3'), 0); // the 3rd drops w-many:1, the oldest
      assert.equal(await session('w-many:3'), 1);
      assert.equal(await session('w-many:2'), 1);
      assert.equal(await session('w-many:1'), 0, 'dropped');
    } finally {
      await t.stop();
    }
  });
});
