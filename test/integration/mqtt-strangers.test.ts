/**
 * Before a CONNECT is authenticated (docs/limits.md, "Connections and devices"): CONNECT size and
 * timeout, sockets awaiting CONNACK per address and in all, sockets in all, slow hashes, lockouts, and
 * the escaping of what strangers write into the log.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { connectDevice, startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import {
  CONNACK,
  closesWithin,
  connectPacket,
  PUBACK,
  publishPacket,
  type RawClient,
  rawClient,
} from '../helpers/raw-mqtt.ts';

async function metric(t: TestGateway, name: string, label = ''): Promise<number> {
  const text = String((await t.api('GET', '/metrics')).body);
  let total = 0;
  for (const line of text.split('\n')) {
    if (!(line.startsWith(`${name} `) || line.startsWith(`${name}{`))) continue;
    if (label && !line.includes(label)) continue;
    total += Number(line.split(' ').pop());
  }
  return total;
}

/** Sends a CONNECT and returns the CONNACK return code. */
async function login(t: TestGateway, clientId: string, username: string, password: string): Promise<number> {
  const raw = await rawClient(t.gateway.mqttPort());
  raw.send(connectPacket({ clientId, username, password }));
  const connack = await raw.next(CONNACK);
  raw.socket.destroy();
  return connack.body[1]!;
}

async function withGateway(
  limits: Record<string, unknown>,
  run: (t: TestGateway) => Promise<void>,
  extra: Record<string, unknown> = {},
): Promise<void> {
  const t = await startTestGateway({ overrides: { mqtt: { host: '127.0.0.1', port: 0, limits, ...extra } } });
  try {
    await run(t);
  } finally {
    await t.stop();
  }
}

describe('MQTT before CONNECT', () => {
  test('a CONNECT announcing more than 16 KiB closes the socket at once', () =>
    withGateway({}, async (t) => {
      const raw = await rawClient(t.gateway.mqttPort());
      // Fixed header of a CONNECT announcing 20,000 bytes, then a stall.
      raw.send(Buffer.from([0x10, 0xa0, 0x9c, 0x01, 0x00, 0x04]));
      assert.equal(await closesWithin(raw, 2000), true);
      assert.equal(await metric(t, 'medgate_mqtt_connections_refused_total', 'connect_too_large'), 1);
    }));

  test('packets sent ahead of the CONNACK get the CONNECT size bound', () =>
    withGateway({}, async (t) => {
      const raw = await rawClient(t.gateway.mqttPort());
      raw.send(
        Buffer.concat([
          connectPacket({ clientId: 'nobody', username: 'nobody', password: 'x' }),
          publishPacket('tele/nobody/vitals', 'x'.repeat(20_000), 1, 1),
        ]),
      );
      await raw.closed;
      assert.equal(raw.received.length, 0, 'closed before any CONNACK');
      assert.equal(await metric(t, 'medgate_mqtt_connections_refused_total', 'connect_too_large'), 1);
    }));

  test('at most packetsBeforeConnack packets are held ahead of the CONNACK', () =>
    withGateway({ packetsBeforeConnack: 4 }, async (t) => {
      const raw = await rawClient(t.gateway.mqttPort());
      const pings = Array.from({ length: 10 }, () => Buffer.from([0xc0, 0x00]));
      raw.send(
        Buffer.concat([connectPacket({ clientId: 'nobody', username: 'nobody', password: 'x' }), ...pings]),
      );
      await raw.closed;
      assert.equal(raw.received.length, 0, 'closed before any CONNACK');
    }));

  test('a socket that sends no CONNECT within the timeout is closed', () =>
    withGateway({ connectTimeoutSeconds: 0.3 }, async (t) => {
      const raw = await rawClient(t.gateway.mqttPort());
      assert.equal(await closesWithin(raw, 3000), true);
    }));

  test('sockets awaiting CONNACK are capped per address; a device still connects after', () =>
    withGateway({ pendingPerAddress: 3 }, async (t) => {
      const secret = await t.provision('w-pend', 'wearable', 'P-pend');
      const stalled: RawClient[] = [];
      for (let i = 0; i < 3; i++) stalled.push(await rawClient(t.gateway.mqttPort()));
      const fourth = await rawClient(t.gateway.mqttPort());
      assert.equal(await closesWithin(fourth, 2000), true, 'the 4th socket from the address is closed');
      assert.equal(
        stalled.some((s) => s.isClosed()),
        false,
      );
      for (const s of stalled) s.socket.destroy();
      await Promise.all(stalled.map((s) => s.closed));
      const device = await connectDevice(t.mqttUrl, {
        clientId: 'w-pend',
        username: 'w-pend',
        password: secret,
      });
      device.end(true);
      assert.equal(await metric(t, 'medgate_mqtt_connections_refused_total', 'pending_per_address'), 1);
    }));

  test('over the cap of sockets awaiting CONNACK the oldest waiting one makes room', () =>
    withGateway({ pendingConnections: 3, pendingPerAddress: 100 }, async (t) => {
      const secret = await t.provision('w-evict', 'wearable', 'P-evict');
      const stalled: RawClient[] = [];
      for (let i = 0; i < 3; i++) stalled.push(await rawClient(t.gateway.mqttPort()));
      const device = await connectDevice(t.mqttUrl, {
        clientId: 'w-evict',
        username: 'w-evict',
        password: secret,
      });
      assert.equal(await closesWithin(stalled[0]!, 2000), true, 'the oldest stalled socket is closed');
      assert.equal(stalled[2]!.isClosed(), false);
      device.end(true);
      for (const s of stalled) s.socket.destroy();
    }));

  test('over the cap of sockets in all new sockets are closed at once; connected devices go on', () =>
    withGateway({ maxConnections: 2, pendingPerAddress: 100 }, async (t) => {
      const secret = await t.provision('w-cap', 'wearable', 'P-cap');
      const devices: RawClient[] = [];
      for (const clientId of ['w-cap:1', 'w-cap:2']) {
        const device = await rawClient(t.gateway.mqttPort());
        device.send(connectPacket({ clientId, username: 'w-cap', password: secret }));
        assert.equal((await device.next(CONNACK)).body[1], 0);
        devices.push(device);
      }
      const stranger = await rawClient(t.gateway.mqttPort());
      assert.equal(await closesWithin(stranger, 2000), true);
      assert.equal(await metric(t, 'medgate_mqtt_connections_refused_total', 'max_connections'), 1);
      devices[0]!.send(publishPacket('tele/w-cap/vitals', JSON.stringify({ seq: 1 }), 1, 3));
      await devices[0]!.next(PUBACK);
      for (const d of devices) d.socket.destroy();
    }));
});

describe('MQTT logins', () => {
  test('slow hashes run in bounded slots; beyond the queue a login gets CONNACK 3', () =>
    withGateway({ hashConcurrency: 1, hashQueue: 2 }, async (t) => {
      const secret = await t.provision('w-busy', 'wearable', 'P-busy');
      const codes = await Promise.all(
        Array.from({ length: 20 }, (_, i) => login(t, `w-busy:${i}`, 'w-busy', 'wrong-secret')),
      );
      assert.ok(codes.includes(3), `some logins refused as busy: ${codes.join(',')}`);
      assert.ok(codes.every((c) => c === 3 || c === 4 || c === 5));
      assert.ok(
        (await metric(t, 'medgate_mqtt_auth_hashes_total')) <= 20 - codes.filter((c) => c === 3).length,
      );
      assert.equal(await login(t, 'w-busy', 'w-busy', secret), 0);
    }));

  test('an unknown device id costs a slow hash like a known one, and gets the same code', () =>
    withGateway({}, async (t) => {
      await t.provision('w-known', 'wearable', 'P-known');
      assert.equal(await login(t, 'w-ghost', 'w-ghost', 'guess'), 4);
      assert.equal(await metric(t, 'medgate_mqtt_auth_hashes_total'), 1);
      // A known id with a foreign client id and a wrong secret: also 4, also one hash.
      assert.equal(await login(t, 'other', 'w-known', 'guess'), 4);
      assert.equal(await metric(t, 'medgate_mqtt_auth_hashes_total'), 2);
    }));

  test('failed logins from an address never lock out a device presenting its right secret', () =>
    withGateway({}, async (t) => {
      const secret = await t.provision('w-nat', 'wearable', 'P-nat');
      for (let i = 0; i < 25; i++) assert.notEqual(await login(t, `x${i}`, `x${i}`, 'wrong'), 0);
      assert.equal(await login(t, `y`, 'y', 'wrong'), 5, 'the address is locked out for wrong credentials');
      assert.equal(await login(t, 'w-nat', 'w-nat', secret), 0, 'the right secret still gets in');
      assert.equal(await login(t, 'w-nat:2', 'w-nat', secret), 0);
    }));

  test('failed logins against a device id lock out wrong secrets, not the right one', () =>
    withGateway({}, async (t) => {
      const secret = await t.provision('w-target', 'wearable', 'P-target');
      for (let i = 0; i < 20; i++) await login(t, 'w-target', 'w-target', `guess-${i}`);
      assert.equal(await login(t, 'w-target', 'w-target', 'guess-x'), 5);
      // Several connections of the device at once, while locked out: every one gets in.
      const sockets = await Promise.all([1, 2, 3].map(() => rawClient(t.gateway.mqttPort())));
      for (const [i, s] of sockets.entries()) {
        s.send(connectPacket({ clientId: `w-target:${i}`, username: 'w-target', password: secret }));
      }
      const codes = await Promise.all(sockets.map(async (s) => (await s.next(CONNACK)).body[1]));
      assert.deepEqual(codes, [0, 0, 0]);
      for (const s of sockets) s.socket.destroy();
    }));
});

describe('MQTT log lines', () => {
  let t: TestGateway;
  const lines: string[] = [];
  before(async () => {
    t = await startTestGateway({ log: (level, message) => lines.push(`${level} ${message}`) });
  });
  after(() => t.stop());

  test('client ids and user names with line breaks and escape codes are escaped', async () => {
    const forged = 'evil\n2026-11-27T00:00:00.000Z info  device w-1 connected\u001b[2J';
    await login(t, forged, `${forged}-user`, 'x');
    const refused = lines.filter((l) => l.includes('evil'));
    assert.ok(refused.length >= 1);
    for (const line of refused) {
      for (const c of ['\n', '\r', '\u001b']) assert.equal(line.includes(c), false);
      assert.match(line, /evil\\n2026/);
    }
  });
});
