/** The alarm state machine (docs/alarms.md, "Lifecycle"): thresholds held in device time, NEWS2, bounds. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type AlarmChange, AlarmEngine } from '../../../src/alarms/engine.ts';
import { DEFAULT_RULES } from '../../../src/alarms/rules.ts';
import type { StoredReading } from '../../../src/store/index.ts';

const T0 = Date.parse('2026-11-24T03:00:00.000Z');
let nextReading = 1;

function engine(options: { news2?: boolean; maxSubjects?: number } = {}) {
  let id = 0;
  return new AlarmEngine(
    {
      rules: DEFAULT_RULES,
      news2: { enabled: options.news2 ?? false, maxAgeMs: 300_000, clearMs: 30_000 },
      maxSubjects: options.maxSubjects ?? 100,
    },
    [],
    () => (++id).toString(16).padStart(16, '0'),
  );
}

function reading(kind: StoredReading['kind'], seconds: number, data: Record<string, unknown>): StoredReading {
  const n = nextReading++;
  return {
    id: n.toString(16).padStart(16, '0'),
    deviceId: kind === 'vitals' ? 'w-1' : 'd-1',
    kind,
    seq: n,
    ts: T0 + seconds * 1000,
    receivedAt: T0 + seconds * 1000,
    data: { seq: n, ts: T0 + seconds * 1000, ...data } as never,
  };
}
const vitals = (s: number, v: Record<string, number>, patientId = 'P-1') =>
  reading('vitals', s, { patientId, vitals: v });
const flight = (s: number, extra: Record<string, unknown>, flightId = 'F-1') =>
  reading('flight', s, { flightId, position: { lat: 1, lon: 1 }, ...extra });
const events = (changes: AlarmChange[]) => changes.filter((c) => c.event !== null).map((c) => c.event);

test('SpO2 below 90 opens only once it has held for 60 s of device time, then closes 30 s after it recovers', () => {
  const e = engine();
  assert.deepEqual(events(e.evaluate([vitals(0, { spo2: 88 }), vitals(30, { spo2: 87 })])), []);
  assert.deepEqual(events(e.evaluate([vitals(59.999, { spo2: 87 })])), []);
  const opened = e.evaluate([vitals(60, { spo2: 86 })]);
  assert.deepEqual(events(opened), ['opened']);
  const alarm = opened[0]!.alarm;
  assert.equal(alarm.rule, 'spo2-low');
  assert.equal(alarm.level, 'critical');
  assert.equal(alarm.patientId, 'P-1');
  assert.equal(alarm.openedAt, new Date(T0 + 60_000).toISOString());
  // While it lasts: updates, no second alarm.
  const kept = e.evaluate([vitals(90, { spo2: 85 })]);
  assert.deepEqual(events(kept), []);
  assert.equal(kept[0]!.alarm.id, alarm.id);
  assert.equal(kept[0]!.alarm.updatedAt, new Date(T0 + 90_000).toISOString());
  // It closes once SpO2 has been back for clearSeconds (30 s) of device time.
  assert.deepEqual(events(e.evaluate([vitals(100, { spo2: 95 }), vitals(129.999, { spo2: 96 })])), []);
  const closed = e.evaluate([vitals(130, { spo2: 95 })]);
  assert.deepEqual(events(closed), ['closed']);
  assert.equal(closed[0]!.alarm.status, 'closed');
  assert.equal(closed[0]!.alarm.closedAt, new Date(T0 + 130_000).toISOString());
});

test('each change carries the alarm as it stood before it, within one evaluation too', () => {
  const e = engine();
  e.evaluate([vitals(0, { spo2: 88 })]);
  const [opened, kept] = e.evaluate([vitals(60, { spo2: 86 }), vitals(90, { spo2: 85 })]);
  assert.equal(opened!.event, 'opened');
  assert.equal(opened!.previous, null);
  assert.equal(kept!.previous, opened!.alarm);
  e.evaluate([vitals(100, { spo2: 95 })]);
  const [closed] = e.evaluate([vitals(130, { spo2: 95 })]);
  assert.equal(closed!.event, 'closed');
  assert.equal(closed!.previous?.status, 'open');
  assert.equal(closed!.previous?.updatedAt, kept!.alarm.updatedAt);
});

test('a dip that recovers before 60 s restarts the count; readings without the field change nothing', () => {
  const e = engine();
  e.evaluate([vitals(0, { spo2: 88 }), vitals(50, { spo2: 96 }), vitals(70, { spo2: 88 })]);
  assert.deepEqual(events(e.evaluate([vitals(100, { heartRate: 80 })])), []);
  assert.deepEqual(events(e.evaluate([vitals(129, { spo2: 88 })])), []);
  assert.deepEqual(events(e.evaluate([vitals(130, { spo2: 88 })])), ['opened']);
});

test('heart rate outside [40, 130] for 60 s: above and below both count', () => {
  const e = engine();
  assert.deepEqual(events(e.evaluate([vitals(0, { heartRate: 131 }), vitals(60, { heartRate: 150 })])), [
    'opened',
  ]);
  const low = engine();
  assert.deepEqual(events(low.evaluate([vitals(0, { heartRate: 39 }), vitals(60, { heartRate: 35 })])), [
    'opened',
  ]);
  const edge = engine();
  assert.deepEqual(events(edge.evaluate([vitals(0, { heartRate: 130 }), vitals(60, { heartRate: 40 })])), []);
});

test('a late reading from an offline buffer does not move the state back', () => {
  const e = engine();
  e.evaluate([vitals(0, { spo2: 88 }), vitals(60, { spo2: 88 })]);
  assert.deepEqual(events(e.evaluate([vitals(10, { spo2: 99 })])), []);
  assert.equal(e.openAlarms().length, 1);
});

test('cold chain: a vaccine flight outside 2–8 °C for 120 s; a flight of equipment is not watched', () => {
  const e = engine();
  const dispatched = reading('delivery', 0, {
    flightId: 'F-1',
    event: 'dispatched',
    patientId: 'P-9',
    payload: { kind: 'vaccine' },
  });
  e.evaluate([dispatched, flight(1, { payloadTempC: 9 }), flight(100, { payloadTempC: 10 })]);
  const opened = e.evaluate([flight(121, { payloadTempC: 11 })]);
  assert.deepEqual(events(opened), ['opened']);
  assert.equal(opened[0]!.alarm.rule, 'cold-chain');
  assert.equal(opened[0]!.alarm.flightId, 'F-1');
  assert.equal(opened[0]!.alarm.patientId, 'P-9', 'the flight carries that patient\u2019s delivery');
  const other = engine();
  other.evaluate([
    reading('delivery', 0, { flightId: 'F-2', event: 'dispatched', payload: { kind: 'equipment' } }),
    flight(1, { payloadTempC: 30 }, 'F-2'),
  ]);
  assert.deepEqual(events(other.evaluate([flight(200, { payloadTempC: 30 }, 'F-2')])), []);
});

test('drone battery below 20 % and a failed delivery open at once', () => {
  const e = engine();
  assert.deepEqual(events(e.evaluate([flight(0, { batteryPct: 19 })])), ['opened']);
  const failed = e.evaluate([reading('delivery', 5, { flightId: 'F-1', event: 'failed' })]);
  assert.deepEqual(events(failed), ['opened']);
  assert.equal(failed[0]!.alarm.rule, 'delivery-failed');
  assert.deepEqual(events(e.evaluate([reading('delivery', 9, { flightId: 'F-1', event: 'returned' })])), []);
  assert.deepEqual(events(e.evaluate([reading('delivery', 39, { flightId: 'F-1', event: 'delivered' })])), [
    'closed',
  ]);
});

test('NEWS2: urgent then emergency is one alarm, escalated; it closes 30 s after the score falls below urgent', () => {
  const e = engine({ news2: true });
  // RR 25 scores 3 alone: urgent.
  const first = e.evaluate([
    vitals(0, { respRate: 25, spo2: 97, systolic: 120, heartRate: 72, temperature: 37 }),
  ]);
  assert.deepEqual(events(first), ['opened']);
  const alarm = first.find((c) => c.alarm.kind === 'news2')!.alarm;
  assert.equal(alarm.level, 'urgent');
  assert.equal(alarm.score, 3);
  assert.deepEqual(alarm.parameters!.respRate, { value: 25, points: 3 });
  // SpO2 92 (2) + HR 115 (2): 7 → emergency, same alarm.
  const worse = e.evaluate([vitals(30, { spo2: 92, heartRate: 115 })]);
  assert.deepEqual(events(worse), ['escalated']);
  const escalated = worse.find((c) => c.event === 'escalated')!.alarm;
  assert.equal(escalated.id, alarm.id);
  assert.equal(escalated.level, 'emergency');
  assert.equal(escalated.score, 7);
  // Back to urgent and up again: the level stays the worst reached, with no second escalation.
  const calmer = e.evaluate([vitals(40, { heartRate: 72 })]);
  assert.deepEqual(events(calmer), []);
  assert.equal(calmer.at(-1)!.alarm.score, 5);
  assert.equal(calmer.at(-1)!.alarm.level, 'emergency');
  assert.deepEqual(events(e.evaluate([vitals(50, { heartRate: 115 })])), []);
  const better = e.evaluate([vitals(60, { respRate: 16, spo2: 97, heartRate: 72 })]);
  assert.deepEqual(events(better), []);
  assert.deepEqual(events(e.evaluate([vitals(90, { respRate: 15 })])), ['closed']);
});

test('NEWS2 forgets a parameter older than 5 minutes of device time', () => {
  const e = engine({ news2: true });
  assert.deepEqual(events(e.evaluate([vitals(0, { respRate: 25 })])), ['opened']);
  // Exactly five minutes old still counts; a moment later only the new SpO2 does.
  assert.deepEqual(events(e.evaluate([vitals(300, { spo2: 97 })])), []);
  assert.deepEqual(events(e.evaluate([vitals(300.001, { spo2: 97 })])), []);
  assert.deepEqual(events(e.evaluate([vitals(330.001, { spo2: 97 })])), ['closed']);
});

test('acknowledging keeps the alarm open with who and when', () => {
  const e = engine();
  const [opened] = e.evaluate([flight(0, { batteryPct: 10 })]);
  const acked = e.acknowledge(opened!.alarm.id, 'dr-who', T0 + 5000);
  assert.equal(acked!.acknowledgedBy, 'dr-who');
  assert.equal(acked!.status, 'open');
  const [kept] = e.evaluate([flight(10, { batteryPct: 9 })]);
  assert.equal(kept!.alarm.acknowledgedBy, 'dr-who', 'updates keep the acknowledgement');
  assert.equal(e.acknowledge('ffffffffffffffff', 'x', 0), null);
});

test('subjects are bounded: the oldest quiet one is forgotten, and with every slot alarmed new ones are refused', () => {
  const e = engine({ maxSubjects: 2 });
  e.evaluate([vitals(0, { spo2: 97 }, 'P-1'), vitals(0, { spo2: 97 }, 'P-2')]);
  e.evaluate([vitals(1, { spo2: 97 }, 'P-3')]);
  assert.equal(e.subjects, 2);
  assert.equal(e.refused, 0);
  e.evaluate([flight(2, { batteryPct: 5 }, 'F-1'), flight(2, { batteryPct: 5 }, 'F-2')]);
  assert.equal(e.openAlarms().length, 2);
  const changes = e.evaluate([flight(3, { batteryPct: 5 }, 'F-3')]);
  assert.deepEqual(changes, []);
  assert.equal(e.refused, 1);
  assert.equal(e.subjects, 2);
});

test('a device that alternates good and bad values cannot make an event per reading: closing waits out clearSeconds', () => {
  const e = engine({ news2: true });
  // 600 readings, 100 ms apart in device time, RR flipping between 25 (urgent) and 16 (no alarm).
  const readings = Array.from({ length: 600 }, (_, i) =>
    vitals(i / 10, { respRate: i % 2 === 0 ? 25 : 16, spo2: 97 }, 'P-FLAP'),
  );
  const news2Events = e.evaluate(readings).filter((c) => c.event !== null && c.alarm.kind === 'news2');
  // 60 s of device time: at most one open and one close per 30 s of clear condition.
  assert.ok(news2Events.length <= 4, `${news2Events.length} events`);
  assert.deepEqual(
    news2Events.map((c) => c.event),
    ['opened'],
    'a condition that keeps coming back never stays clear long enough to close',
  );
});
