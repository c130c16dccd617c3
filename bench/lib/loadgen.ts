/**
 * Load generator process, forked by the bench so it never shares a core's event loop with a broker.
 * Receives one Job over IPC, reports progress and a LoadResult, and exits.
 */
import { connectAll } from './connect-all.ts';
import type { LoadClient } from './load-client.ts';
import { createLoadStats, type LoadStats, latencySummaryMs } from './load-stats.ts';
import type { ChildMessage, IdleJob, Job, LoadJob, ParentMessage } from './loadgen-protocol.ts';
import { TimestampCache } from './publish-writer.ts';

const KEEPALIVE_S = 60;
const DRAIN_MS = 2_000;

const send = (message: ChildMessage): void => {
  process.send?.(message);
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// The bench going away (crash, Ctrl-C) must not leave connections open.
process.on('disconnect', () => process.exit(0));
process.once('message', (job: Job) => {
  const run = job.mode === 'load' ? runLoad(job) : runIdle(job);
  run.catch((err) => {
    console.error(err);
    process.exit(1);
  });
});

async function open(job: Job, stats: LoadStats, window: number): Promise<LoadClient[]> {
  let progress = { connected: 0, failed: 0 };
  const timer = setInterval(() => send({ type: 'connecting', ...progress, total: job.devices.length }), 250);
  const clients = await connectAll(job.devices, {
    port: job.port,
    window,
    keepalive: KEEPALIVE_S,
    connectTimeoutMs: job.connectTimeoutMs,
    stats,
    clock: new TimestampCache(),
    concurrency: job.connectConcurrency,
    onProgress: (connected, failed) => {
      progress = { connected, failed };
    },
  });
  clearInterval(timer);
  send({ type: 'connected', connected: clients.length, errors: Object.fromEntries(stats.errors) });
  return clients;
}

async function runLoad(job: LoadJob): Promise<void> {
  const stats = createLoadStats();
  const clients = await open(job, stats, job.window);
  let phase: 'warmup' | 'measure' | 'drain' = 'warmup';
  const tick = () => send({ type: 'tick', phase, acked: stats.acked });
  const ticker = setInterval(tick, 250);

  for (const c of clients) c.startSending();
  await sleep(job.warmupMs);
  stats.histogram.reset();
  stats.recordedAcks = 0;
  stats.recording = true;
  phase = 'measure';
  tick();
  const start = performance.now();
  await sleep(job.durationMs);
  stats.recording = false;
  const seconds = (performance.now() - start) / 1000;
  const messages = stats.recordedAcks;

  phase = 'drain';
  tick();
  for (const c of clients) c.stopSending();
  const drainEnd = performance.now() + DRAIN_MS;
  const unackedNow = () => clients.reduce((n, c) => n + (c.connected ? c.inflight : 0), 0);
  while (unackedNow() > 0 && performance.now() < drainEnd) await sleep(20);
  const unacked = unackedNow();
  clearInterval(ticker);
  for (const c of clients) c.close();

  send({
    type: 'result',
    result: {
      clients: job.devices.length,
      connected: clients.length,
      messages,
      seconds,
      rate: messages / seconds,
      latencyMs: latencySummaryMs(stats.histogram),
      sent: stats.sent,
      acked: stats.acked,
      unacked,
      errors: Object.fromEntries(stats.errors),
    },
  });
  await sleep(100);
  process.exit(0);
}

async function runIdle(job: IdleJob): Promise<void> {
  const stats = createLoadStats();
  const clients = await open(job, stats, 0);
  process.on('message', (message: ParentMessage) => {
    if (message.type !== 'stop') return;
    // How many are still open now, after the broker's memory was read.
    send({
      type: 'stopping',
      open: clients.filter((c) => c.connected).length,
      errors: Object.fromEntries(stats.errors),
    });
    for (const c of clients) c.close();
    setTimeout(() => process.exit(0), 200);
  });
}
