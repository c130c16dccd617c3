/**
 * Patients seen in the store, derived from the by-patient index (`{patientId}!{ts}!{id}`): one seek per
 * patient finds the next one, one reverse seek its latest reading. Nothing is written on the ingest path.
 */
import type { Sublevels } from './db.ts';
import type { StoredReading } from './records.ts';

export interface PatientSummary {
  readonly patientId: string;
  /** Device time of the patient's latest reading (epoch ms), or null when it has none. */
  readonly lastReadingAt: number | null;
  /** The device that sent that reading. */
  readonly lastDeviceId: string | null;
}

export interface PatientIndex {
  /** Patients in id order, strictly after `after`, at most `limit`. */
  list(options: { after?: string | undefined; limit: number }): Promise<PatientSummary[]>;
  summary(patientId: string): Promise<PatientSummary>;
}

// '!' separates key parts and sorts before every id character; '"' is the next code point, so
// `${id}"` is just past every key of that id (store/keys.ts).
const pastOwner = (id: string) => `${id}"`;

export function createPatientIndex(components: {
  readonly subs: Pick<Sublevels, 'byPatient' | 'readings'>;
}): PatientIndex {
  const { byPatient, readings } = components.subs;

  async function summary(patientId: string): Promise<PatientSummary> {
    for await (const key of byPatient.keys({
      gte: `${patientId}!`,
      lt: pastOwner(patientId),
      reverse: true,
      limit: 1,
    })) {
      const [, ts, id] = key.split('!');
      const reading: StoredReading | undefined = await readings.get(id!);
      return { patientId, lastReadingAt: Number(ts), lastDeviceId: reading?.deviceId ?? null };
    }
    return { patientId, lastReadingAt: null, lastDeviceId: null };
  }

  return {
    summary,
    async list({ after, limit }) {
      const ids: string[] = [];
      const iterator = byPatient.keys(after === undefined ? {} : { gte: pastOwner(after) });
      try {
        while (ids.length < limit) {
          const key = await iterator.next();
          if (key === undefined) break;
          const id = key.slice(0, key.indexOf('!'));
          ids.push(id);
          iterator.seek(pastOwner(id));
        }
      } finally {
        await iterator.close();
      }
      const out: PatientSummary[] = [];
      for (const id of ids) out.push(await summary(id));
      return out;
    },
  };
}
