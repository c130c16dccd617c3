/** The pure FHIR mapping, checked by outside validators: Medplum on the R4 definitions and profiles, UCUM. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { deliveryTask, supplyDelivery } from '../../../src/fhir/delivery.ts';
import { fromFhirId, toFhirId } from '../../../src/fhir/ids.ts';
import { flightObservation, vitalsObservations } from '../../../src/fhir/observations.ts';
import { PROOF_EXTENSION, proofFromExtensions } from '../../../src/fhir/proof-extension.ts';
import { readingProvenance } from '../../../src/fhir/provenance.ts';
import { capabilityStatement, deviceResource, patientResource } from '../../../src/fhir/resources.ts';
import type { ReadingProof } from '../../../src/model/proofs.ts';
import type { StoredReading } from '../../../src/store/index.ts';
import { fhirErrors, jsonSchemaErrors, ucumCodes, vitalSignsProblems } from '../../helpers/fhir-validate.ts';

const ts = Date.parse('2026-11-24T03:40:00.123Z');
const vitals: StoredReading = {
  id: '00000000000000a1',
  deviceId: 'wear_01',
  kind: 'vitals',
  seq: 42,
  ts,
  receivedAt: ts + 850,
  data: {
    seq: 42,
    ts: '2026-11-24T03:40:00.123Z',
    patientId: 'P-000123',
    vitals: {
      heartRate: 72,
      spo2: 97,
      systolic: 120,
      diastolic: 80,
      temperature: 36.8,
      respRate: 16,
      glucose: 95,
      steps: 1200,
    },
    ecg: { hz: 250, mv: [0.1, 0.12, -0.05] },
    battery: 0.81,
  } as StoredReading['data'],
};

const flight: StoredReading = {
  id: '00000000000000b2',
  deviceId: 'drone-1',
  kind: 'flight',
  seq: 7,
  ts,
  receivedAt: ts + 10,
  data: {
    seq: 7,
    ts,
    flightId: 'F-0001',
    position: { lat: 22.5726, lon: 88.3639, altM: 120 },
    speedMps: 14.2,
    headingDeg: 270,
    batteryPct: 64,
    payloadTempC: 4.1,
  } as StoredReading['data'],
};

const delivery = (event: string): StoredReading => ({
  id: '00000000000000c3',
  deviceId: 'drone-1',
  kind: 'delivery',
  seq: 8,
  ts,
  receivedAt: ts + 10,
  data: {
    seq: 8,
    ts,
    flightId: 'F-0001',
    event,
    patientId: 'P-000123',
    payload: { kind: 'vaccine', description: 'BCG x10', quantity: 10 },
    position: { lat: 22.5726, lon: 88.3639, altM: 0 },
    recipient: { name: 'Asha' },
    notes: 'left at the clinic desk',
  } as StoredReading['data'],
});

const hex = (n: number) => n.toString(16).padStart(64, '0');
const proof: ReadingProof = {
  format: 'medgate/proof/1',
  reading: { id: vitals.id, kind: 'vitals' },
  salt: Buffer.alloc(16, 7).toString('base64'),
  leaf: { hash: hex(1), index: 3, treeSize: 9, path: [hex(2), hex(3)] },
  record: {
    gatewayId: 'gw-1',
    minute: '2026-11-24T03:40:00.000Z',
    count: 9,
    root: hex(4),
    batchCid: 'bafyexample',
    signature: 'ab'.repeat(64),
  },
  gatewayKey: hex(5),
  anchor: {
    blockHash: hex(6),
    height: 12,
    header: '00'.repeat(152),
    minerSignature: 'cd'.repeat(64),
    miner: { gatewayId: 'gw-2', publicKey: hex(7) },
    record: { index: 0, treeSize: 2, path: [hex(8)] },
    chain: hex(9),
    confirmations: 3,
    attestations: [{ gatewayId: 'gw-3', signature: 'ef'.repeat(64) }],
    finalBy: {
      headers: ['01'.repeat(152)],
      attestations: [
        { gatewayId: 'gw-2', signature: '12'.repeat(64) },
        { gatewayId: 'gw-3', signature: '34'.repeat(64) },
      ],
    },
  },
};

function assertValid(resource: any, profile?: string) {
  assert.deepEqual(fhirErrors(resource), [], `${resource.resourceType}/${resource.id} against R4`);
  assert.deepEqual(
    jsonSchemaErrors(resource),
    [],
    `${resource.resourceType}/${resource.id} against the JSON Schema`,
  );
  if (profile) assert.deepEqual(fhirErrors(resource, profile), [], `${resource.id} against ${profile}`);
  for (const unit of ucumCodes(resource)) assert.ok(unit.valid, `UCUM ${unit.code} in ${resource.id}`);
}

describe('FHIR mapping', () => {
  const observations = vitalsObservations(vitals);
  const byCode = (code: string) => observations.find((o) => o.code.coding?.some((c) => c.code === code))!;

  it('makes one Observation per vital, each valid R4 and valid UCUM', () => {
    assert.equal(observations.length, 10 - 1); // heart rate … steps, ECG, battery: BP is one panel
    for (const o of observations) assertValid(o);
    assert.equal(new Set(observations.map((o) => o.id)).size, observations.length);
    // The validators do catch what is wrong.
    const broken = { ...observations[0]!, status: 'done', valueQuantity: { value: '72' } } as never;
    assert.notDeepEqual(jsonSchemaErrors(broken), []);
    assert.notDeepEqual(
      ucumCodes({ system: 'http://unitsofmeasure.org', code: 'beats' }).filter((u) => !u.valid),
      [],
    );
  });

  it('follows the vital-signs profiles where they exist', () => {
    const profiled = observations.filter((o) => o.meta?.profile);
    assert.equal(profiled.length, 5);
    for (const o of profiled) {
      const profile = o.meta!.profile![0]!;
      // Medplum rejects valid BP panels against the bp profile: that one is held to the rules below.
      if (!profile.endsWith('/bp')) assertValid(o, profile);
      assertValid(o, 'http://hl7.org/fhir/StructureDefinition/vitalsigns');
      assert.deepEqual(vitalSignsProblems(o), [], o.id);
    }
  });

  it('uses the codes, units and categories of the table', () => {
    const expect: Array<[string, string, string | null, string]> = [
      ['8867-4', '/min', 'vital-signs', 'http://loinc.org'],
      ['59408-5', '%', 'vital-signs', 'http://loinc.org'],
      ['8310-5', 'Cel', 'vital-signs', 'http://loinc.org'],
      ['9279-1', '/min', 'vital-signs', 'http://loinc.org'],
      ['41653-7', 'mg/dL', 'laboratory', 'http://loinc.org'],
      ['55423-8', '{steps}', 'activity', 'http://loinc.org'],
      ['67996', '%', null, 'urn:iso:std:iso:11073:10101'],
    ];
    for (const [code, unit, category, system] of expect) {
      const o = byCode(code);
      assert.ok(o, code);
      assert.ok(o.code.coding!.some((c) => c.system === system && c.code === code));
      assert.equal(o.valueQuantity?.code, unit, code);
      assert.equal(o.valueQuantity?.system, 'http://unitsofmeasure.org');
      assert.equal(o.category?.[0]?.coding?.[0]?.code ?? null, category, code);
    }
    assert.ok(byCode('2708-6').code.coding!.some((c) => c.code === '59408-5'));
    const bp = byCode('85354-9');
    assert.equal(bp.valueQuantity, undefined);
    assert.deepEqual(
      bp.component!.map((c) => [c.code.coding![0]!.code, c.valueQuantity!.value, c.valueQuantity!.code]),
      [
        ['8480-6', 120, 'mm[Hg]'],
        ['8462-4', 80, 'mm[Hg]'],
      ],
    );
    const steps = byCode('55423-8');
    assert.equal(steps.effectiveDateTime, undefined);
    assert.equal(steps.effectivePeriod?.end, '2026-11-24T03:40:00.123Z');
    const ecg = byCode('131328');
    assert.equal(ecg.category![0]!.coding![0]!.code, 'procedure');
    assert.deepEqual(ecg.valueSampledData, {
      origin: { value: 0, unit: 'mV', system: 'http://unitsofmeasure.org', code: 'mV' },
      period: 4,
      dimensions: 1,
      data: '0.1 0.12 -0.05',
    });
    assert.equal(byCode('67996').subject?.reference, 'Device/wear.101');
    assert.equal(byCode('67996').valueQuantity?.value, 81);
  });

  it('times are the device time with a timezone, issued is receipt', () => {
    const hr = byCode('8867-4');
    assert.equal(hr.effectiveDateTime, '2026-11-24T03:40:00.123Z');
    assert.equal(hr.issued, '2026-11-24T03:40:00.973Z');
    assert.deepEqual(hr.subject, {
      reference: 'Patient/P-000123',
      identifier: { system: 'https://medgate.dev/fhir/sid/patient-id', value: 'P-000123' },
    });
    assert.equal(hr.device?.reference, 'Device/wear.101');
  });

  it('keeps a BP panel with only one pressure valid', () => {
    const one = vitalsObservations({
      ...vitals,
      data: { ...vitals.data, vitals: { systolic: 120 } } as StoredReading['data'],
    });
    assert.equal(one.length, 3);
    const bp = one.find((o) => o.id?.endsWith('-bp'))!;
    assertValid(bp, 'http://hl7.org/fhir/StructureDefinition/vitalsigns');
    assert.deepEqual(vitalSignsProblems(bp), []);
  });

  it('maps flight telemetry to an Observation about the drone', () => {
    const o = flightObservation(flight);
    assertValid(o);
    assert.equal(o.subject?.reference, 'Device/drone-1');
    assert.equal(o.component?.length, 7);
  });

  it('maps each delivery event to a SupplyDelivery and a Task', () => {
    for (const event of ['dispatched', 'takeoff', 'arrived', 'delivered', 'failed', 'returned']) {
      const sd = supplyDelivery(delivery(event));
      const task = deliveryTask(delivery(event));
      assertValid(sd);
      assertValid(task);
      assert.equal(task.businessStatus?.coding?.[0]?.code, event);
      assert.equal(sd.suppliedItem?.itemCodeableConcept?.coding?.[0]?.code, 'vaccine');
    }
    assert.equal(supplyDelivery(delivery('delivered')).status, 'completed');
    assert.equal(deliveryTask(delivery('failed')).status, 'failed');
  });

  it('makes Provenance with and without a signature, and the proof comes back out', () => {
    const targets = observations.map((o) => ({ reference: `Observation/${o.id}` }));
    const sealed = readingProvenance({
      reading: vitals,
      targets,
      gatewayId: 'gw-1',
      sealed: { proof, jws: 'eyJhbGciOiJFZERTQSJ9..c2ln', sealedAt: ts + 60_000 },
    });
    assertValid(sealed);
    assert.equal(sealed.signature?.[0]?.sigFormat, 'application/jose');
    assert.equal(sealed.signature?.[0]?.type[0]?.code, '1.2.840.10065.1.12.1.14');
    assert.deepEqual(proofFromExtensions(sealed.extension), proof);
    const { anchor: _, ...unanchored } = proof;
    const sealedOnly = readingProvenance({
      reading: vitals,
      targets,
      gatewayId: 'gw-1',
      sealed: { proof: { ...unanchored, anchor: null }, jws: 'x..y', sealedAt: ts },
    });
    assert.deepEqual(proofFromExtensions(sealedOnly.extension), { ...unanchored, anchor: null });
    const pending = readingProvenance({ reading: vitals, targets, gatewayId: 'gw-1', sealed: null });
    assertValid(pending);
    assert.equal(pending.signature, undefined);
    assert.equal(proofFromExtensions(pending.extension), null);
  });

  it('makes Patient, Device and CapabilityStatement resources that validate', () => {
    assertValid(patientResource('P_1.x'));
    assertValid(deviceResource({ id: 'wear_01', kind: 'wearable', patientId: 'P-1' }));
    assertValid(deviceResource({ id: 'gw-1', kind: 'gateway' }));
    assertValid(
      capabilityStatement({
        software: { name: 'medgate', version: '0.1.0' },
        baseUrl: 'http://127.0.0.1/fhir',
        date: '2026-11-24',
      }),
    );
  });

  it('maps ids one-to-one onto FHIR ids', () => {
    for (const id of ['P-1', 'P.1', 'P_1', 'P.01', 'a.0', 'a_0', 'x', 'A-b.c_d']) {
      const f = toFhirId(id);
      assert.match(f, /^[A-Za-z0-9.-]+$/);
      assert.equal(fromFhirId(f), id);
    }
    assert.notEqual(toFhirId('P.1'), toFhirId('P_1'));
    assert.equal(fromFhirId('P.2'), null);
    assert.equal(fromFhirId('P_1'), null);
  });
});

describe('the proof extension StructureDefinition (docs/fhir)', () => {
  const sd = JSON.parse(
    readFileSync(
      new URL('../../../docs/fhir/StructureDefinition-medgate-proof.json', import.meta.url),
      'utf8',
    ),
  );

  it('is a valid R4 StructureDefinition with the canonical URL the Provenance uses', () => {
    assert.deepEqual(fhirErrors(sd), []);
    assert.deepEqual(jsonSchemaErrors(sd), []);
    assert.equal(sd.url, PROOF_EXTENSION);
  });

  it('defines every sub-extension a Provenance carries, with its type', () => {
    const defined = new Map<string, string>();
    for (const e of sd.differential.element) {
      if (e.fixedUri && e.id.endsWith('.url')) {
        const value = sd.differential.element.find((x: any) => x.id === e.id.replace(/\.url$/, '.value[x]'));
        defined.set(e.fixedUri, value?.type?.[0]?.code ?? 'Extension');
      }
    }
    const carried = readingProvenance({
      reading: vitals,
      targets: [],
      gatewayId: 'gw-1',
      sealed: { proof, jws: 'x..y', sealedAt: ts },
    }).extension![0]!;
    const walk = (ext: any) => {
      for (const sub of ext.extension ?? []) {
        const valueKey = Object.keys(sub).find((k) => k.startsWith('value'));
        const type = valueKey ? valueKey.slice(5, 6).toLowerCase() + valueKey.slice(6) : 'Extension';
        assert.equal(defined.get(sub.url), type, sub.url);
        walk(sub);
      }
    };
    walk(carried);
  });
});
