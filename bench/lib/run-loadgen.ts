/** Parent side of the load generator: fork it, hand it a job, follow its messages. */
import { type ChildProcess, fork } from 'node:child_process';
import type { ChildMessage, IdleJob, LoadJob, LoadResult, ParentMessage } from './loadgen-protocol.ts';
import { register, stop } from './procs.ts';

const script = new URL('./loadgen.ts', import.meta.url).pathname;

function launch(job: LoadJob | IdleJob, onMessage: (m: ChildMessage) => void): ChildProcess {
  const child = register(fork(script, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  child.on('message', (m) => onMessage(m as ChildMessage));
  child.send(job);
  return child;
}

function exitError(child: ChildProcess, what: string): Promise<never> {
  return new Promise((_, reject) => {
    child.once('exit', (code, signal) =>
      reject(new Error(`load generator exited (${code ?? signal}) ${what}`)),
    );
  });
}

/** Runs a load job to its end; `onMessage` also gets the generator's pid. */
export function runLoad(
  job: LoadJob,
  onMessage: (m: ChildMessage, pid: number) => void,
): Promise<LoadResult> {
  let child: ChildProcess;
  const result = new Promise<LoadResult>((resolve) => {
    child = launch(job, (m) => {
      onMessage(m, child.pid!);
      if (m.type === 'result') resolve(m.result);
    });
  });
  return Promise.race([result, exitError(child!, 'before its result')]).finally(async () => {
    // It exits by itself once its sockets are closed; SIGTERM only if it does not.
    await exitedWithin(child, 3_000);
    await stop(child, 2_000);
  });
}

function exitedWithin(child: ChildProcess, ms: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

export interface IdleFleet {
  readonly connected: number;
  readonly errors: Record<string, number>;
  /** Disconnects the fleet; resolves with the devices still connected just before, and all errors. */
  close(): Promise<{ open: number; errors: Record<string, number> }>;
}

/** Connects an idle fleet and resolves once every device is connected or has failed. */
export async function connectIdle(job: IdleJob, onMessage: (m: ChildMessage) => void): Promise<IdleFleet> {
  let child: ChildProcess;
  let resolveStopping: (m: { open: number; errors: Record<string, number> }) => void;
  const stopping = new Promise<{ open: number; errors: Record<string, number> }>((resolve) => {
    resolveStopping = resolve;
  });
  const connected = new Promise<{ connected: number; errors: Record<string, number> }>((resolve) => {
    child = launch(job, (m) => {
      onMessage(m);
      if (m.type === 'connected') resolve(m);
      if (m.type === 'stopping') resolveStopping(m);
    });
  });
  try {
    const done = await Promise.race([connected, exitError(child!, 'while connecting')]);
    return {
      ...done,
      async close() {
        child.send({ type: 'stop' } satisfies ParentMessage);
        const last = await Promise.race([stopping, exitError(child, 'while stopping')]);
        await exitedWithin(child, 10_000);
        await stop(child, 2_000);
        return last;
      },
    };
  } catch (err) {
    await stop(child!, 2_000);
    throw err;
  }
}
