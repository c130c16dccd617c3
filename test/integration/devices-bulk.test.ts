/** Bulk provisioning (docs/devices.md): an array of devices, all or none, each secret shown once. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import mqtt from 'mqtt';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';

let t: TestGateway;
before(async () => {
  t = await startTestGateway({
    overrides: { http: { host: '127.0.0.1', port: 0, devices: { maxPerRequest: 4 } } },
  });
});
after(() => t.stop());

const ids = async () => new Set((await t.api('GET', '/v1/devices')).body.devices.map((d: any) => d.id));

async function metric(name: string): Promise<string> {
  const text = (await t.api('GET', '/metrics', { token: null })).body as string;
  return text
    .split('\n')
    .filter((line) => line.startsWith(name))
    .join('\n');
}

test('an array provisions every device and shows each secret once', async () => {
  const res = await t.api('POST', '/v1/devices', {
    body: [
      { id: 'b-1', kind: 'wearable', patientId: 'P-B1' },
      { id: 'b-2', kind: 'wearable', shared: true },
      { id: 'b-3', kind: 'drone' },
    ],
  });
  assert.equal(res.statusCode, 201, JSON.stringify(res.body));
  const devices = res.body.devices;
  assert.deepEqual(
    devices.map((d: any) => [d.id, d.kind, d.patientId, d.shared]),
    [
      ['b-1', 'wearable', 'P-B1', false],
      ['b-2', 'wearable', null, true],
      ['b-3', 'drone', null, false],
    ],
  );
  const secrets = new Set(devices.map((d: any) => d.secret));
  assert.equal(secrets.size, 3);
  for (const d of devices) assert.match(d.secret, /^\S{16,}$/);
  const listed = (await t.api('GET', '/v1/devices')).body.devices.filter((d: any) => d.id.startsWith('b-'));
  assert.equal(listed.length, 3);
  for (const d of listed) assert.ok(!('secret' in d) && !('secretHash' in d));
  // A secret from the bulk answer logs in over MQTT.
  const client = await mqtt.connectAsync(t.mqttUrl, {
    clientId: 'b-3',
    username: 'b-3',
    password: devices[2].secret,
    reconnectPeriod: 0,
  });
  await client.endAsync();
  assert.match(await metric('medgate_devices_provisioned_total'), / 3$/);
});

test('a bad row refuses the whole array, naming its index; nothing is created', async () => {
  const before = await ids();
  const cases: Array<[unknown[], number, string, RegExp]> = [
    [
      [
        { id: 'c-1', kind: 'wearable' },
        { id: 'c-2', kind: 'drone', patientId: 'P-1' },
      ],
      400,
      'ERR_BAD_REQUEST',
      /body\[1\]\.patientId/,
    ],
    [
      [
        { id: 'c-3', kind: 'drone' },
        { id: 'c-4', kind: 'drone' },
        { id: 'c 5', kind: 'drone' },
      ],
      400,
      'ERR_BAD_REQUEST',
      /\b2\b.*id|id.*\b2\b/,
    ],
    [
      [
        { id: 'c-6', kind: 'drone' },
        { id: 'b-1', kind: 'wearable' },
      ],
      409,
      'ERR_CONFLICT',
      /body\[1\]\.id/,
    ],
    [
      [
        { id: 'c-7', kind: 'drone' },
        { id: 'c-8', kind: 'drone' },
        { id: 'c-7', kind: 'drone' },
      ],
      409,
      'ERR_CONFLICT',
      /\[2\]\.id/,
    ],
    [[], 400, 'ERR_BAD_REQUEST', /./],
  ];
  for (const [body, status, code, message] of cases) {
    const res = await t.api('POST', '/v1/devices', { body });
    assert.equal(res.statusCode, status, JSON.stringify(res.body));
    assert.equal(res.body.code, code);
    assert.match(res.body.message, message);
  }
  assert.deepEqual(await ids(), before);
});

test('more devices than http.devices.maxPerRequest get 413 and are counted', async () => {
  const body = Array.from({ length: 5 }, (_, i) => ({ id: `d-${i}`, kind: 'drone' }));
  const res = await t.api('POST', '/v1/devices', { body });
  assert.equal(res.statusCode, 413);
  assert.equal(res.body.code, 'ERR_TOO_MANY_DEVICES');
  assert.match(res.body.message, /at most 4/);
  assert.ok(!(await ids()).has('d-0'));
  assert.match(await metric('medgate_devices_provision_refused_total{reason="too_many"}'), / 1$/);
  const ok = await t.api('POST', '/v1/devices', { body: body.slice(0, 4) });
  assert.equal(ok.statusCode, 201);
  assert.equal(ok.body.devices.length, 4);
});

test('the token is checked before the array: a stranger gets 401 and nothing is counted', async () => {
  const body = Array.from({ length: 5 }, (_, i) => ({ id: `s-${i}`, kind: 'drone' }));
  const before = await metric('medgate_devices_provision_refused_total{reason="too_many"}');
  for (const token of [null, 'not-a-token']) {
    const res = await t.api('POST', '/v1/devices', { token, body });
    assert.equal(res.statusCode, 401, JSON.stringify(res.body));
  }
  const bad = await t.api('POST', '/v1/devices', { token: null, body: [{ id: 'bad id', kind: 'toaster' }] });
  assert.equal(bad.statusCode, 401);
  assert.equal(await metric('medgate_devices_provision_refused_total{reason="too_many"}'), before);
});

test('one device in an object still answers as before', async () => {
  const res = await t.api('POST', '/v1/devices', { body: { id: 'e-1', kind: 'drone' } });
  assert.equal(res.statusCode, 201);
  assert.equal(res.body.id, 'e-1');
  assert.equal(typeof res.body.secret, 'string');
});
