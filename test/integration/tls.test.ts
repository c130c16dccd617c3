/** docs/devices.md: a TLS listener when `mqtt.tls` is configured; devices authenticate over it as over TCP. */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, test } from 'node:test';
import {
  allReadings,
  connectDevice,
  startTestGateway,
  type TestGateway,
  tempDir,
} from '../helpers/gateway.ts';
import { selfSignedCertificate } from '../helpers/tls.ts';

const dir = tempDir('medgate-tls-');
let t: TestGateway;

before(async () => {
  const certificate = selfSignedCertificate(dir.path);
  t = await startTestGateway({
    overrides: {
      mqtt: {
        tls: { port: 0, ...certificate },
        limits: { connectTimeoutSeconds: 1, pendingPerAddress: 3 },
      },
    },
  });
});
after(async () => {
  await t.stop();
  dir.remove();
});

test('a device publishes over mqtts and its reading is stored; a wrong secret is refused there too', async () => {
  const secret = await t.provision('tls-1', 'wearable', 'P-TLS');
  const port = t.gateway.mqttTlsPort();
  assert.ok(port && port > 0, 'the TLS listener is bound');
  const url = `mqtts://127.0.0.1:${port}`;
  const options = { rejectUnauthorized: false };
  const client = await connectDevice(url, {
    username: 'tls-1',
    password: secret,
    clientId: 'tls-1',
    ...options,
  });
  const reading = { seq: 1, ts: Date.now(), patientId: 'P-TLS', vitals: { heartRate: 66 } };
  await client.publishAsync('tele/tls-1/vitals', JSON.stringify(reading), { qos: 1 });
  client.end();
  const stored = await allReadings(t, 'P-TLS');
  assert.deepEqual(
    stored.map((r) => r.data),
    [reading],
  );
  await assert.rejects(
    connectDevice(url, { username: 'tls-1', password: 'nope', clientId: 'tls-1', ...options }),
    {
      code: 4,
    },
  );
});

test('a socket that never completes its TLS handshake is closed after the CONNECT timeout', async () => {
  const socket = connect({ port: t.gateway.mqttTlsPort()!, host: '127.0.0.1' });
  socket.on('error', () => {});
  const closed = new Promise<boolean>((resolve) => socket.once('close', () => resolve(true)));
  const timer = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 5000).unref());
  const result = await Promise.race([closed, timer]);
  socket.destroy();
  assert.equal(result, true);
});

test('sockets in their TLS handshake count against the caps of sockets awaiting CONNACK', async () => {
  const open = () => {
    const socket = connect({ port: t.gateway.mqttTlsPort()!, host: '127.0.0.1' });
    socket.on('error', () => {});
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    return { socket, closed, isClosed: false };
  };
  const stalled = [open(), open(), open()];
  for (const s of stalled) await new Promise((r) => s.socket.once('connect', r));
  const fourth = open();
  const timer = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 800).unref());
  assert.equal(
    await Promise.race([fourth.closed.then(() => true), timer]),
    true,
    'the 4th is closed at once',
  );
  for (const s of stalled) s.socket.destroy();
  fourth.socket.destroy();
});
