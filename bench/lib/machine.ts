/** What the figures were measured on. */
import { execFileSync } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';

function run(file: string, args: string[]): string {
  try {
    return execFileSync(file, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    // `mosquitto -h` exits non-zero but still prints its version.
    return String((err as { stdout?: string }).stdout ?? '');
  }
}

export interface Machine {
  readonly cpu: string;
  readonly nproc: number;
  readonly node: string;
  readonly mosquitto: string;
  readonly date: string;
  /** 1-minute load average when the run started: how busy the neighbours were. */
  readonly loadAverage: number;
}

export function describeMachine(): Machine {
  const cpu = /^Model name:\s*(.+)$/m.exec(run('lscpu', []))?.[1]?.trim() ?? 'unknown CPU';
  const mosquitto = /mosquitto version (\S+)/.exec(run('/usr/sbin/mosquitto', ['-h']))?.[1] ?? 'unknown';
  return {
    cpu,
    nproc: availableParallelism(),
    node: process.version,
    mosquitto,
    date: new Date().toISOString().slice(0, 10),
    loadAverage: loadavg()[0] ?? Number.NaN,
  };
}
