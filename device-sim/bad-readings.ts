/**
 * Fault injection: turns a valid reading into one the gateway must reject (docs/devices.md), each kind for a
 * different reason. The unit tests check every kind against `parsePayload`.
 */
import type { ReadingKind } from '../src/telemetry/schemas.ts';
import type { Rng } from './rng.ts';

export const BAD_KINDS = [
  'out-of-range',
  'unknown-field',
  'missing-field',
  'future-timestamp',
  'not-json',
  'wrong-type',
] as const;
export type BadKind = (typeof BAD_KINDS)[number];

/** Kinds that still parse as JSON objects, so they can travel inside an offline array. */
export const JSON_BAD_KINDS: readonly BadKind[] = BAD_KINDS.filter((k) => k !== 'not-json');

export interface BadReading {
  readonly kind: BadKind;
  /** The spoiled reading, or undefined when it is not JSON at all. */
  readonly value: unknown;
  /** What goes on the wire. */
  readonly text: string;
}

type Json = Record<string, unknown>;

/** A deep copy of a JSON reading, so spoiling never touches the caller's object. */
const copy = (reading: object): Json => JSON.parse(JSON.stringify(reading)) as Json;
const child = (obj: Json, key: string): Json => {
  const v = obj[key];
  if (v === null || typeof v !== 'object') throw new TypeError(`reading has no object field ${key}`);
  return v as Json;
};

export function spoil(kind: BadKind, topic: ReadingKind, reading: object, now: number, rng: Rng): BadReading {
  if (kind === 'not-json') {
    const text = JSON.stringify(reading);
    // Either a truncated message or a legacy key=value line.
    const broken = rng.chance(0.5)
      ? text.slice(0, Math.max(1, Math.floor(text.length * rng.uniform(0.2, 0.9))))
      : `seq=${(reading as Json)['seq']};${topic}=1`;
    return { kind, value: undefined, text: broken };
  }
  const r = copy(reading);
  switch (kind) {
    case 'out-of-range':
      outOfRange(topic, r, rng);
      break;
    case 'unknown-field':
      if (topic === 'vitals' && rng.chance(0.5)) child(r, 'vitals')['bloodType'] = 'O+';
      else r['firmware'] = `2.${rng.int(0, 9)}.${rng.int(0, 20)}`;
      break;
    case 'missing-field':
      if (rng.chance(0.5)) delete r['ts'];
      else delete r[topic === 'vitals' ? 'patientId' : 'flightId'];
      break;
    case 'future-timestamp': {
      // Well past the 5-minute tolerance, in the same form (ISO or epoch ms) as the original.
      const future = now + rng.uniform(15 * 60_000, 24 * 3_600_000);
      r['ts'] = typeof r['ts'] === 'number' ? Math.round(future) : new Date(future).toISOString();
      break;
    }
    case 'wrong-type':
      wrongType(topic, r, rng);
      break;
  }
  return { kind, value: r, text: JSON.stringify(r) };
}

function outOfRange(topic: ReadingKind, r: Json, rng: Rng): void {
  if (topic === 'vitals') {
    const v = child(r, 'vitals');
    const pick = rng.int(0, 3);
    if (pick === 0) v['heartRate'] = rng.int(320, 600);
    else if (pick === 1) v['spo2'] = rng.int(101, 140);
    else if (pick === 2) v['temperature'] = Math.round(rng.uniform(46, 60) * 10) / 10;
    else {
      // Inverted blood pressure: each value is in range, the pair is not.
      v['systolic'] = 70;
      v['diastolic'] = 95;
    }
  } else if (topic === 'flight') {
    if (rng.chance(0.5)) child(r, 'position')['lat'] = rng.uniform(91, 180);
    else r['speedMps'] = rng.uniform(200, 900);
  } else {
    r['position'] = { lat: rng.uniform(-180, -91), lon: 0, altM: 0 };
  }
}

function wrongType(topic: ReadingKind, r: Json, rng: Rng): void {
  if (topic === 'vitals') {
    const v = child(r, 'vitals');
    v['heartRate'] = rng.chance(0.5) ? String(v['heartRate'] ?? 72) : [v['heartRate'] ?? 72];
  } else if (topic === 'flight') {
    const p = child(r, 'position');
    p['lat'] = String(p['lat']);
  } else {
    r['event'] = rng.int(0, 5);
  }
}
