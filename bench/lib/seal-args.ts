/** Command line of the sealing bench. */
import { parseArgs } from 'node:util';

export const SEAL_USAGE = `Usage: node bench/seal.ts [options]

  --readings N          readings in the big window (default 200000)
  --devices N           devices they come from (default 2000)
  --rate N              readings/s published in the sustained run (default 10000)
  --big-rate N          readings/s published into the next window while the big one seals (default 2000)
  --batch N             readings per QoS 1 PUBLISH, a JSON array (default 10)
  --publishers N        publisher devices (default 50)
  --window-s N          window length of the sustained run, s (default 10)
  --windows N           full windows sealed in the sustained run (default 3)
  --only big|sustained  run one part only
  --cpu-prof FILE       write a CPU profile of the big window's seal to FILE
  --write-docs          write the "## Sealing" section of docs/benchmarks.md
  --json                print the figures as JSON too`;

export interface SealArgs {
  readonly readings: number;
  readonly devices: number;
  readonly rate: number;
  readonly bigRate: number;
  readonly batch: number;
  readonly publishers: number;
  readonly windowSeconds: number;
  readonly windows: number;
  readonly big: boolean;
  readonly sustained: boolean;
  readonly cpuProfile: string | undefined;
  readonly writeDocs: boolean;
  readonly json: boolean;
}

function int(name: string, value: string | undefined, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min)
    throw new RangeError(`--${name} must be an integer ≥ ${min}, got ${value}`);
  return n;
}

export function parseSealArgs(argv: string[]): SealArgs | 'help' {
  const { values: v } = parseArgs({
    args: argv,
    options: {
      readings: { type: 'string' },
      devices: { type: 'string' },
      rate: { type: 'string' },
      'big-rate': { type: 'string' },
      batch: { type: 'string' },
      publishers: { type: 'string' },
      'window-s': { type: 'string' },
      windows: { type: 'string' },
      only: { type: 'string' },
      'cpu-prof': { type: 'string' },
      'write-docs': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (v.help) return 'help';
  if (v.only !== undefined && v.only !== 'big' && v.only !== 'sustained')
    throw new RangeError(`--only must be big or sustained, got ${v.only}`);
  const windowSeconds = int('window-s', v['window-s'], 10, 4);
  if (3600 % windowSeconds !== 0) throw new RangeError('--window-s must divide 3600');
  return {
    readings: int('readings', v.readings, 200_000),
    devices: int('devices', v.devices, 2_000),
    rate: int('rate', v.rate, 10_000),
    bigRate: int('big-rate', v['big-rate'], 2_000),
    batch: int('batch', v.batch, 10),
    publishers: int('publishers', v.publishers, 50),
    windowSeconds,
    windows: int('windows', v.windows, 3),
    big: v.only !== 'sustained',
    sustained: v.only !== 'big',
    cpuProfile: v['cpu-prof'],
    writeDocs: v['write-docs'],
    json: v.json,
  };
}
