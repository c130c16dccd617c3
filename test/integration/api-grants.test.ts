/**
 * Grants on every route that returns patient data (docs/limits.md, "HTTP API and data at rest"): a
 * clinician granted patient A, and a patient token for A, try to read patient B through each route.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { connectDevice, startTestGateway, type TestGateway, vitals } from '../helpers/gateway.ts';

const B_NAME = 'Bernadette Secretname';
const B_PHONE = '+91-98300-55555';
const B_NOTES = 'leave with the neighbour at flat 4B';

describe('grants on patient data', () => {
  let t: TestGateway;
  let clinicianA: string;
  let patientA: string;
  let readingOfB: string;
  let deliveryOfB: string;

  before(async () => {
    t = await startTestGateway();
    const wa = await t.provision('w-a', 'wearable', 'P-A');
    const wb = await t.provision('w-b', 'wearable', 'P-B');
    const drone = await t.provision('d-1', 'drone');
    for (const [id, secret, patient] of [
      ['w-a', wa, 'P-A'],
      ['w-b', wb, 'P-B'],
    ] as const) {
      const c = await connectDevice(t.mqttUrl, { username: id, password: secret, clientId: id });
      await c.publishAsync(`tele/${id}/vitals`, JSON.stringify(vitals(patient)), { qos: 1 });
      await c.endAsync();
    }
    const d = await connectDevice(t.mqttUrl, { username: 'd-1', password: drone, clientId: 'd-1' });
    const now = Date.now();
    const position = { lat: 22.5726, lon: 88.3639, altM: 0 };
    await d.publishAsync(
      'tele/d-1/flight',
      JSON.stringify({ seq: 1, ts: now - 3000, flightId: 'F-G', position: { ...position, altM: 120 } }),
      { qos: 1 },
    );
    await d.publishAsync(
      'tele/d-1/delivery',
      JSON.stringify([
        {
          seq: 2,
          ts: now - 2000,
          flightId: 'F-G',
          event: 'delivered',
          patientId: 'P-A',
          position,
          recipient: { name: 'Anil Own', phone: '+91-11111-11111' },
          notes: 'handed over',
        },
        {
          seq: 3,
          ts: now - 1000,
          flightId: 'F-G',
          event: 'delivered',
          patientId: 'P-B',
          position,
          recipient: { name: B_NAME, phone: B_PHONE },
          notes: B_NOTES,
        },
      ]),
      { qos: 1 },
    );
    await d.endAsync();
    const token = async (role: string) =>
      (await t.api('POST', '/v1/tokens', { body: { role, patients: ['P-A'] } })).body.token as string;
    clinicianA = await token('clinician');
    patientA = await token('patient');
    const all = await t.api('GET', '/v1/flights/F-G');
    deliveryOfB = all.body.readings.find((r: any) => r.data.patientId === 'P-B').id;
    readingOfB = (await t.api('GET', '/v1/patients/P-B/readings')).body.readings[0].id;
  });
  after(() => t.stop());

  const leaksB = (body: unknown) => {
    const text = JSON.stringify(body);
    return ['P-B', B_NAME, B_PHONE, B_NOTES].filter((s) => text.includes(s));
  };

  test("readings: a clinician or patient token for A gets 403 on B's history", async () => {
    for (const token of [clinicianA, patientA]) {
      const res = await t.api('GET', '/v1/patients/P-B/readings', { token });
      assert.equal(res.statusCode, 403);
      assert.equal(res.body.code, 'ERR_FORBIDDEN');
      assert.equal((await t.api('GET', '/v1/patients/P-A/readings', { token })).statusCode, 200);
    }
  });

  test("flights: a clinician granted A sees B's delivery masked, A's in clear", async () => {
    const res = await t.api('GET', '/v1/flights/F-G', { token: clinicianA });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(leaksB(res.body), [], 'nothing of B in clear');
    const deliveries = res.body.readings.filter((r: any) => r.kind === 'delivery');
    assert.equal(deliveries.length, 2);
    const [ofA, ofB] = deliveries;
    assert.equal(ofA.data.patientId, 'P-A');
    assert.equal(ofA.data.recipient.name, 'Anil Own');
    assert.equal(ofA.masked, false);
    assert.equal(ofB.masked, true);
    assert.match(ofB.data.patientId, /^psn-[0-9a-f]{32}$/);
    assert.equal(ofB.data.recipient, undefined);
    assert.equal(ofB.data.notes, undefined);
    assert.equal(ofB.data.event, 'delivered');
    assert.notEqual(ofB.data.position.lon, 88.3639, 'the exact delivery position is generalized');
    // The admin sees both in clear.
    const admin = await t.api('GET', '/v1/flights/F-G');
    assert.equal(admin.body.readings.filter((r: any) => r.masked).length, 0);
    assert.ok(leaksB(admin.body).includes(B_NAME));
  });

  test("flights: a masked delivery is not logged as a read of B's data", async () => {
    const before = await t.gateway.accessLog.list({ limit: 100_000 });
    await t.api('GET', '/v1/flights/F-G', { token: clinicianA });
    const added = (await t.gateway.accessLog.list({ limit: 100_000 })).slice(before.length);
    assert.deepEqual(added.map((e) => e.patientId).sort(), ['P-A']);
  });

  test('flights: a patient token may not read flights', async () => {
    assert.equal((await t.api('GET', '/v1/flights/F-G', { token: patientA })).statusCode, 403);
  });

  test("proofs: a clinician or patient token for A gets 403 on B's reading and delivery", async () => {
    for (const token of [clinicianA, patientA]) {
      for (const id of [readingOfB, deliveryOfB]) {
        const res = await t.api('GET', `/v1/readings/${id}/proof`, { token });
        assert.equal(res.statusCode, 403, id);
        assert.deepEqual(leaksB(res.body), []);
      }
    }
  });

  test("ipfs: the batches a clinician granted A may fetch hold nothing of B's in clear", async () => {
    await t.gateway.sealer.sealOpen();
    const minutes = await t.api('GET', '/v1/minutes', { token: clinicianA });
    assert.ok(minutes.body.minutes.length > 0);
    for (const m of minutes.body.minutes) {
      const res = await t.gateway.api.inject({
        method: 'GET',
        url: `/ipfs/${m.batchCid}?format=car`,
        headers: { authorization: `Bearer ${clinicianA}` },
      });
      assert.equal(res.statusCode, 200);
      const text = res.rawPayload.toString('latin1');
      for (const secret of ['P-B', B_NAME, B_PHONE, B_NOTES]) assert.ok(!text.includes(secret), secret);
    }
  });

  test('minutes: no patient data for anyone', async () => {
    await t.gateway.sealer.sealOpen();
    const res = await t.api('GET', '/v1/minutes', { token: clinicianA });
    assert.equal(res.statusCode, 200);
    assert.ok(res.body.minutes.length > 0);
    assert.deepEqual(leaksB(res.body), []);
  });
});
