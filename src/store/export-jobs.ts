/** Bulk export jobs as the store keeps them (docs/fhir.md, "Bulk export"): one record per job, by id. */
import type { Role } from '../config/index.ts';
import type { Sublevels } from './db.ts';

export type ExportState = 'queued' | 'running' | 'complete' | 'failed';

export interface ExportFile {
  readonly type: string;
  /** File name inside the job's directory. */
  readonly name: string;
  readonly count: number;
  readonly bytes: number;
}

export interface ExportJobRecord {
  readonly id: string;
  /** Who asked: only the same token label polls, downloads or cancels; grants as at the kick-off. */
  readonly owner: { readonly name: string; readonly role: Role; readonly patients: readonly string[] };
  readonly patientIds: readonly string[];
  readonly types: readonly string[];
  /** Readings received at or after this instant (epoch ms), or all. */
  readonly since: number | null;
  /** The kick-off request URL, as the manifest repeats it. */
  readonly request: string;
  /** Absolute base of the file links in the manifest. */
  readonly baseUrl: string;
  readonly state: ExportState;
  readonly createdAt: number;
  readonly transactionTime: number | null;
  readonly finishedAt: number | null;
  readonly files: readonly ExportFile[];
  readonly error: string | null;
}

export interface ExportJobStore {
  get(id: string): Promise<ExportJobRecord | undefined>;
  put(job: ExportJobRecord): Promise<void>;
  delete(id: string): Promise<void>;
  list(): Promise<ExportJobRecord[]>;
}

export function createExportJobStore(components: {
  readonly subs: Pick<Sublevels, 'fhirExports'>;
}): ExportJobStore {
  const { fhirExports } = components.subs;
  return {
    get: (id) => fhirExports.get(id),
    put: (job) => fhirExports.put(job.id, job, { sync: true } as never),
    delete: (id) => fhirExports.del(id, { sync: true } as never),
    list: () => fhirExports.values().all(),
  };
}
