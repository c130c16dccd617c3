/**
 * One big window: N readings received in one window of an injected clock, then the clock moved on and the
 * window sealed while a publisher keeps publishing into the next one. Measures the seal's wall and CPU
 * time, the event-loop delay and the publisher's ack latency before, during and after it.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import type { AckSummary } from './seal-acks.ts';
import { startSealGateway } from './seal-gateway.ts';
import { type LoopDelay, loopDelay, mb, peakRssMb, sleep } from './seal-loop.ts';
import { submitReadings } from './seal-readings.ts';
import { startPublisher } from './seal-run-publisher.ts';

const WINDOW_MS = 60_000;
const GRACE_MS = 2_000;
const QUIET_MS = 3_000;

export interface BigOptions {
  readonly readings: number;
  readonly devices: number;
  readonly bigRate: number;
  readonly batch: number;
  readonly publishers: number;
  /** Write a CPU profile of the seal alone to this file. */
  readonly cpuProfile?: string | undefined;
}

export interface BigResult {
  readonly readings: number;
  readonly devices: number;
  readonly readingBytes: number;
  readonly loadMs: number;
  readonly sealMs: number;
  readonly sealCpuMs: number;
  readonly loop: { readonly before: LoopDelay; readonly during: LoopDelay };
  readonly acks: Record<'before' | 'during' | 'after', AckSummary>;
  readonly rate: number;
  readonly published: { sent: number; acked: number; skipped: number };
  readonly rssBeforeMb: number;
  readonly rssAfterMb: number;
  readonly peakRssMb: number;
}

const log = (line: string) => process.stderr.write(`big window: ${line}\n`);

export async function runBigWindow(options: BigOptions): Promise<BigResult> {
  const t = Date.now();
  const w0 = t - (t % WINDOW_MS) + WINDOW_MS;
  // The gateway's clock: inside window w0 while loading, then past its end and grace.
  let skew = w0 + 500 - t;
  const g = await startSealGateway({
    windowSeconds: WINDOW_MS / 1000,
    clock: () => Date.now() + skew,
    scheduleSealing: false,
  });
  try {
    const publisher = await startPublisher({
      port: g.gateway.mqttPort(),
      devices: await g.provision(options.publishers),
      rate: options.bigRate,
      batch: options.batch,
    });
    log(`loading ${options.readings.toLocaleString('en')} readings from ${options.devices} devices`);
    const l0 = performance.now();
    const readingBytes = await submitReadings(g.gateway.ingestLog, {
      readings: options.readings,
      devices: options.devices,
      from: w0 + 1_000,
      to: w0 + WINDOW_MS - 5_000,
      onProgress: (n) => n % 50_000 === 0 && log(`${n.toLocaleString('en')} submitted`),
    });
    const loadMs = performance.now() - l0;
    skew = w0 + WINDOW_MS + GRACE_MS + 1_000 - Date.now();

    log(`publishing ${options.bigRate} readings/s into the next window from ${options.publishers} devices`);
    publisher.start();
    const b0 = Date.now();
    const before = loopDelay();
    await sleep(QUIET_MS);
    const loopBefore = before.stop();
    const rssBeforeMb = mb(process.memoryUsage().rss);

    log('sealing');
    const session = options.cpuProfile ? new Session() : null;
    if (session) {
      session.connect();
      await session.post('Profiler.enable');
      await session.post('Profiler.start');
    }
    const s0 = Date.now();
    const during = loopDelay();
    const cpu0 = process.cpuUsage();
    const p0 = performance.now();
    const sealed = await g.gateway.sealer.sealDue();
    const sealMs = performance.now() - p0;
    const cpu = process.cpuUsage(cpu0);
    const loopDuring = during.stop();
    const s1 = Date.now();
    if (session && options.cpuProfile) {
      const { profile } = await session.post('Profiler.stop');
      writeFileSync(options.cpuProfile, JSON.stringify(profile));
      session.disconnect();
      log(`CPU profile of the seal written to ${options.cpuProfile}`);
    }
    const rssAfterMb = mb(process.memoryUsage().rss);
    log(`sealed in ${Math.round(sealMs)} ms; ${QUIET_MS / 1000} s more of publishing`);
    await sleep(QUIET_MS);
    const acks = (await publisher.summaries([
      { label: 'before', from: b0, to: s0 },
      { label: 'during', from: s0, to: s1 },
      { label: 'after', from: s1, to: s1 + QUIET_MS },
    ])) as BigResult['acks'];
    const totals = await publisher.stop();
    const window = sealed.find((w) => w.start === w0);
    if (!window || window.readings !== options.readings)
      throw new Error(
        `expected one window of ${options.readings} readings, sealed ${JSON.stringify(sealed)}`,
      );
    return {
      readings: options.readings,
      devices: options.devices,
      readingBytes,
      loadMs,
      sealMs,
      sealCpuMs: (cpu.user + cpu.system) / 1000,
      loop: { before: loopBefore, during: loopDuring },
      acks,
      rate: options.bigRate,
      published: { sent: totals.sent, acked: totals.acked, skipped: totals.skipped },
      rssBeforeMb,
      rssAfterMb,
      peakRssMb: peakRssMb(),
    };
  } finally {
    log('stopping the gateway');
    await g.stop();
  }
}
