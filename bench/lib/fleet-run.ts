/**
 * One fleet measurement: N lean devices connected to a target, driven at a rate each with one reading in
 * flight, for a warm-up and a measured window; the target's RSS sampled every second meanwhile.
 */
import hdr from 'hdr-histogram-js';
import { startTicker } from './fleet-ticker.ts';
import type { DeviceCredentials } from './load-client.ts';
import { type LatencySummaryMs, latencySummaryMs } from './load-stats.ts';
import { PacedClient } from './paced-client.ts';
import { memoryMb } from './procs.ts';
import { PublishWriter, TimestampCache } from './publish-writer.ts';

export interface FleetRunOptions {
  readonly port: number;
  /** The broker's pid, for its RSS. */
  readonly pid: number;
  readonly devices: readonly DeviceCredentials[];
  readonly rateHz: number;
  readonly warmupMs: number;
  readonly durationMs: number;
  readonly connectConcurrency: number;
  readonly connectTimeoutMs: number;
  readonly onProgress?: (line: string) => void;
  /** Called as the measured window ends, before the fleet disconnects (whose storm is not measured). */
  readonly onMeasureEnd?: () => void;
}

export interface FleetRunResult {
  readonly devices: number;
  readonly connected: number;
  readonly connectSeconds: number;
  readonly latencyMs: LatencySummaryMs;
  /** PUBACKs per second in the measured window. */
  readonly ackedRate: number;
  readonly sent: number;
  readonly acked: number;
  readonly lateTicks: number;
  readonly offlineTicks: number;
  readonly maxDriverLagMs: number;
  readonly rssBeforeMb: number;
  readonly rssConnectedMb: number;
  readonly rssMaxMb: number;
  /** The largest private (anonymous) part of the RSS while driven: RSS less mapped files. */
  readonly anonMaxMb: number;
  readonly rssEndMb: number;
  readonly errors: Record<string, number>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function connectAll(
  devices: readonly DeviceCredentials[],
  options: FleetRunOptions,
  onAck: (index: number, latencyMs: number) => void,
  onError: (kind: string) => void,
): Promise<Array<PacedClient | undefined>> {
  const clients: Array<PacedClient | undefined> = new Array(devices.length);
  let next = 0;
  let settled = 0;
  let connected = 0;
  return new Promise((resolve) => {
    const startOne = (): void => {
      const index = next++;
      const device = devices[index];
      if (device === undefined) return;
      const client = new PacedClient(device, {
        port: options.port,
        keepalive: 600,
        connectTimeoutMs: options.connectTimeoutMs,
        onAck: (ms) => onAck(index, ms),
        onError,
        onSettled: (ok, why) => {
          settled++;
          if (ok) {
            clients[index] = client;
            connected++;
          } else onError(why ?? 'connect failed');
          if (settled % 500 === 0) options.onProgress?.(`${connected} of ${devices.length} connected`);
          if (settled === devices.length) resolve(clients);
          else startOne();
        },
      });
    };
    for (let i = 0; i < Math.min(options.connectConcurrency, devices.length); i++) startOne();
  });
}

export async function runFleet(options: FleetRunOptions): Promise<FleetRunResult> {
  const histogram = hdr.build({ numberOfSignificantValueDigits: 3 });
  const errors = new Map<string, number>();
  const onError = (kind: string) => errors.set(kind, (errors.get(kind) ?? 0) + 1);
  let recording = false;
  let acked = 0;
  const onAck = (_index: number, ms: number) => {
    if (!recording) return;
    acked++;
    histogram.recordValue(Math.max(1, Math.round(ms * 1000)));
  };
  const rssBeforeMb = memoryMb(options.pid).rss;
  const connectStarted = performance.now();
  const clients = await connectAll(options.devices, options, onAck, onError);
  const connectSeconds = (performance.now() - connectStarted) / 1000;
  await sleep(1_000);
  const rssConnectedMb = memoryMb(options.pid).rss;
  const writers = options.devices.map(
    (d) => new PublishWriter({ deviceId: d.id, patientId: d.patientId, index: d.index }),
  );
  const clock = new TimestampCache();
  const ticker = startTicker({
    devices: options.devices.length,
    rateHz: options.rateHz,
    tick: (index) => {
      const client = clients[index];
      if (!client?.connected) return 'offline';
      if (client.busy) return 'busy';
      const writer = writers[index] as PublishWriter;
      const packet = Buffer.allocUnsafe(writer.packetLength);
      client.publish(packet, writer.writeNext(packet, 0, clock.now()));
      return 'sent';
    },
  });
  let rssMaxMb = rssConnectedMb;
  let anonMaxMb = 0;
  const sampler = setInterval(() => {
    try {
      const m = memoryMb(options.pid);
      rssMaxMb = Math.max(rssMaxMb, m.rss);
      anonMaxMb = Math.max(anonMaxMb, m.anon);
    } catch {}
  }, 1_000);
  try {
    options.onProgress?.(`warm-up ${options.warmupMs / 1000} s`);
    await sleep(options.warmupMs);
    ticker.reset();
    recording = true;
    const started = performance.now();
    options.onProgress?.(`measuring ${options.durationMs / 1000} s`);
    await sleep(options.durationMs);
    recording = false;
    options.onMeasureEnd?.();
    const seconds = (performance.now() - started) / 1000;
    const counts = { ...ticker.counts };
    ticker.stop();
    // Let the last readings be acknowledged before the fleet leaves.
    const deadline = performance.now() + 10_000;
    while (clients.some((c) => c?.busy) && performance.now() < deadline) await sleep(100);
    const rssEndMb = memoryMb(options.pid).rss;
    return {
      devices: options.devices.length,
      connected: clients.filter((c) => c !== undefined).length,
      connectSeconds,
      latencyMs: latencySummaryMs(histogram),
      ackedRate: acked / seconds,
      sent: counts.sent,
      acked,
      lateTicks: counts.late,
      offlineTicks: counts.offline,
      maxDriverLagMs: counts.maxDriverLagMs,
      rssBeforeMb,
      rssConnectedMb,
      rssMaxMb,
      anonMaxMb,
      rssEndMb,
      errors: Object.fromEntries(errors),
    };
  } finally {
    ticker.stop();
    clearInterval(sampler);
    for (const c of clients) c?.close();
    await sleep(500);
  }
}
