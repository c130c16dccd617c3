/**
 * Drones in FHIR (docs/fhir.md, "Drones"): delivery events as SupplyDelivery and Task, flight telemetry as
 * Observations about the drone, with the grants and masking of /v1.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { fhirErrors, jsonSchemaErrors, ucumCodes } from '../helpers/fhir-validate.ts';
import { connectDevice, startTestGateway, type TestGateway } from '../helpers/gateway.ts';

const SECRET = { name: 'Bimala Hiddenname', phone: '+91-90000-12345', notes: 'behind the temple gate' };

describe('FHIR drones', () => {
  let t: TestGateway;
  let clinician: string;
  let patient: string;
  let flightIds: string[];
  let otherDelivery: string;

  before(async () => {
    t = await startTestGateway();
    const secret = await t.provision('fd-1', 'drone');
    const d = await connectDevice(t.mqttUrl, { username: 'fd-1', password: secret, clientId: 'fd-1' });
    const now = Date.now() - 60_000;
    const position = { lat: 22.5726, lon: 88.3639, altM: 0 };
    const events = ['dispatched', 'takeoff', 'arrived', 'delivered'].map((event, i) => ({
      seq: i + 1,
      ts: now + i * 1000,
      flightId: 'F-D',
      event,
      patientId: 'P-D1',
      payload: { kind: 'vaccine', description: 'BCG x10', quantity: 10 },
      position,
    }));
    const flight = [0, 1, 2].map((i) => ({
      seq: 10 + i,
      ts: now + 500 + i * 1000,
      flightId: 'F-D',
      position: { lat: 22.57 + i / 1000, lon: 88.36, altM: 120 },
      speedMps: 14,
      headingDeg: 90,
      batteryPct: 80 - i,
      payloadTempC: 4.2,
    }));
    await d.publishAsync('tele/fd-1/delivery', JSON.stringify(events), { qos: 1 });
    await d.publishAsync('tele/fd-1/flight', JSON.stringify(flight), { qos: 1 });
    await d.publishAsync(
      'tele/fd-1/delivery',
      JSON.stringify({
        seq: 20,
        ts: now + 9000,
        flightId: 'F-D',
        event: 'delivered',
        patientId: 'P-D2',
        position,
        recipient: { name: SECRET.name, phone: SECRET.phone },
        notes: SECRET.notes,
      }),
      { qos: 1 },
    );
    await d.endAsync();
    const token = async (role: string) =>
      (await t.api('POST', '/v1/tokens', { body: { role, patients: ['P-D1'] } })).body.token as string;
    clinician = await token('clinician');
    patient = await token('patient');
    const all = (await t.api('GET', '/v1/flights/F-D')).body.readings;
    flightIds = all.filter((r: any) => r.kind === 'flight').map((r: any) => r.id);
    otherDelivery = all.find((r: any) => r.data.patientId === 'P-D2').id;
  });
  after(() => t.stop());

  test('a Task per event, its businessStatus following the flight; a SupplyDelivery per event', async () => {
    for (const token of [clinician, patient]) {
      const tasks = await t.api('GET', '/fhir/Task?patient=P-D1&_revinclude=Provenance:target', { token });
      assert.equal(tasks.statusCode, 200);
      assert.deepEqual(fhirErrors(tasks.body), []);
      assert.deepEqual(jsonSchemaErrors(tasks.body), []);
      const matches = tasks.body.entry
        .filter((e: any) => e.search.mode === 'match')
        .map((e: any) => e.resource);
      assert.deepEqual(
        matches.map((r: any) => r.businessStatus.coding[0].code),
        ['dispatched', 'takeoff', 'arrived', 'delivered'],
      );
      assert.deepEqual(
        matches.map((r: any) => r.status),
        ['in-progress', 'in-progress', 'in-progress', 'completed'],
      );
      for (const r of matches) assert.deepEqual(fhirErrors(r), []);
      const provenance = tasks.body.entry.filter((e: any) => e.search.mode === 'include');
      assert.equal(provenance.length, 4);
      assert.deepEqual(
        provenance[0].resource.target.map((x: any) => x.reference.split('/')[0]),
        ['SupplyDelivery', 'Task'],
      );
    }
    const supplies = await t.api('GET', '/fhir/SupplyDelivery?patient=P-D1', { token: clinician });
    assert.equal(supplies.body.entry.length, 4);
    for (const e of supplies.body.entry) {
      assert.deepEqual(fhirErrors(e.resource), []);
      assert.equal(e.resource.suppliedItem.itemCodeableConcept.coding[0].code, 'vaccine');
      assert.equal(e.resource.patient.reference, 'Patient/P-D1');
    }
  });

  test('flight telemetry is Observations about the drone, never in patient searches', async () => {
    const res = await t.api('GET', `/fhir/Observation/${flightIds[0]}-flight`, { token: clinician });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(fhirErrors(res.body), []);
    for (const u of ucumCodes(res.body)) assert.ok(u.valid, u.code);
    assert.equal(res.body.subject.reference, 'Device/fd-1');
    assert.equal(res.body.component.length, 7);
    const search = await t.api('GET', '/fhir/Observation?patient=P-D1', { token: clinician });
    assert.equal(search.statusCode, 200);
    assert.equal(search.body.entry.length, 0);
    assert.equal(
      (await t.api('GET', `/fhir/Observation/${flightIds[0]}-flight`, { token: patient })).statusCode,
      403,
    );
    const prov = await t.api('GET', `/fhir/Provenance/${flightIds[1]}`, { token: clinician });
    assert.deepEqual(prov.body.target, [{ reference: `Observation/${flightIds[1]}-flight` }]);
  });

  test('a flight is searchable: its telemetry by focus:identifier, its Tasks by group-identifier', async () => {
    const obs = await t.api(
      'GET',
      '/fhir/Observation?focus:identifier=https://medgate.dev/fhir/sid/flight-id|F-D&_count=2',
      { token: clinician },
    );
    assert.equal(obs.statusCode, 200);
    assert.deepEqual(fhirErrors(obs.body), []);
    assert.deepEqual(
      obs.body.entry.map((e: any) => e.resource.id),
      flightIds.slice(0, 2).map((id) => `${id}-flight`),
    );
    const next = new URL(obs.body.link.find((l: any) => l.relation === 'next').url);
    const rest = await t.api('GET', next.pathname + next.search, { token: clinician });
    assert.deepEqual(
      rest.body.entry.map((e: any) => e.resource.id),
      [`${flightIds[2]}-flight`],
    );
    const tasks = await t.api('GET', '/fhir/Task?group-identifier=F-D', { token: clinician });
    assert.equal(tasks.statusCode, 200);
    assert.deepEqual(
      tasks.body.entry.map((e: any) => e.resource.businessStatus.coding[0].code),
      ['dispatched', 'takeoff', 'arrived', 'delivered', 'delivered'],
    );
    const text = JSON.stringify(tasks.body);
    for (const s of ['P-D2', SECRET.name, SECRET.phone, SECRET.notes]) assert.ok(!text.includes(s), s);
    assert.equal((await t.api('GET', '/fhir/Task?group-identifier=F-D', { token: patient })).statusCode, 403);
    assert.equal(
      (await t.api('GET', '/fhir/Observation?focus:identifier=urn:other|F-D', { token: clinician }))
        .statusCode,
      400,
    );
  });

  test("another patient's delivery is masked for a clinician and refused to a patient", async () => {
    for (const type of ['SupplyDelivery', 'Task', 'Provenance']) {
      const res = await t.api('GET', `/fhir/${type}/${otherDelivery}`, { token: clinician });
      assert.equal(res.statusCode, 200, type);
      assert.deepEqual(fhirErrors(res.body), []);
      const text = JSON.stringify(res.body);
      for (const s of ['P-D2', SECRET.name, SECRET.phone, SECRET.notes])
        assert.ok(!text.includes(s), `${type}: ${s}`);
      assert.equal(
        (await t.api('GET', `/fhir/${type}/${otherDelivery}`, { token: patient })).statusCode,
        403,
      );
    }
    assert.equal((await t.api('GET', '/fhir/Task?patient=P-D2', { token: clinician })).statusCode, 403);
  });
});
