/**
 * Devices over MQTT against a real gateway (docs/devices.md): valid readings come back through the API, invalid
 * ones are acknowledged, quarantined and reported, and every refusal happens as the spec says.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { MqttClient } from 'mqtt';
import {
  allReadings,
  closed,
  connectDevice,
  startTestGateway,
  type TestGateway,
  vitals,
} from '../helpers/gateway.ts';

const publish = (client: MqttClient, topic: string, payload: string | Buffer, qos: 0 | 1 | 2 = 1) =>
  client.publishAsync(topic, payload, { qos });

/** Collects the error reports a device receives on its errors topic. */
async function errorReports(client: MqttClient, deviceId: string) {
  const reports: Array<{
    code: string;
    seq: number | null;
    errors: Array<{ path: string; message: string }>;
  }> = [];
  client.on('message', (topic, payload) => {
    if (topic === `tele/${deviceId}/errors`) reports.push(JSON.parse(payload.toString()));
  });
  const granted = await client.subscribeAsync(`tele/${deviceId}/errors`, { qos: 1 });
  assert.equal(granted[0]?.qos, 1);
  return reports;
}

async function until(check: () => boolean, timeoutMs = 5000) {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('MQTT ingestion', () => {
  let t: TestGateway;
  const secrets: Record<string, string> = {};

  before(async () => {
    t = await startTestGateway({ overrides: { mqtt: { maxPayloadBytes: 65_536, maxPacketBytes: 262_144 } } });
    secrets.w1 = await t.provision('w1', 'wearable', 'P-1');
    secrets.w2 = await t.provision('w2', 'wearable', 'P-2');
    secrets.d1 = await t.provision('d1', 'drone');
  });
  after(() => t.stop());

  const device = (id: string, clientId = id) =>
    connectDevice(t.mqttUrl, { username: id, password: secrets[id], clientId });

  test('valid readings published with QoS 1 come back through the API', async () => {
    const client = await device('w1');
    const sent = [vitals('P-1'), vitals('P-1', { ts: Date.now() }), vitals('P-1')];
    await publish(client, 'tele/w1/vitals', JSON.stringify(sent[0]));
    await publish(client, 'tele/w1/vitals', JSON.stringify(sent.slice(1)));
    client.end();
    const stored = await allReadings(t, 'P-1');
    for (const reading of sent) {
      const match = stored.filter((r) => r.deviceId === 'w1' && r.data.seq === reading.seq);
      assert.equal(match.length, 1, `seq ${reading.seq} stored once`);
      assert.deepEqual(match[0].data, reading);
      assert.equal(match[0].kind, 'vitals');
      assert.equal(match[0].proof.status, 'pending');
    }
  });

  test('drone flight telemetry and delivery events come back in order through /v1/flights', async () => {
    const client = await device('d1');
    const t0 = Date.now() - 10_000;
    const flight = {
      seq: 1,
      ts: t0,
      flightId: 'F-1',
      position: { lat: 22.57, lon: 88.36, altM: 120 },
      speedMps: 14,
    };
    const delivered = {
      seq: 2,
      ts: t0 + 5000,
      flightId: 'F-1',
      event: 'delivered',
      patientId: 'P-1',
      payload: { kind: 'vaccine', description: 'BCG x10', quantity: 10 },
      recipient: { name: 'A. Patient', phone: '+91 555 0100' },
    };
    await publish(client, 'tele/d1/delivery', JSON.stringify(delivered));
    await publish(client, 'tele/d1/flight', JSON.stringify(flight));
    client.end();
    const res = await t.api('GET', '/v1/flights/F-1');
    assert.equal(res.statusCode, 200);
    assert.deepEqual(
      res.body.readings.map((r: any) => [r.kind, r.data.seq]),
      [
        ['flight', 1],
        ['delivery', 2],
      ],
    );
  });

  test('invalid readings are acknowledged, quarantined and reported; valid siblings are kept', async () => {
    const client = await device('w1', 'w1:errors');
    const reports = await errorReports(client, 'w1');
    const good = vitals('P-1');
    const cases: Array<[string, unknown]> = [
      ['vitals.spo2', vitals('P-1', { vitals: { spo2: 30 } })],
      ['vitals.heartRate', vitals('P-1', { vitals: { heartRate: 400 } })],
      ['vitals.systolic', vitals('P-1', { vitals: { systolic: 80, diastolic: 90 } })],
      ['vitals.temperature', vitals('P-1', { vitals: { temperature: 50 } })],
      ['vitals.steps', vitals('P-1', { vitals: { steps: 1.5 } })],
      ['vitals', vitals('P-1', { vitals: {} })],
      ['colour', vitals('P-1', { colour: 'red' })],
      ['ts', vitals('P-1', { ts: Date.now() + 10 * 60_000 })],
      ['ts', vitals('P-1', { ts: Date.now() - 8 * 86_400_000 })],
      ['ts', vitals('P-1', { ts: '2026-11-24 03:40' })],
      ['patientId', vitals('P-1', { patientId: 'P 1!' })],
      ['patientId', vitals('P-2')],
      ['battery', vitals('P-1', { battery: 1.5 })],
      ['ecg.mv', vitals('P-1', { ecg: { hz: 250, mv: new Array(5001).fill(0.1) } })],
    ];
    // One offline buffer mixing the valid reading with every invalid one.
    await publish(client, 'tele/w1/vitals', JSON.stringify([good, ...cases.map(([, r]) => r)]));
    await until(() => reports.length >= cases.length);
    for (const [path, reading] of cases) {
      const seq = (reading as { seq: number }).seq;
      const report = reports.find((r) => r.seq === seq);
      assert.ok(report, `report for seq ${seq}`);
      assert.equal(report.code, 'ERR_READING_INVALID');
      assert.ok(
        report.errors.some((e) => e.path === path || e.path.startsWith(`${path}.`)),
        `seq ${seq}: expected an error at ${path}, got ${JSON.stringify(report.errors)}`,
      );
    }
    const stored = await allReadings(t, 'P-1');
    assert.equal(stored.filter((r) => r.data.seq === good.seq).length, 1, 'the valid sibling is stored');
    for (const [, reading] of cases) {
      assert.equal(stored.filter((r) => r.data.seq === (reading as { seq: number }).seq).length, 0);
    }
    client.end();
  });

  test('malformed messages are acknowledged and reported without a seq', async () => {
    const client = await device('w1', 'w1:malformed');
    const reports = await errorReports(client, 'w1');
    const array501 = Array.from({ length: 501 }, () =>
      vitals('P-1', { ts: Date.now(), vitals: { heartRate: 70 } }),
    );
    const payloads: Array<[string | Buffer, RegExp]> = [
      ['{not json', /not JSON/],
      [Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), /UTF-8/],
      ['42', /object/],
      ['[]', /empty array/],
      [JSON.stringify(array501), /501 readings exceeds the limit of 500/],
      [JSON.stringify(vitals('P-1', { notes: 'x'.repeat(70_000) })), /exceeds the limit of 65536/],
    ];
    for (const [payload] of payloads) await publish(client, 'tele/w1/vitals', payload);
    await until(() => reports.length >= payloads.length);
    payloads.forEach(([, pattern], i) => {
      assert.equal(reports[i]?.seq, null);
      assert.equal(reports[i]?.code, 'ERR_PAYLOAD_MALFORMED');
      assert.match(reports[i]?.errors[0]?.message ?? '', pattern);
    });
    const stored = await allReadings(t, 'P-1');
    for (const reading of array501) assert.ok(!stored.some((r) => r.data.seq === reading.seq));
    const metrics = await t.api('GET', '/metrics', { token: null });
    assert.match(metrics.body, /medgate_readings_rejected_total\{kind="vitals",reason="malformed"\} 5/);
    assert.match(metrics.body, /medgate_readings_rejected_total\{kind="vitals",reason="too_large"\} 1/);
    client.end();
  });

  test('a repeated (deviceId, seq) is acknowledged and not stored again', async () => {
    const client = await device('w2');
    const reading = vitals('P-2');
    await publish(client, 'tele/w2/vitals', JSON.stringify(reading));
    await publish(client, 'tele/w2/vitals', JSON.stringify(reading));
    await publish(client, 'tele/w2/vitals', JSON.stringify([reading, reading]));
    client.end();
    const stored = await allReadings(t, 'P-2');
    assert.equal(stored.filter((r) => r.data.seq === reading.seq).length, 1);
  });

  test('wrong secret and unknown device get CONNACK 4', async () => {
    await assert.rejects(connectDevice(t.mqttUrl, { username: 'w1', password: 'nope', clientId: 'w1' }), {
      code: 4,
    });
    await assert.rejects(connectDevice(t.mqttUrl, { username: 'ghost', password: 'x', clientId: 'ghost' }), {
      code: 4,
    });
    await assert.rejects(connectDevice(t.mqttUrl, { clientId: 'anon' }), { code: 4 });
  });

  test("another device's client id gets CONNACK 5", async () => {
    await assert.rejects(device('w1', 'w2'), { code: 5 });
    await assert.rejects(device('w1', 'w1x'), { code: 5 });
    await assert.rejects(device('w1', 'w1:'), { code: 5 });
    const second = await device('w1', 'w1:backup');
    second.end();
  });

  test("publishing on another device's topic closes the connection and stores nothing", async () => {
    const client = await device('w1', 'w1:rogue');
    const reading = vitals('P-2');
    client.publish('tele/w2/vitals', JSON.stringify(reading), { qos: 1 });
    await closed(client);
    client.end(true);
    const other = await device('w1', 'w1:rogue2');
    other.publish('tele/w1/flight', JSON.stringify(reading), { qos: 1 });
    await closed(other);
    other.end(true);
    const stranger = await device('w1', 'w1:rogue3');
    stranger.publish('hospital/all', JSON.stringify(reading), { qos: 1 });
    await closed(stranger);
    stranger.end(true);
    assert.equal((await allReadings(t, 'P-2')).filter((r) => r.data.seq === reading.seq).length, 0);
  });

  test('subscribing outside the own errors topic is refused with SUBACK 0x80', async () => {
    const client = await device('w1', 'w1:sub');
    for (const topic of ['tele/w2/errors', 'tele/w1/vitals', 'tele/#', '#']) {
      // mqtt.js rejects a subscription whose SUBACK carries a failure code, with the packet attached.
      await assert.rejects(
        client.subscribeAsync(topic, { qos: 1 }),
        (err: { packet?: { granted?: number[] } }) => {
          assert.deepEqual(err.packet?.granted, [128], topic);
          return true;
        },
      );
    }
    assert.ok(client.connected, 'a refused subscription does not close the connection');
    client.end();
  });

  test('a packet announcing more than maxPacketBytes closes the connection at once', async () => {
    const client = await device('w1', 'w1:huge');
    client.publish('tele/w1/vitals', Buffer.alloc(300_000, 0x20), { qos: 1 });
    await closed(client);
    client.end(true);
    const metrics = await t.api('GET', '/metrics', { token: null });
    assert.match(metrics.body, /medgate_mqtt_connections_refused_total\{reason="packet_too_large"\} 1/);
  });

  test('revoking a device disconnects it at once and refuses it afterwards with CONNACK 5', async () => {
    const secret = await t.provision('w-revoke', 'wearable', 'P-R');
    const client = await connectDevice(t.mqttUrl, {
      username: 'w-revoke',
      password: secret,
      clientId: 'w-revoke',
    });
    const gone = closed(client);
    const res = await t.api('DELETE', '/v1/devices/w-revoke');
    assert.equal(res.statusCode, 200);
    assert.equal(res.body.disconnected, 1);
    assert.ok(res.body.revokedAt);
    await gone;
    client.end(true);
    await assert.rejects(
      connectDevice(t.mqttUrl, { username: 'w-revoke', password: secret, clientId: 'w-revoke' }),
      { code: 5 },
    );
    assert.equal((await allReadings(t, 'P-R')).length, 0);
  });
});
