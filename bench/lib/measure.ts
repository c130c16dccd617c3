/** The two measurements made on each target: RSS with an idle fleet, and QoS 1 ingest under load. */
import type { LoadResult } from './loadgen-protocol.ts';
import { cpuSeconds, memoryMb } from './procs.ts';
import { progress } from './progress.ts';
import { connectIdle, runLoad } from './run-loadgen.ts';
import type { Target } from './target.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface IdleResult {
  readonly devices: number;
  readonly connected: number;
  readonly rssBeforeMb: number;
  readonly rssIdleMb: number;
  readonly errors: Record<string, number>;
}

export async function measureIdle(
  target: Target,
  count: number,
  connectTimeoutMs: number,
): Promise<IdleResult> {
  console.error(`${target.name}: ${count} idle devices`);
  const provisioning = progress(`${target.name}: devices`, count);
  const devices = await target
    .devices(count, (done, total) => provisioning.update(done, `${done} of ${total} provisioned`))
    .finally(() => provisioning.stop());
  await sleep(500);
  const rssBeforeMb = memoryMb(target.pid).rss;
  const bar = progress(`${target.name}: idle fleet`, count);
  let fleet: Awaited<ReturnType<typeof connectIdle>>;
  try {
    fleet = await connectIdle(
      { mode: 'idle', port: target.port, devices, connectConcurrency: 100, connectTimeoutMs },
      (m) => {
        if (m.type === 'connecting')
          bar.update(m.connected + m.failed, `${m.connected} connected, ${m.failed} failed`);
      },
    );
  } finally {
    bar.stop();
  }
  // Let the broker settle (buffers, GC) before reading its memory.
  await sleep(2_000);
  let rssIdleMb: number;
  try {
    rssIdleMb = memoryMb(target.pid).rss;
  } catch (err) {
    await fleet.close();
    throw err;
  }
  const last = await fleet.close();
  await sleep(1_000);
  return { devices: count, connected: last.open, rssBeforeMb, rssIdleMb, errors: last.errors };
}

export interface LoadOptions {
  readonly clients: number;
  readonly inflight: number;
  readonly warmupMs: number;
  readonly durationMs: number;
  readonly connectTimeoutMs: number;
}

export interface LoadMeasurement extends LoadResult {
  /** CPU use during the measured window, in % of one core (sampled by the bench, ±250 ms). */
  readonly brokerCpuPct: number;
  readonly loadgenCpuPct: number;
}

interface CpuSample {
  readonly wall: number;
  readonly broker: number;
  readonly loadgen: number;
}

export async function measureLoad(target: Target, options: LoadOptions): Promise<LoadMeasurement> {
  console.error(`${target.name}: ${options.clients} devices publishing`);
  const devices = await target.devices(options.clients);
  const totalMs = options.warmupMs + options.durationMs;
  const bar = progress(`${target.name}: ingest`, totalMs);
  // Time runs from the first tick, i.e. once every device is connected.
  let started = 0;
  let last = { t: 0, acked: 0 };
  let rate = 0;
  const cpu: CpuSample[] = [];
  const sampleCpu = (loadgenPid: number) => {
    cpu.push({ wall: performance.now(), broker: cpuSeconds(target.pid), loadgen: cpuSeconds(loadgenPid) });
  };
  let phase = '';
  try {
    const result = await runLoad(
      {
        mode: 'load',
        port: target.port,
        devices,
        window: options.inflight,
        warmupMs: options.warmupMs,
        durationMs: options.durationMs,
        connectConcurrency: 100,
        connectTimeoutMs: options.connectTimeoutMs,
      },
      (m, pid) => {
        if (m.type !== 'tick') return;
        if (m.phase !== phase && m.phase !== 'warmup') sampleCpu(pid);
        phase = m.phase;
        const now = performance.now();
        if (started === 0) {
          started = now;
          last = { t: now, acked: m.acked };
        }
        if (now - last.t >= 1_000) {
          rate = ((m.acked - last.acked) * 1000) / (now - last.t);
          last = { t: now, acked: m.acked };
        }
        bar.update(now - started, `${m.phase} ${Math.round(rate).toLocaleString('en-US')} msg/s`);
      },
    );
    const [from, to] = cpu;
    const pct = (key: 'broker' | 'loadgen') =>
      from && to ? (100 * (to[key] - from[key])) / ((to.wall - from.wall) / 1000) : Number.NaN;
    return { ...result, brokerCpuPct: pct('broker'), loadgenCpuPct: pct('loadgen') };
  } finally {
    bar.stop();
  }
}
