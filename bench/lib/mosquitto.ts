/** Bare in-memory mosquitto on a free port, configured for an unthrottled QoS 1 ingest. */
import { spawn } from 'node:child_process';
import { existsSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { anonymousCredentials } from './devices.ts';
import { freePort, register, stop, waitForPort } from './procs.ts';
import { type Target, TargetSkipped } from './target.ts';

const BINARY = '/usr/sbin/mosquitto';

export async function startMosquitto(workDir: string): Promise<Target> {
  if (!existsSync(BINARY)) throw new TargetSkipped(`${BINARY} not found (apt-get install -y mosquitto)`);
  const port = await freePort();
  const config = join(workDir, 'mosquitto.conf');
  writeFileSync(
    config,
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      'persistence false',
      // No per-client limits: the bench controls the window itself.
      'max_inflight_messages 0',
      'max_queued_messages 1000000',
      'max_connections -1',
      'set_tcp_nodelay true',
      'connection_messages false',
      'log_dest stderr',
      'log_type error',
      'log_type warning',
      '',
    ].join('\n'),
  );
  const log = openSync(join(workDir, 'mosquitto.log'), 'a');
  const child = register(spawn(BINARY, ['-c', config], { stdio: ['ignore', log, log] }));
  await waitForPort(port, child, 10_000);
  return {
    name: 'mosquitto',
    port,
    pid: child.pid!,
    devices: async (count) => anonymousCredentials(count),
    stop: () => stop(child),
  };
}
