/**
 * Leaf data of docs/proofs.md: a 16-byte random salt followed by the RFC 8785 canonical JSON of the full record,
 * so that a low-entropy vital cannot be guessed from its hash. Readings, access-log entries and alarm
 * events are all leaves of a window's tree; `kind` tells them apart. Pure.
 */
import type { AlarmEventEntry } from '../alarms/store.ts';
import type { StoredReading } from '../model/index.ts';
import { storedReadingFields } from '../model/reading-codec.ts';
import type { AccessEntry } from '../store/access-log.ts';

export const SALT_BYTES = 16;

/** What a reading leaf commits to: everything the gateway stored about it. */
export function readingLeafObject(r: StoredReading): StoredReading {
  return storedReadingFields(r);
}

export function accessLeafObject(e: AccessEntry) {
  return {
    id: e.id,
    kind: 'access',
    at: e.at,
    actor: e.actor,
    role: e.role,
    action: e.action,
    patientId: e.patientId,
    resource: e.resource,
    count: e.count,
  };
}

/** An alarm event (docs/alarms.md): when the gateway recorded it, which event, and the alarm as it then stood. */
export function alarmLeafObject(e: AlarmEventEntry) {
  return { id: e.id, kind: 'alarm', at: e.at, event: e.event, alarm: e.alarm };
}

export function leafData(salt: Uint8Array, canonical: Uint8Array): Uint8Array {
  if (salt.length !== SALT_BYTES) throw new RangeError(`salt must be ${SALT_BYTES} bytes`);
  const out = new Uint8Array(SALT_BYTES + canonical.length);
  out.set(salt, 0);
  out.set(canonical, SALT_BYTES);
  return out;
}
