/**
 * What one export job writes (docs/fhir.md, "Bulk export"): for each patient, its Patient, then its readings
 * from the store a page at a time, each as the resources the job's owner may see and its Provenance; then
 * the devices that made them. Constant memory; the event loop turns every SLICE_MS of work.
 */
import { setImmediate as turn } from 'node:timers/promises';
import { deviceResource, patientResource } from '../../fhir/resources.ts';
import type { DeviceRegistry, ExportJobRecord, ReadingQueries } from '../../store/index.ts';
import type { Principal } from '../auth.ts';
import type { NdjsonFiles } from './ndjson-files.ts';
import type { ReadingMapper } from './readings.ts';

/** Readings read from the store per page of an export. */
const PAGE = 256;
/**
 * The export shares the event loop with ingestion: it yields after this much work, so an acknowledgement
 * waits at most about this long for it.
 */
const SLICE_MS = 4;
/** The free disk is looked at again after this many bytes written. */
const DISK_CHECK_BYTES = 32 * 1024 * 1024;

export interface ExportProgress {
  readonly patientsDone: number;
  readonly patients: number;
  readonly readings: number;
}

export interface ExportJobComponents {
  readonly readings: Pick<ReadingQueries, 'byPatient'>;
  readonly registry: Pick<DeviceRegistry, 'get'>;
  readonly mapper: ReadingMapper;
}

/** Writes the job's resources; resolves to the number of resources written per patient. */
export async function writeExport(
  job: ExportJobRecord,
  files: NdjsonFiles,
  components: ExportJobComponents,
  control: {
    readonly signal: AbortSignal;
    readonly report: (progress: ExportProgress) => void;
    /** Throws when the disk is too full to go on. */
    readonly checkDisk: () => Promise<void>;
  },
): Promise<Map<string, number>> {
  const { signal, report } = control;
  const types = new Set(job.types);
  const principal: Principal = { ...job.owner, patients: [...job.owner.patients] };
  const devices = new Set<string>();
  const counts = new Map<string, number>();
  let readings = 0;
  let checkedAt = 0;
  let slice = performance.now();
  for (let p = 0; p < job.patientIds.length; p++) {
    const patientId = job.patientIds[p]!;
    let exported = 0;
    if (types.has('Patient')) {
      await files.write('Patient', patientResource(patientId));
      exported++;
    }
    let after: string | undefined;
    for (;;) {
      if (signal.aborted) throw signal.reason;
      const page = await components.readings.byPatient(patientId, {
        from: 0,
        to: Number.MAX_SAFE_INTEGER,
        limit: PAGE,
        after,
      });
      for (const reading of page.readings) {
        if (job.since !== null && reading.receivedAt < job.since) continue;
        const view = components.mapper.view(reading, principal);
        devices.add(reading.deviceId);
        for (const resource of view.resources) {
          if (!types.has(resource.resourceType)) continue;
          await files.write(resource.resourceType, resource);
          exported++;
        }
        if (types.has('Provenance')) {
          await files.write('Provenance', await components.mapper.provenance(view));
          exported++;
        }
        readings++;
        if (performance.now() - slice > SLICE_MS) {
          await turn();
          slice = performance.now();
        }
      }
      report({ patientsDone: p, patients: job.patientIds.length, readings });
      if (files.bytes >= checkedAt + DISK_CHECK_BYTES) {
        checkedAt = files.bytes;
        await control.checkDisk();
      }
      if (page.nextAfter === null) break;
      after = page.nextAfter;
    }
    counts.set(patientId, exported);
  }
  if (types.has('Device')) {
    for (const deviceId of devices) {
      const record = components.registry.get(deviceId);
      if (!record) continue;
      const patientShown =
        record.patientId !== null &&
        job.owner.role !== 'auditor' &&
        (job.owner.role === 'admin' || job.owner.patients.includes(record.patientId));
      await files.write(
        'Device',
        deviceResource({
          id: record.id,
          kind: record.kind,
          patientId: patientShown ? record.patientId : null,
          active: record.revokedAt === null,
        }),
      );
    }
  }
  return counts;
}
