/**
 * The big window's readings, submitted straight to the ingest log (what the broker's hook does after
 * parsing): ~300-byte vitals from a fleet of wearables, one reading per message, receipt times spread
 * evenly over [from, to).
 */
import type { IngestLog, IngestMessage } from '../../src/store/index.ts';
import type { VitalsReading } from '../../src/telemetry/index.ts';
import { deviceIdentities } from './devices.ts';
import { buildVitalsTemplate } from './vitals-payload.ts';

const CHUNK = 5_000;

export interface SubmitOptions {
  readonly readings: number;
  readonly devices: number;
  readonly from: number;
  readonly to: number;
  readonly onProgress?: (submitted: number) => void;
}

/** Returns the mean payload size in bytes (the reading's JSON). */
export async function submitReadings(
  ingestLog: Pick<IngestLog, 'submit'>,
  options: SubmitOptions,
): Promise<number> {
  const fleet = deviceIdentities(options.devices).map((d) => ({
    ...d,
    template: JSON.parse(buildVitalsTemplate(d.patientId, d.index).bytes.toString()) as VitalsReading,
  }));
  const span = options.to - options.from;
  let bytes = 0;
  for (let first = 0; first < options.readings; first += CHUNK) {
    const pending: Promise<unknown>[] = [];
    for (let i = first; i < Math.min(first + CHUNK, options.readings); i++) {
      const device = fleet[i % fleet.length]!;
      const receivedAt = options.from + Math.floor((i * span) / options.readings);
      const seq = 1 + Math.floor(i / fleet.length);
      const data = { ...device.template, seq, ts: new Date(receivedAt - 150).toISOString() };
      if (i < 100) bytes += JSON.stringify(data).length;
      const message: IngestMessage = {
        deviceId: device.id,
        kind: 'vitals',
        receivedAt,
        valid: [{ index: 0, seq, ts: receivedAt - 150, data }],
        rejected: [],
      };
      pending.push(ingestLog.submit(message));
    }
    await Promise.all(pending);
    options.onProgress?.(Math.min(first + CHUNK, options.readings));
  }
  return Math.round(bytes / Math.min(100, options.readings));
}
