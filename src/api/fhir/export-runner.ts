/**
 * Bulk export jobs (FHIR Bulk Data Access 2.0, docs/fhir.md "Bulk export"): kept in LevelDB so they survive
 * a restart (a job cut short starts over), run a few at a time, each streaming a patient's readings from
 * the store page by page into NDJSON files under the data dir: memory stays flat whatever the size.
 * Finished jobs and their files are deleted after the retention time.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rm, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { GatewayError } from '../../errors.ts';
import type { Metrics } from '../../metrics.ts';
import type {
  AccessLog,
  DeviceRegistry,
  ExportJobRecord,
  ExportJobStore,
  ReadingQueries,
} from '../../store/index.ts';
import type { Principal } from '../auth.ts';
import { type ExportProgress, writeExport } from './export-job.ts';
import { createNdjsonFiles, JobBytesExceeded } from './ndjson-files.ts';
import type { ReadingMapper } from './readings.ts';

export type { ExportProgress };

export const EXPORT_TYPES = [
  'Patient',
  'Observation',
  'Provenance',
  'SupplyDelivery',
  'Task',
  'Device',
] as const;

export interface ExportOptions {
  /** Where job directories go (inside the data dir). */
  readonly dir: string;
  readonly maxRunning: number;
  readonly maxJobs: number;
  readonly maxJobsPerToken: number;
  readonly maxFileBytes: number;
  readonly maxJobBytes: number;
  /** Free disk below which kick-offs are refused and running jobs fail. */
  readonly minFreeBytes: number;
  readonly retentionMs: number;
}

export interface ExportComponents {
  readonly jobs: ExportJobStore;
  readonly readings: Pick<ReadingQueries, 'byPatient'>;
  readonly registry: Pick<DeviceRegistry, 'get'>;
  readonly mapper: ReadingMapper;
  readonly accessLog: Pick<AccessLog, 'append'>;
  readonly metrics: Metrics;
  readonly clock: () => number;
}

export interface ExportRunner {
  start(): Promise<void>;
  stop(): Promise<void>;
  kickOff(request: {
    principal: Principal;
    patientIds: readonly string[];
    types: readonly string[];
    since: number | null;
    request: string;
    baseUrl: string;
  }): Promise<ExportJobRecord>;
  /** The job, if it exists and belongs to this principal. */
  status(
    id: string,
    principal: Principal,
  ): Promise<{ job: ExportJobRecord; progress: ExportProgress | null }>;
  cancel(id: string, principal: Principal): Promise<void>;
  /** Absolute path of one of the job's files, after the owner check. */
  file(id: string, name: string, principal: Principal): Promise<string>;
}

class LowDisk extends Error {}

export function createExportRunner(options: ExportOptions, components: ExportComponents): ExportRunner {
  const { jobs, metrics, clock } = components;
  const queue: string[] = [];
  const running = new Map<
    string,
    { abort: AbortController; progress: ExportProgress; done: Promise<void> }
  >();
  let stopped = false;
  let sweeper: NodeJS.Timeout | null = null;

  const jobDir = (id: string) => join(options.dir, id);
  const freeBytes = async () => {
    const s = await statfs(options.dir);
    return s.bavail * s.bsize;
  };
  const owned = async (id: string, principal: Principal) => {
    const job = /^[0-9a-f]{32}$/.test(id) ? await jobs.get(id) : undefined;
    // Someone else's job does not exist, as far as this token can tell.
    if (!job || job.owner.name !== principal.name)
      throw new GatewayError('ERR_NOT_FOUND', `no export job ${id}`);
    return job;
  };

  function pump(): void {
    while (!stopped && running.size < options.maxRunning && queue.length > 0) {
      const id = queue.shift()!;
      const abort = new AbortController();
      const entry = {
        abort,
        progress: { patientsDone: 0, patients: 0, readings: 0 },
        done: Promise.resolve(),
      };
      running.set(id, entry);
      entry.done = run(id, abort.signal, (p) => {
        entry.progress = p;
      })
        .catch(() => {})
        .finally(() => {
          running.delete(id);
          pump();
        });
    }
  }

  async function run(id: string, signal: AbortSignal, report: (p: ExportProgress) => void): Promise<void> {
    const queued = await jobs.get(id);
    if (queued?.state !== 'queued') return;
    const job: ExportJobRecord = { ...queued, state: 'running', transactionTime: clock() };
    await jobs.put(job);
    const dir = jobDir(id);
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const files = createNdjsonFiles(dir, options, (n) => metrics.fhirExportBytes.inc(n));
    try {
      const counts = await writeExport(job, files, components, {
        signal,
        report,
        checkDisk: async () => {
          if ((await freeBytes()) < options.minFreeBytes)
            throw new LowDisk(
              `free disk fell below ${options.minFreeBytes} bytes (fhir.export.minFreeBytes)`,
            );
        },
      });
      const written = await files.close();
      // The read of each patient's data is logged when the data is ready to leave.
      for (const [patientId, count] of counts) {
        await components.accessLog.append({
          actor: job.owner.name,
          role: job.owner.role,
          action: 'fhir.export',
          patientId,
          resource: job.request,
          count,
        });
      }
      await jobs.put({ ...job, state: 'complete', files: written, finishedAt: clock() });
      metrics.fhirExportJobs.inc({ outcome: 'complete' });
    } catch (err) {
      await files.abort();
      if (signal.aborted) return; // stopped or cancelled: the record says what happens next
      await rm(dir, { recursive: true, force: true });
      const message =
        err instanceof JobBytesExceeded ? err.message : `export failed: ${(err as Error).message}`;
      await jobs.put({ ...job, state: 'failed', error: message, finishedAt: clock() });
      metrics.fhirExportJobs.inc({ outcome: 'failed' });
    }
  }

  async function sweep(): Promise<void> {
    const now = clock();
    for (const job of await jobs.list()) {
      if (job.finishedAt !== null && now - job.finishedAt > options.retentionMs) {
        await rm(jobDir(job.id), { recursive: true, force: true });
        await jobs.delete(job.id);
        metrics.fhirExportJobs.inc({ outcome: 'expired' });
      }
    }
  }

  return {
    async start() {
      await mkdir(options.dir, { recursive: true, mode: 0o700 });
      await sweep();
      // A job the last run did not finish starts over; queued ones keep their turn.
      const unfinished = (await jobs.list())
        .filter((j) => j.state === 'queued' || j.state === 'running')
        .sort((a, b) => a.createdAt - b.createdAt);
      for (const job of unfinished) {
        if (job.state === 'running') await jobs.put({ ...job, state: 'queued', transactionTime: null });
        queue.push(job.id);
      }
      sweeper = setInterval(() => void sweep().catch(() => {}), Math.min(options.retentionMs, 60_000));
      sweeper.unref();
      pump();
    },
    async stop() {
      stopped = true;
      if (sweeper) clearInterval(sweeper);
      for (const entry of running.values()) entry.abort.abort(new Error('gateway stopping'));
      await Promise.all([...running.values()].map((e) => e.done));
    },
    async kickOff(request) {
      const all = await jobs.list();
      if (all.length >= options.maxJobs) {
        metrics.fhirExportsRefused.inc({ reason: 'jobs' });
        throw new GatewayError(
          'ERR_EXPORT_LIMIT',
          `${all.length} export jobs are kept (fhir.export.maxJobs)`,
          {
            details: { retryAfterSeconds: 60 },
          },
        );
      }
      if (all.filter((j) => j.owner.name === request.principal.name).length >= options.maxJobsPerToken) {
        metrics.fhirExportsRefused.inc({ reason: 'per_token' });
        throw new GatewayError(
          'ERR_EXPORT_LIMIT',
          'this token has as many export jobs as it may keep (fhir.export.maxJobsPerToken): delete one',
          { details: { retryAfterSeconds: 60 } },
        );
      }
      if ((await freeBytes()) < options.minFreeBytes) {
        metrics.fhirExportsRefused.inc({ reason: 'disk' });
        throw new GatewayError(
          'ERR_EXPORT_DISK',
          `less than ${options.minFreeBytes} bytes of free disk (fhir.export.minFreeBytes): no export now`,
          { details: { retryAfterSeconds: 300 } },
        );
      }
      const { principal } = request;
      const job: ExportJobRecord = {
        id: randomBytes(16).toString('hex'),
        owner: { name: principal.name, role: principal.role, patients: [...principal.patients] },
        patientIds: [...request.patientIds],
        types: [...request.types],
        since: request.since,
        request: request.request,
        baseUrl: request.baseUrl,
        state: 'queued',
        createdAt: clock(),
        transactionTime: null,
        finishedAt: null,
        files: [],
        error: null,
      };
      await jobs.put(job);
      queue.push(job.id);
      pump();
      return job;
    },
    async status(id, principal) {
      const job = await owned(id, principal);
      return { job, progress: running.get(id)?.progress ?? null };
    },
    async cancel(id, principal) {
      await owned(id, principal);
      const index = queue.indexOf(id);
      if (index >= 0) queue.splice(index, 1);
      const entry = running.get(id);
      if (entry) {
        entry.abort.abort(new Error('cancelled'));
        await entry.done;
      }
      await rm(jobDir(id), { recursive: true, force: true });
      await jobs.delete(id);
      metrics.fhirExportJobs.inc({ outcome: 'cancelled' });
    },
    async file(id, name, principal) {
      const job = await owned(id, principal);
      const file = job.state === 'complete' ? job.files.find((f) => f.name === name) : undefined;
      if (!file) throw new GatewayError('ERR_NOT_FOUND', `no file ${name} in export ${id}`);
      return join(jobDir(id), file.name);
    },
  };
}
