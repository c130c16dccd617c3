/**
 * Alarm evaluation cost per reading (docs/alarms.md): the pure state machine with the default rules and
 * NEWS2, and the alarm service on a real LevelDB (evaluation, the synced write of alarm changes, their
 * events and webhook deliveries). Readings come in batches, as the ingest log's commits hand them over.
 * Then a real gateway, wearables publishing QoS 1 over MQTT, PUBACK latency with alarms on and off.
 *
 *   npm run bench:alarms -- [--readings 200000] [--patients 200] [--batch 100] [--messages 400] [--write-docs]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import mqtt from 'mqtt';
import { AlarmEngine } from '../src/alarms/engine.ts';
import { DEFAULT_RULES } from '../src/alarms/rules.ts';
import { createAlarmService } from '../src/alarms/service.ts';
import { parseConfig } from '../src/config/index.ts';
import { createEventBus } from '../src/events/bus.ts';
import { startGateway } from '../src/gateway.ts';
import { openDb, type StoredReading, sublevels } from '../src/store/index.ts';
import { writeSection } from './lib/docs-section.ts';
import { describeMachine } from './lib/machine.ts';

const { values: flags } = parseArgs({
  options: {
    readings: { type: 'string', default: '200000' },
    patients: { type: 'string', default: '200' },
    batch: { type: 'string', default: '100' },
    messages: { type: 'string', default: '400' },
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

/** CPU time (user + system, every thread of the process) since `since`, in ms: less disturbed by neighbours than wall time. */
const cpuMs = (since: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
};

const engineOptions = {
  rules: DEFAULT_RULES,
  news2: { enabled: true, maxAgeMs: 300_000, clearMs: 30_000 },
  maxSubjects: 100_000,
};

function benchEngine(readings: readonly StoredReading[]) {
  let id = 0;
  const engine = new AlarmEngine(engineOptions, [], () => (++id).toString(16).padStart(16, '0'));
  let changes = 0;
  let events = 0;
  const cpu = process.cpuUsage();
  const start = performance.now();
  for (let i = 0; i < readings.length; i += batchSize) {
    for (const c of engine.evaluate(readings.slice(i, i + batchSize))) {
      changes++;
      if (c.event !== null) events++;
    }
  }
  const ms = performance.now() - start;
  return { ms, cpuMs: cpuMs(cpu), changes, events, alarms: id };
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
    const cpu = process.cpuUsage();
    const start = performance.now();
    for (let i = 0; i < readings.length; i += batchSize) {
      service.submit(readings.slice(i, i + batchSize));
      await service.drain();
    }
    const ms = performance.now() - start;
    const cpuUsed = cpuMs(cpu);
    await service.stop();
    return { ms, cpuMs: cpuUsed };
  } finally {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const WEARABLES = 10;
const PER_MESSAGE = 10;
const IN_FLIGHT = 8;

/**
 * PUBACK latency of QoS 1 vitals (10 readings a message, 8 messages in flight per wearable, 10 wearables)
 * on a real gateway, with the default alarms or with none. Patients deteriorate every other minute of
 * device time, so alarms open and close throughout the run with alarms on.
 */
async function benchAcks(alarmsOn: boolean) {
  const dir = mkdtempSync(join(tmpdir(), 'medgate-bench-acks-'));
  const adminToken = 'bench-admin-token-0123456789abcdef';
  const gateway = await startGateway({
    config: parseConfig({
      gatewayId: 'gw-bench',
      dataDir: dir,
      mqtt: { host: '127.0.0.1', port: 0 },
      http: { host: '127.0.0.1', port: 0 },
      security: { secretHashLog2N: 10 },
      anchoring: { enabled: false },
      ...(alarmsOn ? {} : { alarms: { rules: [], news2: { enabled: false } } }),
    }),
    adminToken,
    log: () => {},
    apiLogLevel: 'silent',
    scheduleSealing: false,
  });
  const latencies: number[] = [];
  try {
    const clients = [];
    for (let d = 0; d < WEARABLES; d++) {
      const res = await gateway.api.inject({
        method: 'POST',
        url: '/v1/devices',
        headers: { authorization: `Bearer ${adminToken}` },
        payload: { id: `w-${d}`, kind: 'wearable', patientId: `P-${d}` },
      });
      const { secret } = res.json() as { secret: string };
      clients.push(
        await mqtt.connectAsync(`mqtt://127.0.0.1:${gateway.mqttPort()}`, {
          username: `w-${d}`,
          password: secret,
          clientId: `w-${d}`,
          protocolVersion: 4,
          reconnectPeriod: 0,
        }),
      );
    }
    const startTs = Date.now() - 3_600_000;
    const messages = Number(flags.messages);
    await Promise.all(
      clients.map(async (client, d) => {
        let next = 0;
        const worker = async () => {
          while (next < messages) {
            const m = next++;
            const payload = Array.from({ length: PER_MESSAGE }, (_, k) => {
              const seq = m * PER_MESSAGE + k;
              const ts = startTs + seq * 500;
              const sick = Math.floor(ts / 60_000) % 2 === 1;
              return {
                seq,
                ts,
                patientId: `P-${d}`,
                vitals: { respRate: sick ? 26 : 16, spo2: sick ? 88 : 97, heartRate: sick ? 118 : 72 },
              };
            });
            const sent = performance.now();
            await client.publishAsync(`tele/w-${d}/vitals`, JSON.stringify(payload), { qos: 1 });
            latencies.push(performance.now() - sent);
          }
        };
        await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
      }),
    );
    for (const c of clients) await c.endAsync();
    await gateway.alarms.drain();
    const events = (await gateway.metrics.alarmEvents.get()).values.reduce((n, v) => n + v.value, 0);
    latencies.sort((a, b) => a - b);
    const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]!;
    return { messages: latencies.length, p50: q(0.5), p99: q(0.99), max: latencies.at(-1)!, events };
  } finally {
    await gateway.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const readings = makeReadings();
benchEngine(readings.slice(0, Math.min(readings.length, 20_000))); // warm-up
// Best of three: on a shared machine the fastest run is the one least disturbed by the neighbours.
const best = <T extends { ms: number }>(runs: T[]) => runs.reduce((a, b) => (b.ms < a.ms ? b : a));
const engine = best([benchEngine(readings), benchEngine(readings), benchEngine(readings)]);
const service = best([
  await benchService(readings),
  await benchService(readings),
  await benchService(readings),
]);
// Alternated, so that neither setting always runs on a warmer or a more crowded machine.
const ackRuns: Array<[boolean, Awaited<ReturnType<typeof benchAcks>>]> = [];
for (const on of [false, true, true, false]) ackRuns.push([on, await benchAcks(on)]);
const ms = (v: number) => `${v.toFixed(1)} ms`;
const machine = describeMachine();
const us = (ms: number) => ((ms * 1000) / readings.length).toFixed(2);
const perSecond = (ms: number) => Math.round(readings.length / (ms / 1000)).toLocaleString('en-US');
const report = `${machine.cpu}, ${machine.nproc} cores (nproc), Node ${machine.node}, ${machine.date}. Load average ${machine.loadAverage.toFixed(1)} at the start (other jobs share the cores). Command: \`npm run bench:alarms\` (\`--readings ${total} --patients ${patients} --batch ${batchSize}\`).

${readings.length.toLocaleString('en-US')} vitals readings of ${patients.toLocaleString('en-US')} patients (all five NEWS2 parameters each), handed over ${batchSize} at a time as commits hand them to the evaluator; one patient in ten deteriorates and recovers every 90 s of device time, so alarms keep opening and closing (${engine.alarms.toLocaleString('en-US')} alarms, ${engine.events.toLocaleString('en-US')} events). The default rules and NEWS2 are on.

| what (best of 3 runs) | wall per reading | CPU per reading | readings/s (wall) |
|---|---:|---:|---:|
| state machine alone (rules + NEWS2, in memory) | ${us(engine.ms)} µs | ${us(engine.cpuMs)} µs | ${perSecond(engine.ms)} |
| alarm service on LevelDB (evaluation, then one write per batch with changes: alarms, events, outbox; synced when it holds an event) | ${us(service.ms)} µs | ${us(service.cpuMs)} µs | ${perSecond(service.ms)} |

Evaluation runs after the commit that releases the PUBACK, on a later turn of the event loop, and the
service takes every reading that arrived meanwhile in one evaluation and one write. It is not on the
acknowledgement path, but it shares the event loop and the disk (an fsync per batch holding an alarm event)
with ingestion; what that costs the acknowledgements, on a real gateway
(${WEARABLES} wearables over MQTT, QoS 1, ${PER_MESSAGE} readings a message, ${IN_FLIGHT} messages in flight each, ${Number(flags.messages)} messages per wearable;
patients deteriorate every other minute of device time), with the default alarms and with none, in the same
run:

| alarms | messages | alarm events | PUBACK p50 | p99 | max |
|---|---:|---:|---:|---:|---:|
${ackRuns
  .map(
    ([on, r]) =>
      `| ${on ? 'default rules and NEWS2' : 'none (`rules: []`, NEWS2 off)'} | ${r.messages.toLocaleString('en-US')} | ${r.events} | ${ms(r.p50)} | ${ms(r.p99)} | ${ms(r.max)} |`,
  )
  .join('\n')}
`;
process.stdout.write(`${report}\n`);
if (flags['write-docs']) writeSection('docs/benchmarks.md', '## Alarms', `## Alarms\n\n${report}`);
