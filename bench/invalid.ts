/**
 * What an invalid reading costs ingestion (docs/benchmarks.md, "Invalid readings"): µs of event loop per
 * reading for parse, validation and the quarantine text (`toIngestMessage`, the synchronous part of the
 * ingest hook), and the bytes of the error report and quarantined text it produces.
 * Usage: node bench/invalid.ts
 */
import { toIngestMessage } from '../src/broker/ingest.ts';
import type { DeviceRecord } from '../src/store/index.ts';

const now = Date.now();
const device = { id: 'w1', kind: 'wearable', patientId: null, revokedAt: null } as unknown as DeviceRecord;
const options = { maxPayloadBytes: 65_536, maxBatch: 500, maxFutureMs: 300_000, backfillMs: 7 * 86_400_000 };
const reading = (seq: number, extra: Record<string, unknown>) => ({
  seq,
  ts: now,
  patientId: 'P-1',
  vitals: { heartRate: 72 },
  ...extra,
});
const strip = (sample: unknown) => ({ ecg: { hz: 250, mv: new Array(5000).fill(sample) } });
const cases: Array<[string, string, number]> = [
  [
    '4 readings × 5,000 out-of-range ECG samples',
    JSON.stringify([1, 2, 3, 4].map((s) => reading(s, strip(99)))),
    4,
  ],
  ['1 reading, 5,000 out-of-range ECG samples', JSON.stringify(reading(1, strip(99))), 1],
  ['1 reading, 5,000 ECG samples that are strings', JSON.stringify(reading(1, strip('x'))), 1],
  [
    '1 reading, 200 unknown fields',
    JSON.stringify(reading(1, Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`f${i}`, i])))),
    1,
  ],
  ['1 valid reading, 5,000 ECG samples (for scale)', JSON.stringify(reading(1, strip(0.1))), 1],
  ['1 valid reading, no ECG (for scale)', JSON.stringify(reading(1, {})), 1],
];
const bytes = (s: string) => new TextEncoder().encode(s);
for (const [name, text, readings] of cases) {
  const payload = bytes(text);
  let report = 0;
  let raw = 0;
  for (let i = 0; i < 5; i++) toIngestMessage(device, 'vitals', payload, now, options);
  const runs = 50;
  const start = performance.now();
  for (let i = 0; i < runs; i++) {
    const m = toIngestMessage(device, 'vitals', payload, now, options);
    report = 0;
    raw = 0;
    for (const r of m.rejected) {
      report += JSON.stringify({ seq: r.seq, errors: r.errors }).length;
      raw += r.raw.length;
    }
  }
  const us = ((performance.now() - start) * 1000) / runs / readings;
  console.log(
    `| ${name} | ${payload.length.toLocaleString('en')} | ${us.toFixed(0)} | ${(report / readings).toLocaleString('en')} | ${(raw / readings).toLocaleString('en')} |`,
  );
}
