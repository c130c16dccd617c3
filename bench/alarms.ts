/**
 * Alarm evaluation cost per reading (docs/alarms.md): the pure state machine with the default rules and
 * NEWS2, and the alarm service on a real LevelDB (evaluation, the synced write of alarm changes, their
 * events and webhook deliveries). Readings come in batches, as the ingest log's commits hand them over.
 *
 *   npm run bench:alarms -- [--readings 200000] [--patients 1000] [--batch 100] [--write-docs]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { AlarmEngine } from '../src/alarms/engine.ts';
import { DEFAULT_RULES } from '../src/alarms/rules.ts';
import { createAlarmService } from '../src/alarms/service.ts';
import { createEventBus } from '../src/events/bus.ts';
import { openDb, type StoredReading, sublevels } from '../src/store/index.ts';
import { writeSection } from './lib/docs-section.ts';
import { describeMachine } from './lib/machine.ts';

const { values: flags } = parseArgs({
  options: {
    readings: { type: 'string', default: '200000' },
    patients: { type: 'string', default: '1000' },
    batch: { type: 'string', default: '100' },
    'write-docs': { type: 'boolean', default: false },
  },
});
const total = Number(flags.readings);
const patients = Number(flags.patients);
const batchSize = Number(flags.batch);
const T0 = Date.parse('2026-11-24T00:00:00.000Z');

/**
 * Vitals of every patient once a second, all five NEWS2 parameters; one patient in ten drifts in and out
 * of trouble (SpO2 and respiration rate) so that alarms open, escalate and close throughout.
 */
function makeReadings(): StoredReading[] {
  const out: StoredReading[] = [];
  for (let i = 0; i < total; i++) {
    const p = i % patients;
    const second = Math.floor(i / patients);
    const sick = p % 10 === 0 && Math.floor(second / 90) % 2 === 1;
    const ts = T0 + second * 1000 + p;
    out.push({
      id: (i + 1).toString(16).padStart(16, '0'),
      deviceId: `w-${p}`,
      kind: 'vitals',
      seq: second,
      ts,
      receivedAt: ts,
      data: {
        seq: second,
        ts,
        patientId: `P-${p}`,
        vitals: {
          respRate: sick ? 26 : 16,
          spo2: sick ? 88 : 97,
          systolic: 120,
          diastolic: 80,
          heartRate: sick ? 118 : 72,
          temperature: 36.8,
        },
      },
    } as unknown as StoredReading);
  }
  return out;
}

const engineOptions = {
  rules: DEFAULT_RULES,
  news2: { enabled: true, maxAgeMs: 300_000 },
  maxSubjects: 100_000,
};

function benchEngine(readings: readonly StoredReading[]) {
  let id = 0;
  const engine = new AlarmEngine(engineOptions, [], () => (++id).toString(16).padStart(16, '0'));
  let changes = 0;
  let events = 0;
  const start = performance.now();
  for (let i = 0; i < readings.length; i += batchSize) {
    for (const c of engine.evaluate(readings.slice(i, i + batchSize))) {
      changes++;
      if (c.event !== null) events++;
    }
  }
  const ms = performance.now() - start;
  return { ms, changes, events, alarms: id };
}

async function benchService(readings: readonly StoredReading[]) {
  const dir = mkdtempSync(join(tmpdir(), 'medgate-bench-alarms-'));
  const db = openDb(join(dir, 'store'));
  await db.open();
  try {
    const events = createEventBus({ maxListeners: 4 });
    const service = await createAlarmService(
      {
        ...engineOptions,
        maxPendingReadings: 1_000_000,
        // One webhook, never sent (the service is not started): its deliveries are written with the events.
        webhooks: [{ url: 'http://127.0.0.1:9/', secret: 'bench-secret-0123456789' }],
        maxEntries: 10_000_000,
        retryInitialMs: 1000,
        retryMaxMs: 1000,
        requestTimeoutMs: 1000,
      },
      { db, subs: sublevels(db), events, clock: Date.now },
    );
    const start = performance.now();
    for (let i = 0; i < readings.length; i += batchSize) {
      service.submit(readings.slice(i, i + batchSize));
      await service.drain();
    }
    const ms = performance.now() - start;
    await service.stop();
    return { ms };
  } finally {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const readings = makeReadings();
benchEngine(readings.slice(0, Math.min(readings.length, 20_000))); // warm-up
const engine = benchEngine(readings);
const service = await benchService(readings);
const machine = describeMachine();
const us = (ms: number) => ((ms * 1000) / readings.length).toFixed(2);
const perSecond = (ms: number) => Math.round(readings.length / (ms / 1000)).toLocaleString('en-US');
const report = `${machine.cpu}, ${machine.nproc} cores (nproc), Node ${machine.node}, ${machine.date}. Load average ${machine.loadAverage.toFixed(1)} at the start (other jobs share the cores). Command: \`npm run bench:alarms\` (\`--readings ${total} --patients ${patients} --batch ${batchSize}\`).

${readings.length.toLocaleString('en-US')} vitals readings of ${patients.toLocaleString('en-US')} patients (all five NEWS2 parameters each), handed over ${batchSize} at a time as commits hand them to the evaluator; one patient in ten deteriorates and recovers every 90 s of device time, so alarms keep opening, escalating and closing (${engine.alarms.toLocaleString('en-US')} alarms, ${engine.events.toLocaleString('en-US')} events). The default rules and NEWS2 are on.

| what | per reading | readings/s |
|---|---:|---:|
| state machine alone (rules + NEWS2, in memory) | ${us(engine.ms)} µs | ${perSecond(engine.ms)} |
| alarm service on LevelDB (evaluation + one synced write per batch with alarms, events, outbox) | ${us(service.ms)} µs | ${perSecond(service.ms)} |

Evaluation runs after the commit that releases the PUBACK, on a later turn of the event loop: it adds
nothing to the acknowledgement path, and the service takes every reading that arrived meanwhile in one
evaluation and one write.
`;
process.stdout.write(`${report}\n`);
if (flags['write-docs']) writeSection('docs/benchmarks.md', '## Alarms', `## Alarms\n\n${report}`);
