/**
 * The FHIR R4 API on a real gateway (docs/fhir.md): what it serves is checked by outside validators
 * (Medplum on the R4 definitions and vital-signs profiles, UCUM) and paged by a real FHIR client
 * (fhir-kit-client) over HTTP, following `next` links to the end.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Client } from 'fhir-kit-client';
import { fhirErrors, jsonSchemaErrors, ucumCodes, vitalSignsProblems } from '../helpers/fhir-validate.ts';
import { ADMIN_TOKEN, connectDevice, startTestGateway, type TestGateway } from '../helpers/gateway.ts';

const T0 = Date.parse('2026-11-24T10:00:05.000Z');
const SEALED = 60;
const PENDING = 7;

function reading(i: number) {
  return {
    seq: i + 1,
    ts: T0 - 3_600_000 + i * 1000,
    patientId: 'P-F1',
    vitals: {
      heartRate: 60 + (i % 40),
      spo2: 95 + (i % 5),
      ...(i % 2 === 0 ? { systolic: 120, diastolic: 80 } : {}),
      ...(i % 3 === 0 ? { temperature: 36.6, respRate: 14 } : {}),
      ...(i % 5 === 0 ? { glucose: 101, steps: 100 * i } : {}),
    },
    ...(i % 7 === 0 ? { ecg: { hz: 250, mv: [0.1, 0.2, -0.1] } } : {}),
    ...(i % 4 === 0 ? { battery: 0.5 } : {}),
  };
}
/** Observations about the patient a reading makes (the battery is about the device). */
const patientObservations = (i: number) => {
  const r = reading(i);
  return (
    2 +
    (r.vitals.systolic ? 1 : 0) +
    (r.vitals.temperature ? 2 : 0) +
    (r.vitals.glucose ? 2 : 0) +
    (r.ecg ? 1 : 0)
  );
};

describe('FHIR API', () => {
  let t: TestGateway;
  let now = T0;
  let clinician: string;
  let patient2: string;
  let client: Client;

  before(async () => {
    t = await startTestGateway({
      clock: () => now,
      overrides: { sealing: { graceSeconds: 2 }, fhir: { scanFactor: 2 } },
    });
    const s1 = await t.provision('fw-1', 'wearable', 'P-F1');
    const s2 = await t.provision('fw-2', 'wearable', 'P-F2');
    const w1 = await connectDevice(t.mqttUrl, { username: 'fw-1', password: s1, clientId: 'fw-1' });
    const w2 = await connectDevice(t.mqttUrl, { username: 'fw-2', password: s2, clientId: 'fw-2' });
    const batch = Array.from({ length: SEALED }, (_, i) => reading(i));
    await w1.publishAsync('tele/fw-1/vitals', JSON.stringify(batch), { qos: 1 });
    await w2.publishAsync(
      'tele/fw-2/vitals',
      JSON.stringify({ seq: 1, ts: T0 - 1000, patientId: 'P-F2', vitals: { heartRate: 70 } }),
      { qos: 1 },
    );
    now = T0 + 60_000;
    assert.ok((await t.gateway.sealer.sealDue()).length > 0);
    const late = Array.from({ length: PENDING }, (_, k) => reading(SEALED + k));
    await w1.publishAsync('tele/fw-1/vitals', JSON.stringify(late), { qos: 1 });
    await w1.endAsync();
    await w2.endAsync();
    const token = async (role: string, patients: string[]) =>
      (await t.api('POST', '/v1/tokens', { body: { role, patients } })).body.token as string;
    clinician = await token('clinician', ['P-F1']);
    patient2 = await token('patient', ['P-F2']);
    client = new Client({
      baseUrl: `${t.httpUrl}/fhir`,
      customHeaders: { Authorization: `Bearer ${clinician}` },
    });
  });
  after(() => t.stop());

  const get = (url: string, token: string | null = ADMIN_TOKEN) =>
    t.gateway.api.inject({ method: 'GET', url, headers: token ? { authorization: `Bearer ${token}` } : {} });

  test('metadata is a CapabilityStatement in application/fhir+json', async () => {
    const res = await get('/fhir/metadata', null);
    assert.equal(res.statusCode, 200);
    assert.match(res.headers['content-type'] as string, /^application\/fhir\+json/);
    const cs = res.json();
    assert.deepEqual(fhirErrors(cs), []);
    assert.deepEqual(jsonSchemaErrors(cs), []);
    assert.equal(cs.fhirVersion, '4.0.1');
    assert.equal(cs.kind, 'instance');
    const obs = cs.rest[0].resource.find((r: any) => r.type === 'Observation');
    assert.deepEqual(obs.searchRevInclude, ['Provenance:target']);
  });

  test('a real FHIR client pages through every Observation without duplicates or gaps', async () => {
    const seen: string[] = [];
    let pages = 0;
    let bundle: any = await client.search({
      resourceType: 'Observation',
      searchParams: { patient: 'P-F1', _count: 37 },
    });
    while (bundle) {
      pages++;
      assert.equal(bundle.resourceType, 'Bundle');
      assert.equal(bundle.type, 'searchset');
      assert.deepEqual(fhirErrors(bundle), [], `page ${pages}`);
      assert.deepEqual(jsonSchemaErrors(bundle), [], `page ${pages}`);
      for (const e of bundle.entry ?? []) {
        assert.equal(e.search.mode, 'match');
        assert.equal(e.fullUrl, `${t.httpUrl}/fhir/Observation/${e.resource.id}`);
        assert.deepEqual(fhirErrors(e.resource), [], e.resource.id);
        assert.deepEqual(jsonSchemaErrors(e.resource), [], e.resource.id);
        for (const u of ucumCodes(e.resource)) assert.ok(u.valid, `UCUM ${u.code}`);
        const profile = e.resource.meta?.profile?.[0];
        if (profile) {
          if (!profile.endsWith('/bp')) assert.deepEqual(fhirErrors(e.resource, profile), [], e.resource.id);
          assert.deepEqual(vitalSignsProblems(e.resource), [], e.resource.id);
        }
        seen.push(e.resource.id);
      }
      const next = bundle.link.find((l: any) => l.relation === 'next');
      if (next) assert.match(next.url, /^http:\/\/127\.0\.0\.1:\d+\/fhir\/Observation\?/);
      bundle = next ? await client.nextPage({ bundle }) : undefined;
      assert.ok(pages < 100);
    }
    let expected = 0;
    for (let i = 0; i < SEALED + PENDING; i++) expected += patientObservations(i);
    assert.equal(new Set(seen).size, seen.length, 'no duplicates');
    assert.equal(seen.length, expected, 'no gaps');
    assert.equal(pages, Math.ceil(expected / 37));
    // Effective times ascend (by reading).
    const descending: string[] = [];
    let page: any = await client.search({
      resourceType: 'Observation',
      searchParams: { patient: 'P-F1', _count: 50, _sort: '-date' },
    });
    while (page) {
      for (const e of page.entry ?? []) descending.push(e.resource.id);
      page = page.link.some((l: any) => l.relation === 'next')
        ? await client.nextPage({ bundle: page })
        : undefined;
    }
    assert.deepEqual(new Set(descending), new Set(seen));
    const readingOrder = (ids: string[]) => [...new Set(ids.map((id) => id.slice(0, 16)))];
    assert.deepEqual(readingOrder(descending), readingOrder(seen).reverse());
  });

  test('date, code and category narrow the search', async () => {
    const from = new Date(T0 - 3_600_000 + 10_000).toISOString();
    const to = new Date(T0 - 3_600_000 + 20_000).toISOString();
    const res = await get(
      `/fhir/Observation?patient=P-F1&date=ge${from}&date=lt${to}&code=http://loinc.org|8867-4&_count=1000`,
    );
    assert.equal(res.statusCode, 200);
    const entries = res.json().entry;
    assert.equal(entries.length, 10);
    for (const e of entries) {
      assert.equal(e.resource.code.coding[0].code, '8867-4');
      assert.ok(e.resource.effectiveDateTime >= from && e.resource.effectiveDateTime < to);
    }
    const lab = await get('/fhir/Observation?subject=Patient/P-F1&category=laboratory&_count=1000');
    assert.equal(
      lab.json().entry.length,
      Array.from({ length: SEALED + PENDING }, (_, i) => i).filter((i) => i % 5 === 0).length,
    );
  });

  test('a sparse filter stops after fhir.scanFactor x _count readings and links on', async () => {
    // Glucose is in every 5th reading: 3 wanted, at most 6 readings read per page, so 2 per page.
    const ids: string[] = [];
    let bundle: any = await client.search({
      resourceType: 'Observation',
      searchParams: { patient: 'P-F1', code: '41653-7', _count: 3 },
    });
    assert.equal(bundle.entry.length, 2);
    while (bundle) {
      for (const e of bundle.entry ?? []) ids.push(e.resource.id);
      bundle = bundle.link.some((l: any) => l.relation === 'next')
        ? await client.nextPage({ bundle })
        : undefined;
    }
    const glucose = Array.from({ length: SEALED + PENDING }, (_, i) => i).filter((i) => i % 5 === 0).length;
    assert.equal(ids.length, glucose);
    assert.equal(new Set(ids).size, glucose);
  });

  test('_revinclude adds a Provenance per reading: signed once sealed, unsigned while pending', async () => {
    const res = await get('/fhir/Observation?patient=P-F1&_count=1000&_revinclude=Provenance:target');
    const bundle = res.json();
    assert.deepEqual(fhirErrors(bundle), []);
    assert.deepEqual(jsonSchemaErrors(bundle), []);
    const provenances = bundle.entry.filter((e: any) => e.resource.resourceType === 'Provenance');
    assert.equal(provenances.length, SEALED + PENDING);
    for (const p of provenances) {
      assert.equal(p.search.mode, 'include');
      assert.deepEqual(fhirErrors(p.resource), []);
    }
    const signed = provenances.filter((p: any) => p.resource.signature);
    assert.equal(signed.length, SEALED);
    const matchIds = new Set(
      bundle.entry
        .filter((e: any) => e.search.mode === 'match')
        .map((e: any) => `Observation/${e.resource.id}`),
    );
    for (const p of provenances)
      for (const target of p.resource.target)
        if (!target.reference.endsWith('-batt')) assert.ok(matchIds.has(target.reference));
  });

  test('reads: Observation, Patient, Device (wearable and gateway), Provenance by target', async () => {
    const search = (await get('/fhir/Observation?patient=P-F1&_count=1')).json();
    const id = search.entry[0].resource.id;
    const obs = await get(`/fhir/Observation/${id}`, clinician);
    assert.equal(obs.statusCode, 200);
    assert.deepEqual(obs.json(), search.entry[0].resource);
    const patient = (await get('/fhir/Patient/P-F1', clinician)).json();
    assert.deepEqual(fhirErrors(patient), []);
    assert.equal(patient.identifier[0].value, 'P-F1');
    const device = (await get('/fhir/Device/fw-1', clinician)).json();
    assert.deepEqual(fhirErrors(device), []);
    const gateway = (await get('/fhir/Device/gw-test', clinician)).json();
    assert.equal(gateway.resourceType, 'Device');
    const prov = (await get(`/fhir/Provenance?target=Observation/${id}`, clinician)).json();
    assert.equal(prov.entry.length, 1);
    assert.ok(prov.entry[0].resource.target.some((r: any) => r.reference === `Observation/${id}`));
    const battery = `${id.slice(0, 16)}-batt`;
    assert.equal((await get(`/fhir/Observation/${battery}`, clinician)).statusCode, 200);
  });

  test('a reading stored between two pages, just before where the page stopped, does not shift the next page', async () => {
    const secret = await t.provision('fw-3', 'wearable', 'P-F3');
    const w = await connectDevice(t.mqttUrl, { username: 'fw-3', password: secret, clientId: 'fw-3' });
    const vitals4 = { heartRate: 70, spo2: 97, systolic: 120, diastolic: 80, temperature: 36.6 };
    const at = (s: number) => T0 - 600_000 + s * 1000;
    await w.publishAsync(
      'tele/fw-3/vitals',
      JSON.stringify(
        [0, 10, 20].map((s, i) => ({ seq: i + 1, ts: at(s), patientId: 'P-F3', vitals: vitals4 })),
      ),
      { qos: 1 },
    );
    // Page 1: the first reading's 4 Observations and 2 of the second's.
    const first = (await get('/fhir/Observation?patient=P-F3&_count=6')).json();
    assert.equal(first.entry.length, 6);
    // Meanwhile a device back-fills a reading between the first and the second.
    await w.publishAsync(
      'tele/fw-3/vitals',
      JSON.stringify({ seq: 9, ts: at(5), patientId: 'P-F3', vitals: vitals4 }),
      { qos: 1 },
    );
    await w.endAsync();
    const next = new URL(first.link.find((l: any) => l.relation === 'next').url);
    const second = (await get(next.pathname + next.search)).json();
    const ids = [...first.entry, ...second.entry].map((e: any) => e.resource.id);
    assert.equal(new Set(ids).size, ids.length, `no duplicates: ${ids.join(' ')}`);
    const readingsSeen = new Set(ids.map((id) => id.slice(0, 16)));
    assert.equal(readingsSeen.size, 3, 'the three readings the search was paging through');
    assert.equal(ids.length, 12);
  });

  test('errors are OperationOutcome with the right status', async () => {
    const noToken = await get('/fhir/Observation?patient=P-F1', null);
    assert.equal(noToken.statusCode, 401);
    assert.match(noToken.headers['www-authenticate'] as string, /^Bearer/);
    assert.match(noToken.headers['content-type'] as string, /^application\/fhir\+json/);
    assert.equal(noToken.json().resourceType, 'OperationOutcome');
    assert.deepEqual(fhirErrors(noToken.json()), []);
    const cases: Array<[string, string, number]> = [
      ['/fhir/Observation?patient=P-F2', clinician, 403],
      ['/fhir/Observation?patient=P-F1', patient2, 403],
      ['/fhir/Patient/P-F1', patient2, 403],
      ['/fhir/Observation?patient=P-F1&bogus=1', clinician, 400],
      ['/fhir/Observation?patient=P-F1&date=gt2026-13', clinician, 400],
      ['/fhir/Observation?patient=P-F1&_cursor=AAAA', clinician, 400],
      ['/fhir/Observation', clinician, 400],
      ['/fhir/Observation/0000000000000999-hr', clinician, 404],
      ['/fhir/Observation/nonsense', clinician, 404],
      ['/fhir/Device/nobody', clinician, 404],
      ['/fhir/Nothing/1', clinician, 404],
    ];
    for (const [url, token, status] of cases) {
      const res = await get(url, token);
      assert.equal(res.statusCode, status, url);
      assert.equal(res.json().resourceType, 'OperationOutcome', url);
    }
    // A cursor of one patient's search is refused on another's.
    const page = (await get('/fhir/Observation?patient=P-F1&_count=2')).json();
    const cursor = new URL(page.link.find((l: any) => l.relation === 'next').url).searchParams.get('_cursor');
    assert.equal((await get(`/fhir/Observation?patient=P-F2&_cursor=${cursor}`)).statusCode, 400);
  });

  test('every FHIR read is in the access log', async () => {
    const before = (await t.gateway.accessLog.list({ limit: 100_000 })).length;
    await get('/fhir/Observation?patient=P-F1&_count=5', clinician);
    await get('/fhir/Patient/P-F1', clinician);
    const entries = (await t.gateway.accessLog.list({ limit: 100_000 })).slice(before);
    assert.deepEqual(
      entries.map((e) => [e.action, e.patientId, e.role]),
      [
        ['fhir.Observation.search', 'P-F1', 'clinician'],
        ['fhir.Patient.read', 'P-F1', 'clinician'],
      ],
    );
    assert.equal(entries[0]!.count, 5);
  });
});
