/**
 * Bare aedes (aedes-server.ts) in its own Node process on a free port; `durable`: its PUBACK waits for a
 * synced LevelDB write under the work dir (the target aedes-durable).
 */
import { spawn } from 'node:child_process';
import { openSync } from 'node:fs';
import { join } from 'node:path';
import { anonymousCredentials } from './devices.ts';
import { freePort, register, stop, waitForPort } from './procs.ts';
import type { Target } from './target.ts';

export async function startAedes(workDir: string, options: { durable?: boolean } = {}): Promise<Target> {
  const port = await freePort();
  const script = new URL('./aedes-server.ts', import.meta.url).pathname;
  const log = openSync(join(workDir, 'aedes.log'), 'a');
  const child = register(
    spawn(process.execPath, [script, String(port), ...(options.durable ? [join(workDir, 'aedes-db')] : [])], {
      stdio: ['pipe', log, log],
    }),
  );
  await waitForPort(port, child, 10_000);
  return {
    name: options.durable ? 'aedes-durable' : 'aedes',
    port,
    pid: child.pid!,
    devices: async (count) => anonymousCredentials(count),
    stop: () => stop(child),
  };
}
