/**
 * What a token may see of the live events (docs/dashboard.md): the same grants as the API. Admins see
 * everything; clinicians and patients the readings and alarms of their patients (a drone's delivery to one
 * of them included, its flight telemetry not); auditors only sealed windows and blocks, which carry no
 * patient data. Pure: the stream applies it to each event before anything is written.
 */
import type { LiveEvent } from '../../events/bus.ts';
import type { StoredReading } from '../../store/index.ts';
import { hasPatientAccess, type Principal } from '../auth.ts';

/** A live reading as the stream sends it: the API's reading without its proof status (it is pending). */
export interface LiveReading {
  readonly id: string;
  readonly deviceId: string;
  readonly kind: string;
  readonly ts: string;
  readonly receivedAt: string;
  readonly data: unknown;
}

export type VisibleEvent =
  | { readonly type: 'readings'; readonly readings: LiveReading[] }
  | Exclude<LiveEvent, { type: 'readings' }>;

const patientOf = (data: unknown): string | undefined => {
  const id = (data as { patientId?: unknown } | null)?.patientId;
  return typeof id === 'string' ? id : undefined;
};

const present = (r: StoredReading): LiveReading => ({
  id: r.id,
  deviceId: r.deviceId,
  kind: r.kind,
  ts: new Date(r.ts).toISOString(),
  receivedAt: new Date(r.receivedAt).toISOString(),
  data: r.data,
});

/** The part of `event` this principal may see, or null when it may see none of it. */
export function visibleEvent(principal: Principal, event: LiveEvent): VisibleEvent | null {
  switch (event.type) {
    case 'window':
    case 'block':
      return event;
    case 'readings': {
      if (principal.role === 'auditor' || principal.role === 'peer') return null;
      const readings: LiveReading[] = [];
      for (const r of event.readings) {
        if (principal.role === 'admin') {
          readings.push(present(r));
          continue;
        }
        const patientId = patientOf(r.data);
        if (patientId !== undefined && hasPatientAccess(principal, patientId)) readings.push(present(r));
      }
      return readings.length === 0 ? null : { type: 'readings', readings };
    }
    case 'alarm': {
      if (principal.role === 'admin') return event;
      const patientId = patientOf(event.alarm);
      return patientId !== undefined && hasPatientAccess(principal, patientId) ? event : null;
    }
    default:
      return null;
  }
}
