/** Parent side of the sealing bench's publisher: fork it, connect its devices, start, ask, stop. */
import { type ChildProcess, fork } from 'node:child_process';
import { register, stop } from './procs.ts';
import type { AckSummary } from './seal-acks.ts';
import type { FromPublisher, Interval, PublisherJob, PublisherTotals, ToPublisher } from './seal-protocol.ts';

const script = new URL('./seal-publisher.ts', import.meta.url).pathname;

export interface Publisher {
  readonly pid: number;
  /** Latest counters, updated every second. */
  readonly progress: { sent: number; acked: number };
  start(): void;
  summaries(intervals: readonly Interval[]): Promise<Record<string, AckSummary>>;
  stop(): Promise<PublisherTotals>;
}

export async function startPublisher(job: PublisherJob): Promise<Publisher> {
  const child: ChildProcess = register(fork(script, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  const progress = { sent: 0, acked: 0 };
  const next = (type: FromPublisher['type']) =>
    new Promise<FromPublisher>((resolve, reject) => {
      const onMessage = (m: FromPublisher) => {
        if (m.type !== type) return;
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolve(m);
      };
      const onExit = (code: number | null) =>
        reject(new Error(`publisher exited (${code}) before "${type}"`));
      child.on('message', onMessage);
      child.once('exit', onExit);
    });
  const tell = (m: ToPublisher) => child.send(m);
  child.on('message', (m: FromPublisher) => {
    if (m.type === 'tick') Object.assign(progress, { sent: m.sent, acked: m.acked });
  });

  const connected = next('connected');
  child.send(job);
  const c = (await connected) as Extract<FromPublisher, { type: 'connected' }>;
  if (c.connected !== job.devices.length)
    throw new Error(
      `publisher connected ${c.connected} of ${job.devices.length}: ${JSON.stringify(c.errors)}`,
    );
  return {
    pid: child.pid!,
    progress,
    start: () => tell({ type: 'start' }),
    async summaries(intervals) {
      const reply = next('summaries');
      tell({ type: 'summaries', intervals });
      return ((await reply) as Extract<FromPublisher, { type: 'summaries' }>).summaries;
    },
    async stop() {
      const reply = next('stopped');
      tell({ type: 'stop' });
      const totals = ((await reply) as Extract<FromPublisher, { type: 'stopped' }>).totals;
      await stop(child, 2_000);
      return totals;
    },
  };
}
