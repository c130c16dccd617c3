/**
 * The fleet runner: provisions the planned devices, connects them at a ramp, runs them for the duration
 * (with the planned drops), drains buffers and in-flight messages, and returns the summary.
 */
import { type Counters, createCounters, storedCount } from './counters.ts';
import { createDevice, type DeviceReport, type SimDevice } from './device.ts';
import { type LeanFleet, startLeanFleet } from './lean.ts';
import { type PlannedDevice, planFleet } from './plan.ts';
import { provisionDevices } from './provision.ts';
import { createRng, deriveSeed } from './rng.ts';
import { droneSource, type ReadingSource, wearableSource } from './sources.ts';
import { type ProcessUsage, startUsage } from './usage.ts';

export interface FleetOptions {
  readonly mqtt: string;
  readonly api: string;
  readonly adminToken: string;
  readonly wearables: number;
  readonly drones: number;
  /** Readings per second per device. */
  readonly rateHz: number;
  readonly durationS: number;
  readonly badRatio?: number;
  readonly disconnectRatio?: number;
  readonly seed?: number;
  /** New connections per second (the gateway limits connections per address; default 150). */
  readonly rampPerSec?: number;
  /** Prefix of device and patient ids; default unique per run, so runs never collide on one gateway. */
  readonly idPrefix?: string;
  /** ECG strip at most every this many seconds per wearable; 0 for none (default 60). */
  readonly ecgIntervalS?: number;
  readonly maxBatch?: number;
  readonly maxPayloadBytes?: number;
  /** How long to wait after the run for buffers and in-flight messages (default 20 s). */
  readonly drainTimeoutMs?: number;
  readonly onProgress?: (progress: FleetProgress) => void;
  readonly progressIntervalMs?: number;
  /**
   * The lean publish path (device-sim/lean.ts): raw sockets, one reading in flight, no reconnects, offline
   * buffers or spoiled readings; for fleets of thousands at 1 Hz from one process.
   */
  readonly lean?: boolean;
}

export interface FleetProgress {
  readonly phase: 'provisioning' | 'running' | 'draining';
  readonly elapsedMs: number;
  readonly durationMs: number;
  readonly provisioned: number;
  readonly devices: number;
  readonly counters: Readonly<Counters>;
}

export interface FleetSummary {
  /** Readings published. */
  readonly sent: number;
  /** Readings acknowledged and not rejected: what the gateway stored. */
  readonly acked: number;
  /** Rejection reports received on the errors topics. */
  readonly rejected: number;
  /** Readings produced while offline and flushed later. */
  readonly buffered: number;
  readonly latencyMs: { readonly p50: number; readonly p99: number };
  readonly details: {
    readonly badSent: number;
    readonly ackedRaw: number;
    readonly messages: number;
    readonly arrays: number;
    readonly drops: number;
    readonly reconnects: number;
    readonly connectFailures: number;
    readonly overflowed: number;
    /** Readings still unacknowledged when the drain timed out. */
    readonly unsent: number;
    readonly maxLatencyMs: number;
    /** Lean path: ticks that found the device's previous reading still in flight. */
    readonly lateTicks?: number;
  };
  readonly devices: readonly (DeviceReport & Pick<PlannedDevice, 'kind' | 'patientId'>)[];
  readonly process: ProcessUsage;
  readonly durationMs: number;
}

export interface RunContext {
  readonly signal?: AbortSignal;
}

export async function runFleet(options: FleetOptions, context: RunContext = {}): Promise<FleetSummary> {
  checkOptions(options);
  const usage = startUsage();
  const signal = context.signal;
  const seed = options.seed ?? 1;
  const durationMs = options.durationS * 1000;
  const counters = createCounters();
  const plan = planFleet({
    wearables: options.wearables,
    drones: options.drones,
    seed,
    idPrefix:
      options.idPrefix ?? `sim-${Date.now().toString(36)}${Math.floor(Math.random() * 1296).toString(36)}`,
    disconnectRatio: options.disconnectRatio ?? 0,
    durationMs,
  });
  let phase: FleetProgress['phase'] = 'provisioning';
  let provisioned = 0;
  let startedAt = performance.now();
  const progress = (): void =>
    options.onProgress?.({
      phase,
      elapsedMs: phase === 'provisioning' ? 0 : performance.now() - startedAt,
      durationMs,
      provisioned,
      devices: plan.length,
      counters,
    });
  const progressTimer = setInterval(progress, options.progressIntervalMs ?? 250);
  const timers: NodeJS.Timeout[] = [];
  const devices: SimDevice[] = [];
  let lean: LeanFleet | null = null;
  try {
    const secrets = await provisionDevices(plan, {
      api: options.api,
      adminToken: options.adminToken,
      signal,
      onProgress: (n) => {
        provisioned = n;
      },
    });
    phase = 'running';
    startedAt = performance.now();
    const t0 = Date.now();
    const wearablePatients = plan.flatMap((d) => (d.patientId ? [d.patientId] : []));
    if (options.lean) {
      const mqttUrl = new URL(options.mqtt);
      lean = startLeanFleet(
        plan.map((d) => ({
          id: d.id,
          secret: secrets.get(d.id)!,
          source: sourceFor(d, seed, t0, wearablePatients, options.ecgIntervalS ?? 60),
        })),
        {
          host: mqttUrl.hostname,
          port: Number(mqttUrl.port || 1883),
          rateHz: options.rateHz,
          rampPerSec: options.rampPerSec ?? 150,
          connectTimeoutMs: 30_000,
          counters,
          clock: Date.now,
        },
      );
      await sleepUnlessAborted(durationMs, signal);
      phase = 'draining';
      lean.stopReadings();
      const fleet = lean;
      await until(() => fleet.pending() === 0, options.drainTimeoutMs ?? 20_000, signal);
    }
    for (const d of options.lean ? [] : plan) {
      devices.push(
        createDevice(
          {
            id: d.id,
            secret: secrets.get(d.id)!,
            mqttUrl: options.mqtt,
            rateHz: options.rateHz,
            jitter: 0.1,
            badRatio: options.badRatio ?? 0,
            maxBatch: options.maxBatch ?? 500,
            maxPayloadBytes: options.maxPayloadBytes ?? 60_000,
            maxBuffered: 100_000,
            backoffMinMs: 250,
            backoffMaxMs: 30_000,
            connectTimeoutMs: 30_000,
          },
          {
            source: sourceFor(d, seed, t0, wearablePatients, options.ecgIntervalS ?? 60),
            rng: createRng(deriveSeed(seed, 'device', d.index)),
            counters,
            clock: Date.now,
          },
        ),
      );
    }
    if (!options.lean) await runDevices(plan, devices, options, durationMs, timers, signal);
    phase = 'draining';
    for (const d of devices) d.stopReadings();
    for (const d of devices) d.reconnectNow();
    const drainTimeout = options.drainTimeoutMs ?? 20_000;
    await until(() => devices.every((d) => d.pending() === 0), drainTimeout, signal);
    // Rejection reports follow the PUBACKs; wait for the ones we expect.
    await until(() => counters.rejected >= counters.ackedBad, Math.min(5000, drainTimeout), signal);
  } finally {
    clearInterval(progressTimer);
    for (const t of timers) clearTimeout(t);
    lean?.close();
    await Promise.all(devices.map((d) => d.close()));
  }
  progress();
  const reports = (lean ? lean.reports() : devices.map((d) => d.report())).map((r, i) => ({
    ...r,
    kind: plan[i]!.kind,
    patientId: plan[i]!.patientId,
  }));
  const h = counters.latencyUs;
  const ms = (us: number): number => Math.round(us) / 1000;
  return {
    sent: counters.sent,
    acked: storedCount(counters),
    rejected: counters.rejected,
    buffered: counters.buffered,
    latencyMs: { p50: ms(h.getValueAtPercentile(50)), p99: ms(h.getValueAtPercentile(99)) },
    details: {
      badSent: counters.badSent,
      ackedRaw: counters.ackedGood + counters.ackedBad,
      messages: counters.messages,
      arrays: counters.arrays,
      drops: counters.drops,
      reconnects: counters.reconnects,
      connectFailures: counters.connectFailures,
      overflowed: counters.overflowed,
      unsent: reports.reduce((n, r) => n + r.pending, 0),
      maxLatencyMs: ms(h.maxValue),
      ...(lean ? { lateTicks: lean.lateTicks() } : {}),
    },
    devices: reports,
    process: usage(),
    durationMs: Math.round(performance.now() - startedAt),
  };
}

function sourceFor(
  d: PlannedDevice,
  seed: number,
  t0: number,
  patients: readonly string[],
  ecgIntervalS: number,
): ReadingSource {
  const rng = createRng(deriveSeed(seed, 'model', d.index));
  if (d.kind === 'wearable') {
    return wearableSource(
      {
        patientId: d.patientId!,
        profile: d.profile ?? 'healthy',
        t0,
        utcOffsetH: 0,
        ecgIntervalMs: ecgIntervalS > 0 ? ecgIntervalS * 1000 : null,
      },
      rng,
    );
  }
  return droneSource(
    {
      flightPrefix: d.id,
      t0,
      patientIds: patients.length > 0 ? patients : [`P-${d.id}`],
      base: d.index,
      // Spread the drones over their cycle, so that a short run sees every phase.
      warmUpMs: rng.uniform(0, 30 * 60_000),
    },
    rng,
  );
}

/** Connects at the ramp, schedules the drops, and resolves at the end of the duration or on abort. */
async function runDevices(
  plan: readonly PlannedDevice[],
  devices: readonly SimDevice[],
  options: FleetOptions,
  durationMs: number,
  timers: NodeJS.Timeout[],
  signal: AbortSignal | undefined,
): Promise<void> {
  const ramp = options.rampPerSec ?? 150;
  const perTick = Math.max(1, Math.round(ramp / 10));
  for (let i = 0; i < devices.length; i += perTick) {
    timers.push(
      setTimeout(
        () => {
          for (const d of devices.slice(i, i + perTick)) d.start();
        },
        (i / perTick) * 100,
      ),
    );
  }
  for (const [i, p] of plan.entries()) {
    if (!p.drop) continue;
    const { afterMs, forMs } = p.drop;
    timers.push(setTimeout(() => dropWhenOnline(devices[i]!, forMs, timers), afterMs));
  }
  await new Promise<void>((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, durationMs);
    if (signal?.aborted) done();
    else signal?.addEventListener('abort', done, { once: true });
  });
}

/** A device still connecting when its drop is due drops as soon as it is online. */
function dropWhenOnline(device: SimDevice, forMs: number, timers: NodeJS.Timeout[]): void {
  if (device.isOnline()) device.drop(forMs);
  else timers.push(setTimeout(() => dropWhenOnline(device, forMs, timers), 250));
}

function sleepUnlessAborted(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    if (signal?.aborted) done();
    else signal?.addEventListener('abort', done, { once: true });
  });
}

async function until(done: () => boolean, timeoutMs: number, signal: AbortSignal | undefined): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!done() && performance.now() < deadline && !signal?.aborted) {
    await new Promise((r) => setTimeout(r, 50));
  }
}

function checkOptions(o: FleetOptions): void {
  const problems: string[] = [];
  const count = (name: string, v: number) => {
    if (!Number.isInteger(v) || v < 0) problems.push(`${name} must be an integer >= 0, got ${v}`);
  };
  const ratio = (name: string, v: number | undefined) => {
    if (v !== undefined && !(v >= 0 && v <= 1)) problems.push(`${name} must be in 0..1, got ${v}`);
  };
  count('wearables', o.wearables);
  count('drones', o.drones);
  if (!(o.rateHz > 0 && o.rateHz <= 1000)) problems.push(`rateHz must be in (0, 1000], got ${o.rateHz}`);
  if (!(o.durationS > 0)) problems.push(`durationS must be > 0, got ${o.durationS}`);
  ratio('badRatio', o.badRatio);
  ratio('disconnectRatio', o.disconnectRatio);
  if (o.wearables + o.drones === 0) problems.push('no devices: set wearables and/or drones');
  if (o.maxBatch !== undefined && !(o.maxBatch >= 1 && o.maxBatch <= 500))
    problems.push('maxBatch must be 1..500');
  if (o.lean && ((o.badRatio ?? 0) > 0 || (o.disconnectRatio ?? 0) > 0)) {
    problems.push(
      'lean: no spoiled readings nor drops on the lean path (badRatio and disconnectRatio must be 0)',
    );
  }
  if (o.lean && !['mqtt:', 'tcp:'].includes(new URL(o.mqtt).protocol)) {
    problems.push('lean: plain MQTT over TCP only (mqtt:// or tcp://)');
  }
  if (problems.length > 0) throw new RangeError(`invalid fleet options:\n  ${problems.join('\n  ')}`);
}
