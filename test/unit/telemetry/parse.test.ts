import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type ParseOptions, parsePayload, parseTelemetryTopic } from '../../../src/telemetry/index.ts';

const NOW = Date.parse('2026-11-24T12:00:00.000Z');
const opts: ParseOptions = { now: NOW, maxFutureMs: 300_000, backfillMs: 7 * 86_400_000, maxBatch: 500 };
const enc = (v: unknown) => new TextEncoder().encode(typeof v === 'string' ? v : JSON.stringify(v));

const vitals = (o: Record<string, unknown> = {}) => ({
  seq: 1,
  ts: '2026-11-24T11:59:00.000Z',
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
  ecg: { hz: 250, mv: [0.1, 0.12] },
  battery: 0.81,
  ...o,
});

function errorsOf(kind: 'vitals' | 'flight' | 'delivery', reading: unknown) {
  const parsed = parsePayload(kind, enc(reading), opts);
  assert.equal(parsed.malformed, null);
  assert.equal(parsed.valid.length, 0, `expected rejection of ${JSON.stringify(reading).slice(0, 120)}`);
  return parsed.invalid[0]!.errors;
}

describe('parsePayload', () => {
  test('accepts the docs/devices.md examples and normalises ts to epoch ms', () => {
    const v = parsePayload('vitals', enc(vitals()), opts);
    assert.equal(v.valid.length, 1);
    assert.equal(v.valid[0]!.ts, Date.parse('2026-11-24T11:59:00.000Z'));
    const flight = {
      seq: 7,
      ts: NOW - 1000,
      flightId: 'F-0001',
      position: { lat: 22.5726, lon: 88.3639, altM: 120 },
      speedMps: 14.2,
      headingDeg: 270,
      batteryPct: 64,
      payloadTempC: 4.1,
    };
    assert.equal(parsePayload('flight', enc(flight), opts).valid[0]!.ts, NOW - 1000);
    const delivery = {
      seq: 8,
      ts: '2026-11-24T11:58:00Z',
      flightId: 'F-0001',
      event: 'delivered',
      patientId: 'P-000123',
      payload: { kind: 'vaccine', description: 'BCG x10', quantity: 10 },
      position: { lat: 22.5726, lon: 88.3639, altM: 0 },
      recipient: { name: 'R. Sen', phone: '+91 98300 00000' },
      notes: 'left with neighbour',
    };
    assert.equal(parsePayload('delivery', enc(delivery), opts).valid.length, 1);
  });

  test('each vital range rule names its path', () => {
    const cases: Array<[string, number]> = [
      ['heartRate', 19],
      ['heartRate', 301],
      ['spo2', 49],
      ['spo2', 101],
      ['systolic', 39],
      ['diastolic', 201],
      ['temperature', 24.9],
      ['temperature', 45.1],
      ['respRate', 1],
      ['respRate', 81],
      ['glucose', 9],
      ['glucose', 1001],
      ['steps', -1],
    ];
    for (const [field, value] of cases) {
      const errors = errorsOf('vitals', vitals({ vitals: { [field]: value } }));
      assert.ok(
        errors.some((e) => e.path === `vitals.${field}`),
        `${field}=${value}: ${JSON.stringify(errors)}`,
      );
    }
    assert.equal(errorsOf('vitals', vitals({ vitals: { steps: 2.5 } }))[0]!.path, 'vitals.steps');
  });

  test('systolic must exceed diastolic; at least one vital', () => {
    assert.equal(
      errorsOf('vitals', vitals({ vitals: { systolic: 80, diastolic: 80 } }))[0]!.path,
      'vitals.systolic',
    );
    assert.match(errorsOf('vitals', vitals({ vitals: {} }))[0]!.message, /at least one vital/);
  });

  test('unknown fields are rejected at every level', () => {
    assert.equal(errorsOf('vitals', vitals({ name: 'x' }))[0]!.path, 'name');
    assert.equal(errorsOf('vitals', vitals({ vitals: { heartRate: 70, mood: 3 } }))[0]!.path, 'vitals.mood');
    assert.equal(errorsOf('vitals', vitals({ ecg: { hz: 250, mv: [0], lead: 2 } }))[0]!.path, 'ecg.lead');
  });

  test('ids, seq, ecg, battery and types are checked', () => {
    assert.equal(errorsOf('vitals', vitals({ patientId: '' }))[0]!.path, 'patientId');
    assert.equal(errorsOf('vitals', vitals({ patientId: 'x'.repeat(65) }))[0]!.path, 'patientId');
    assert.equal(errorsOf('vitals', vitals({ patientId: 'P/1' }))[0]!.path, 'patientId');
    assert.equal(errorsOf('vitals', vitals({ seq: -1 }))[0]!.path, 'seq');
    assert.equal(errorsOf('vitals', vitals({ seq: 1.5 }))[0]!.path, 'seq');
    assert.equal(errorsOf('vitals', vitals({ seq: '1' }))[0]!.path, 'seq');
    assert.equal(
      errorsOf('vitals', vitals({ ecg: { hz: 250, mv: new Array(5001).fill(0) } }))[0]!.path,
      'ecg.mv',
    );
    assert.equal(errorsOf('vitals', vitals({ battery: 1.01 }))[0]!.path, 'battery');
    assert.equal(errorsOf('vitals', vitals({ vitals: { heartRate: '72' } }))[0]!.path, 'vitals.heartRate');
    const { seq: _s, ...noSeq } = vitals();
    assert.equal(errorsOf('vitals', noSeq)[0]!.path, 'seq');
  });

  test('flight and delivery rules', () => {
    const flight = { seq: 1, ts: NOW, flightId: 'F-1', position: { lat: 0, lon: 0 } };
    assert.equal(errorsOf('flight', { ...flight, position: { lat: 91, lon: 0 } })[0]!.path, 'position.lat');
    assert.equal(errorsOf('flight', { ...flight, headingDeg: 360 })[0]!.path, 'headingDeg');
    assert.equal(errorsOf('flight', { ...flight, batteryPct: 101 })[0]!.path, 'batteryPct');
    assert.equal(errorsOf('flight', { ...flight, flightId: undefined })[0]!.path, 'flightId');
    const event = { seq: 2, ts: NOW, flightId: 'F-1', event: 'delivered' };
    assert.equal(parsePayload('delivery', enc(event), opts).valid.length, 1);
    assert.equal(errorsOf('delivery', { ...event, event: 'lost' })[0]!.path, 'event');
    assert.equal(errorsOf('delivery', { ...event, payload: { kind: 'pizza' } })[0]!.path, 'payload.kind');
    assert.equal(errorsOf('delivery', { ...event, recipient: { email: 'a@b' } })[0]!.path, 'recipient.email');
  });

  test('timestamps: ISO UTC or epoch ms, at most 5 minutes ahead, within the back-fill window', () => {
    assert.equal(parsePayload('vitals', enc(vitals({ ts: NOW + 299_000 })), opts).valid.length, 1);
    assert.match(errorsOf('vitals', vitals({ ts: NOW + 301_000 }))[0]!.message, /future/);
    assert.equal(
      parsePayload('vitals', enc(vitals({ ts: NOW - 7 * 86_400_000 + 1000 })), opts).valid.length,
      1,
    );
    assert.match(errorsOf('vitals', vitals({ ts: NOW - 7 * 86_400_000 - 1000 }))[0]!.message, /back-fill/);
    assert.equal(errorsOf('vitals', vitals({ ts: '2026-11-24T11:59:00+01:00' }))[0]!.path, 'ts');
    assert.equal(errorsOf('vitals', vitals({ ts: 'yesterday' }))[0]!.path, 'ts');
    assert.equal(errorsOf('vitals', vitals({ ts: 1.5 }))[0]!.path, 'ts');
    const invalid = parsePayload('vitals', enc(vitals({ ts: NOW + 400_000 })), opts).invalid[0]!;
    assert.equal(invalid.reason, 'time_window');
  });

  test('offline buffers: valid siblings kept, invalid ones reported by index and seq', () => {
    const items = [
      vitals({ seq: 1 }),
      vitals({ seq: 2, vitals: { spo2: 10 } }),
      { junk: true },
      vitals({ seq: 4 }),
    ];
    const parsed = parsePayload('vitals', enc(items), opts);
    assert.deepEqual(
      parsed.valid.map((v) => v.seq),
      [1, 4],
    );
    assert.deepEqual(
      parsed.invalid.map((i) => [i.index, i.seq]),
      [
        [1, 2],
        [2, null],
      ],
    );
  });

  test('whole-message problems: UTF-8, JSON, container, array size', () => {
    assert.match(
      parsePayload('vitals', Uint8Array.of(0x7b, 0xc3, 0x28, 0x7d), opts).malformed!.message,
      /UTF-8/,
    );
    assert.match(parsePayload('vitals', enc('{"seq":'), opts).malformed!.message, /not JSON/);
    assert.match(parsePayload('vitals', enc('"text"'), opts).malformed!.message, /object/);
    assert.match(parsePayload('vitals', enc('null'), opts).malformed!.message, /object/);
    assert.match(parsePayload('vitals', enc([]), opts).malformed!.message, /empty/);
    const many = Array.from({ length: 501 }, (_, i) => vitals({ seq: i }));
    assert.match(
      parsePayload('vitals', enc(many), opts).malformed!.message,
      /501 readings exceeds the limit of 500/,
    );
    assert.equal(parsePayload('vitals', enc(many.slice(0, 500)), opts).valid.length, 500);
  });
});

describe('parseTelemetryTopic', () => {
  test('accepts tele/{deviceId}/{kind} only', () => {
    assert.deepEqual(parseTelemetryTopic('tele/w1/vitals'), { deviceId: 'w1', kind: 'vitals' });
    assert.deepEqual(parseTelemetryTopic('tele/d-1/delivery'), { deviceId: 'd-1', kind: 'delivery' });
    for (const topic of [
      'tele/w1/errors',
      'tele//vitals',
      'tele/w1/vitals/x',
      'x/w1/vitals',
      'tele/w1',
      '',
    ]) {
      assert.equal(parseTelemetryTopic(topic), null, topic);
    }
  });
});
