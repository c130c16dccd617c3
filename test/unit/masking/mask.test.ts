import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  createMasker,
  DEFAULT_MASKING_RULES,
  type MaskingRule,
  maskingPolicySchema,
} from '../../../src/masking/index.ts';

const KEY = new Uint8Array(32).fill(7);
const vitals = {
  seq: 1,
  ts: '2026-11-24T03:40:17.123Z',
  patientId: 'P-000123',
  vitals: { heartRate: 72, spo2: 97, temperature: 36.84 },
  battery: 0.81,
};
const delivery = {
  seq: 8,
  ts: 1764045617123,
  flightId: 'F-0001',
  event: 'delivered',
  patientId: 'P-000123',
  payload: { kind: 'vaccine', description: 'BCG x10', quantity: 10 },
  position: { lat: 22.572645, lon: 88.363892, altM: 3 },
  recipient: { name: 'Rina Sen', phone: '+91 98300 12345' },
  notes: 'Flat 4B, ring twice',
};
const flight = {
  seq: 7,
  ts: 1764045600123,
  flightId: 'F-0001',
  position: { lat: 22.572645, lon: 88.363892, altM: 120 },
  speedMps: 14.2,
};

describe('masking rules', () => {
  test('keep leaves the value as it is', () => {
    const m = createMasker([{ kind: '*', path: 'patientId', action: 'keep' }], KEY);
    assert.equal(m.mask('vitals', vitals).patientId, 'P-000123');
  });

  test('occlude drops the field', () => {
    const m = createMasker([{ kind: 'vitals', path: 'vitals.spo2', action: 'occlude' }], KEY);
    assert.deepEqual(m.mask('vitals', vitals).vitals, { heartRate: 72, temperature: 36.84 });
  });

  test('pseudonymize is a keyed HMAC: stable for one key, different for another, not the id', () => {
    const rules: MaskingRule[] = [{ kind: '*', path: 'patientId', action: 'pseudonymize' }];
    const a = createMasker(rules, KEY);
    const b = createMasker(rules, new Uint8Array(32).fill(8));
    const p = a.mask('vitals', vitals).patientId as string;
    assert.match(p, /^psn-[0-9a-f]{32}$/);
    assert.equal(a.mask('delivery', delivery).patientId, p, 'the same patient links within one gateway');
    assert.equal(a.pseudonym('P-000123'), p, 'the gateway can query by patient id');
    assert.notEqual(b.mask('vitals', vitals).patientId, p);
    assert.notEqual(a.pseudonym('P-000124'), p);
  });

  test('generalize: numbers to a step, positions to a grid, times to a unit', () => {
    const m = createMasker(
      [
        { kind: 'vitals', path: 'vitals.temperature', action: 'generalize', step: 0.5 },
        { kind: 'vitals', path: 'vitals.heartRate', action: 'generalize', step: 5 },
        { kind: 'vitals', path: 'ts', action: 'generalize', timeUnit: 'minute' },
        { kind: 'flight', path: 'position', action: 'generalize', gridDeg: 0.01 },
        { kind: 'flight', path: 'ts', action: 'generalize', timeUnit: 'hour' },
      ],
      KEY,
    );
    const v = m.mask('vitals', vitals);
    assert.deepEqual(v.vitals, { heartRate: 70, spo2: 97, temperature: 37 });
    assert.equal(v.ts, '2026-11-24T03:40:00.000Z');
    const f = m.mask('flight', flight);
    assert.deepEqual(f.position, { lat: 22.575, lon: 88.365 });
    assert.equal(f.ts, 1764043200000);
  });

  test('the input is never modified; unknown paths are ignored', () => {
    const copy = structuredClone(delivery);
    const m = createMasker(
      [...DEFAULT_MASKING_RULES, { kind: '*', path: 'no.such.field', action: 'occlude' }],
      KEY,
    );
    m.mask('delivery', delivery);
    assert.deepEqual(delivery, copy);
  });

  test('a kind-specific rule overrides a generic one for the same path', () => {
    const m = createMasker(
      [
        { kind: '*', path: 'patientId', action: 'pseudonymize' },
        { kind: 'delivery', path: 'patientId', action: 'occlude' },
      ],
      KEY,
    );
    assert.equal('patientId' in m.mask('delivery', delivery), false);
    assert.match(m.mask('vitals', vitals).patientId as string, /^psn-/);
  });

  test('keys shorter than 16 bytes are refused', () => {
    assert.throws(() => createMasker([], new Uint8Array(8)), TypeError);
  });

  test('policy schema: defaults, and bad rules are named', () => {
    assert.deepEqual(maskingPolicySchema.parse({}).rules, DEFAULT_MASKING_RULES);
    const bad = maskingPolicySchema.safeParse({ rules: [{ kind: 'vitals', path: 'x', action: 'shred' }] });
    assert.equal(bad.success, false);
    const badPath = maskingPolicySchema.safeParse({
      rules: [{ kind: 'vitals', path: '../x', action: 'keep' }],
    });
    assert.equal(badPath.success, false);
  });
});

describe('default policy (docs/masking.md)', () => {
  const m = createMasker(DEFAULT_MASKING_RULES, KEY);
  const identifiers = ['P-000123', 'Rina Sen', '98300', '12345', 'Flat 4B', '22.5726', '88.3638', '88.3639'];

  for (const [kind, reading] of [
    ['vitals', vitals],
    ['delivery', delivery],
    ['flight', flight],
  ] as const) {
    test(`${kind}: no patient id, name, phone, note or exact position in clear`, () => {
      const text = JSON.stringify(m.mask(kind, reading));
      for (const id of identifiers) assert.equal(text.includes(id), false, `${id} in ${text}`);
    });
  }

  test('vital values and clinical context are kept', () => {
    assert.deepEqual(m.mask('vitals', vitals).vitals, vitals.vitals);
    const d = m.mask('delivery', delivery);
    assert.deepEqual(d.payload, delivery.payload);
    assert.equal(d.event, 'delivered');
    assert.equal(d.flightId, 'F-0001');
    const p = d.position as { lat: number; lon: number };
    assert.ok(
      Math.abs(p.lat - delivery.position.lat) < 0.01 && Math.abs(p.lon - delivery.position.lon) < 0.01,
    );
  });
});
