/** What each role may see of a live event (src/api/live/filter.ts, docs/api.md "Patients and live events"). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Principal } from '../../../src/api/auth.ts';
import { visibleEvent } from '../../../src/api/live/filter.ts';
import type { LiveEvent } from '../../../src/events/bus.ts';
import type { StoredReading } from '../../../src/store/index.ts';

const reading = (id: string, kind: string, data: Record<string, unknown>) =>
  ({ id, deviceId: 'dev', kind, seq: 1, ts: 0, receivedAt: 0, data }) as unknown as StoredReading;

const batch: LiveEvent = {
  type: 'readings',
  readings: [
    reading('1', 'vitals', { patientId: 'P-A' }),
    reading('2', 'vitals', { patientId: 'P-B' }),
    reading('3', 'flight', { flightId: 'F-1' }),
    reading('4', 'delivery', { flightId: 'F-1', patientId: 'P-A' }),
  ],
};
const who = (role: Principal['role'], patients: string[] = []): Principal => ({ name: role, role, patients });
const ids = (e: ReturnType<typeof visibleEvent>) =>
  e?.type === 'readings' ? e.readings.map((r) => r.id) : e === null ? null : e.type;

test('readings: all for an admin, the granted patients for a clinician or patient, none for an auditor', () => {
  assert.deepEqual(ids(visibleEvent(who('admin'), batch)), ['1', '2', '3', '4']);
  assert.deepEqual(ids(visibleEvent(who('clinician', ['P-A']), batch)), ['1', '4']);
  assert.deepEqual(ids(visibleEvent(who('patient', ['P-B']), batch)), ['2']);
  assert.equal(visibleEvent(who('clinician', ['P-Z']), batch), null);
  assert.equal(visibleEvent(who('auditor'), batch), null);
  assert.equal(visibleEvent(who('peer'), batch), null);
});

test('alarms follow the patient; a drone alarm without a patient is for admins only', () => {
  const of = (patientId: string | null): LiveEvent => ({
    type: 'alarm',
    event: 'opened',
    alarm: { id: 'a', patientId },
  });
  assert.equal(ids(visibleEvent(who('clinician', ['P-A']), of('P-A'))), 'alarm');
  assert.equal(visibleEvent(who('clinician', ['P-A']), of('P-B')), null);
  assert.equal(visibleEvent(who('clinician', ['P-A']), of(null)), null);
  assert.equal(ids(visibleEvent(who('admin'), of(null))), 'alarm');
  assert.equal(visibleEvent(who('auditor'), of('P-A')), null);
});

test('windows and blocks carry no patient data: every role sees them', () => {
  const window: LiveEvent = { type: 'window', minute: 'm', count: 1, root: 'r', batchCid: 'c' };
  const block: LiveEvent = { type: 'block', height: 1, hash: 'h' };
  for (const role of ['admin', 'clinician', 'patient', 'auditor'] as const) {
    assert.equal(ids(visibleEvent(who(role, ['P-A']), window)), 'window');
    assert.equal(ids(visibleEvent(who(role, ['P-A']), block)), 'block');
  }
});
