/**
 * The compiled fast path must never accept what zod rejects (zod is the source of truth), and should
 * accept what zod accepts. Checked on readings mutated at random, boundaries and non-ASCII strings included.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileFastChecks } from '../../../src/telemetry/fast-check.ts';
import { READING_KINDS, readingSchemas } from '../../../src/telemetry/index.ts';

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const templates = {
  vitals: {
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
    ecg: { hz: 250, mv: [0.1, 0.12, -0.3] },
    battery: 0.81,
  },
  flight: {
    seq: 7,
    ts: 1764045600123,
    flightId: 'F-0001',
    position: { lat: 22.5726, lon: 88.3639, altM: 120 },
    speedMps: 14.2,
    headingDeg: 270,
    batteryPct: 64,
    payloadTempC: 4.1,
  },
  delivery: {
    seq: 8,
    ts: '2026-11-24T03:41:00Z',
    flightId: 'F-0001',
    event: 'delivered',
    patientId: 'P-000123',
    payload: { kind: 'vaccine', description: 'BCG x10', quantity: 10 },
    position: { lat: 22.5726, lon: 88.3639, altM: 0 },
    recipient: { name: 'R. Sen', phone: '+91 98300 00000' },
    notes: 'ok',
  },
} as const;

const EMOJI = '\u{1F489}';
const replacements: unknown[] = [
  null,
  true,
  'x',
  '',
  '72',
  0,
  -1,
  1.5,
  1e21,
  -0,
  20,
  19.999,
  300,
  300.0001,
  50,
  100,
  360,
  359.99,
  0.5,
  1,
  2,
  [],
  {},
  [1, 2],
  'P 1',
  'é',
  EMOJI.repeat(100),
  EMOJI.repeat(129),
  EMOJI.repeat(128),
  'x'.repeat(256),
  'x'.repeat(257),
  EMOJI.repeat(32),
  EMOJI.repeat(33),
  'y'.repeat(64),
  'y'.repeat(65),
  '2026-02-29T00:00:00Z',
  '2028-02-29T00:00:00Z',
  '2026-11-24T03:40:00+01:00',
  '2026-11-24T24:00:00Z',
  9007199254740991,
  9007199254740992,
];

function mutate(value: unknown, random: () => number, depth = 0): unknown {
  if (value === null || typeof value !== 'object')
    return replacements[Math.floor(random() * replacements.length)];
  const copy: any = Array.isArray(value) ? [...value] : { ...value };
  const keys = Object.keys(copy);
  const r = random();
  if (r < 0.1 && !Array.isArray(copy)) copy[`extra${Math.floor(random() * 3)}`] = 1;
  else if (r < 0.25 && keys.length > 0) delete copy[keys[Math.floor(random() * keys.length)]!];
  else if (keys.length > 0) {
    const key = keys[Math.floor(random() * keys.length)]!;
    copy[key] = depth < 3 && random() < 0.6 ? mutate(copy[key], random, depth + 1) : mutate(null, random);
  }
  return copy;
}

test('the fast path accepts exactly what zod accepts', () => {
  const fast = compileFastChecks();
  const random = rng(2026);
  const counts = { accepted: 0, rejected: 0 };
  for (const kind of READING_KINDS) {
    for (let i = 0; i < 6000; i++) {
      let value: unknown = structuredClone(templates[kind]);
      const rounds = Math.floor(random() * 3);
      for (let r = 0; r < rounds; r++) value = mutate(value, random);
      const zod = readingSchemas[kind].safeParse(value).success;
      const quick = fast[kind](value);
      assert.equal(
        quick,
        zod,
        `${kind}: fast ${quick}, zod ${zod} for ${JSON.stringify(value).slice(0, 300)}`,
      );
      counts[zod ? 'accepted' : 'rejected']++;
    }
  }
  assert.ok(counts.accepted > 2000 && counts.rejected > 2000, JSON.stringify(counts));
});

test('lengths count code points, as zod does', () => {
  const fast = compileFastChecks();
  const d = structuredClone(templates.delivery) as any;
  d.recipient.phone = EMOJI.repeat(32); // 32 code points, 64 UTF-16 units: allowed by both
  assert.equal(readingSchemas.delivery.safeParse(d).success, true);
  assert.equal(fast.delivery(d), true);
  d.recipient.phone = EMOJI.repeat(33);
  assert.equal(readingSchemas.delivery.safeParse(d).success, false);
  assert.equal(fast.delivery(d), false);
});

test('the rules JSON Schema cannot express are applied', () => {
  const fast = compileFastChecks();
  const v = structuredClone(templates.vitals) as any;
  v.vitals = { systolic: 80, diastolic: 80 };
  assert.equal(fast.vitals(v), false);
  v.vitals = {};
  assert.equal(fast.vitals(v), false);
});
