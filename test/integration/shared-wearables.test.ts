/**
 * A wearable writes the history of the patient it is bound to; one bound to none writes only when the
 * admin provisioned it `shared: true` (a ward device). Otherwise its vitals are quarantined and explained.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { connectDevice, startTestGateway, type TestGateway, vitals } from '../helpers/gateway.ts';

async function until(check: () => boolean, timeoutMs = 5000) {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('unbound wearables', () => {
  let t: TestGateway;
  before(async () => {
    t = await startTestGateway();
  });
  after(() => t.stop());

  test("an unbound, unshared wearable cannot write a patient's history", async () => {
    const created = await t.api('POST', '/v1/devices', { body: { id: 'w-free', kind: 'wearable' } });
    assert.equal(created.statusCode, 201);
    assert.equal(created.body.shared, false);
    const client = await connectDevice(t.mqttUrl, {
      username: 'w-free',
      password: created.body.secret,
      clientId: 'w-free',
    });
    const reports: Array<{ seq: number; errors: Array<{ path: string; message: string }> }> = [];
    client.on('message', (_topic, payload) => reports.push(JSON.parse(payload.toString())));
    await client.subscribeAsync('tele/w-free/errors', { qos: 1 });
    const reading = vitals('P-VICTIM');
    await client.publishAsync('tele/w-free/vitals', JSON.stringify(reading), { qos: 1 });
    await until(() => reports.length === 1);
    await client.endAsync();
    assert.equal(reports[0]!.seq, reading.seq);
    assert.equal(reports[0]!.errors[0]!.path, 'patientId');
    assert.match(reports[0]!.errors[0]!.message, /bound to no patient.*shared/);
    const history = await t.api('GET', '/v1/patients/P-VICTIM/readings');
    assert.equal(history.body.readings.length, 0);
    const metrics = await t.api('GET', '/metrics', { token: null });
    assert.match(metrics.body, /medgate_readings_rejected_total\{kind="vitals",reason="unbound_device"\} 1/);
  });

  test('a wearable provisioned shared: true reports several patients', async () => {
    const created = await t.api('POST', '/v1/devices', {
      body: { id: 'w-ward', kind: 'wearable', shared: true },
    });
    assert.equal(created.statusCode, 201);
    assert.equal(created.body.shared, true);
    const client = await connectDevice(t.mqttUrl, {
      username: 'w-ward',
      password: created.body.secret,
      clientId: 'w-ward',
    });
    await client.publishAsync('tele/w-ward/vitals', JSON.stringify([vitals('P-W1'), vitals('P-W2')]), {
      qos: 1,
    });
    await client.endAsync();
    for (const p of ['P-W1', 'P-W2']) {
      assert.equal((await t.api('GET', `/v1/patients/${p}/readings`)).body.readings.length, 1, p);
    }
    const list = await t.api('GET', '/v1/devices');
    assert.equal(list.body.devices.find((d: any) => d.id === 'w-ward').shared, true);
    assert.equal(list.body.devices.find((d: any) => d.id === 'w-free').shared, false);
  });

  test('shared is for wearables without a patient', async () => {
    for (const body of [
      { id: 'x-1', kind: 'wearable', patientId: 'P-1', shared: true },
      { id: 'x-2', kind: 'drone', shared: true },
    ]) {
      const res = await t.api('POST', '/v1/devices', { body });
      assert.equal(res.statusCode, 400, JSON.stringify(body));
    }
  });
});
