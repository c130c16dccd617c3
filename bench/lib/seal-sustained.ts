/**
 * Sealing on schedule (node-cron, real clock) while a publisher keeps a steady rate: for each full window,
 * how long after it was due it was durable, and the ack latency and event-loop delay meanwhile.
 */
import type { WindowRecord } from '../../src/store/index.ts';
import type { AckSummary } from './seal-acks.ts';
import { startSealGateway } from './seal-gateway.ts';
import { type LoopDelay, loopDelay, mb, sleep } from './seal-loop.ts';
import { startPublisher } from './seal-run-publisher.ts';

const GRACE_MS = 2_000;
/** The per-seal event-loop histogram starts this long before the cron tick. */
const LEAD_MS = 100;

export interface SustainedOptions {
  readonly rate: number;
  readonly batch: number;
  readonly publishers: number;
  readonly windowSeconds: number;
  readonly windows: number;
}

export interface SealedWindow {
  readonly start: number;
  readonly readings: number;
  /** From end + grace (the cron tick) to the record being durable. */
  readonly sealMs: number;
  readonly loop: LoopDelay;
  readonly acks: AckSummary;
}

export interface SustainedResult {
  readonly rate: number;
  readonly windowSeconds: number;
  readonly windows: SealedWindow[];
  readonly acksOverall: AckSummary;
  readonly loopOverall: LoopDelay;
  readonly published: { sent: number; acked: number; skipped: number };
  /** RSS at the end of the run, MB. */
  readonly rssMb: number;
}

const log = (line: string) => process.stderr.write(`sustained: ${line}\n`);

export async function runSustained(options: SustainedOptions): Promise<SustainedResult> {
  const windowMs = options.windowSeconds * 1000;
  const sealedAt = new Map<number, { window: WindowRecord; at: number; loop: LoopDelay }>();
  let perSeal: ReturnType<typeof loopDelay> | null = null;
  let onFull: (() => void) | null = null;
  let firstFull = Number.POSITIVE_INFINITY;
  const g = await startSealGateway({
    windowSeconds: options.windowSeconds,
    scheduleSealing: true,
    onSealed: (window) => {
      const loop = perSeal?.stop() ?? { p99: 0, max: 0 };
      perSeal = null;
      sealedAt.set(window.start, { window, at: Date.now(), loop });
      const full = [...sealedAt.keys()].filter((s) => s >= firstFull).length;
      log(`window ${new Date(window.start).toISOString()}: ${window.readings} readings, sealed`);
      if (full >= options.windows) onFull?.();
    },
  });
  try {
    const publisher = await startPublisher({
      port: g.gateway.mqttPort(),
      devices: await g.provision(options.publishers),
      rate: options.rate,
      batch: options.batch,
    });
    const t0 = Date.now();
    firstFull = t0 - (t0 % windowMs) + windowMs;
    // A fresh loop-delay histogram just before each cron tick, read when the window is sealed.
    const arm = () => {
      const now = Date.now();
      const tick = now - (now % windowMs) + GRACE_MS;
      const next = tick - LEAD_MS > now ? tick : tick + windowMs;
      return setTimeout(
        () => {
          perSeal = loopDelay();
          timer = arm();
        },
        next - LEAD_MS - now,
      );
    };
    let timer = arm();
    log(
      `publishing ${options.rate} readings/s from ${options.publishers} devices, ${options.windowSeconds} s windows`,
    );
    const overall = loopDelay();
    publisher.start();
    const progress = setInterval(
      () => log(`sent ${publisher.progress.sent}, acked ${publisher.progress.acked}`),
      5_000,
    );
    await new Promise<void>((resolve) => {
      onFull = resolve;
    });
    clearInterval(progress);
    clearTimeout(timer);
    const loopOverall = overall.stop();
    await sleep(500);
    const full = [...sealedAt.values()].filter((s) => s.window.start >= firstFull).slice(0, options.windows);
    const intervals = full.map((s) => ({
      label: String(s.window.start),
      from: s.window.end + GRACE_MS,
      to: s.at,
    }));
    const summaries = await publisher.summaries([...intervals, { label: 'all', from: t0, to: Date.now() }]);
    const totals = await publisher.stop();
    return {
      rate: options.rate,
      windowSeconds: options.windowSeconds,
      windows: full.map((s) => ({
        start: s.window.start,
        readings: s.window.readings,
        sealMs: s.at - (s.window.end + GRACE_MS),
        loop: s.loop,
        acks: summaries[String(s.window.start)]!,
      })),
      acksOverall: summaries.all!,
      loopOverall,
      published: { sent: totals.sent, acked: totals.acked, skipped: totals.skipped },
      rssMb: mb(process.memoryUsage().rss),
    };
  } finally {
    log('stopping the gateway');
    await g.stop();
  }
}
