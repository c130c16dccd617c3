/** Command-line flags of `npm run bench:ingest`. */
import { parseArgs } from 'node:util';

export const TARGET_NAMES = ['mosquitto', 'aedes', 'gateway'] as const;
export type TargetName = (typeof TARGET_NAMES)[number];

export interface IngestArgs {
  readonly durationS: number;
  readonly warmupS: number;
  readonly clients: number;
  readonly inflight: number;
  readonly idle: number;
  readonly rounds: number;
  readonly targets: readonly TargetName[];
  readonly readyTimeoutS: number;
  readonly secretHashLog2N: number | undefined;
  readonly connectTimeoutS: number;
  readonly writeDocs: boolean;
  readonly json: boolean;
}

export const USAGE = `npm run bench:ingest -- [flags]
  --duration S        measured seconds per broker (10)
  --warmup S          warm-up seconds before measuring (3)
  --clients N         publishing devices (20)
  --inflight N        unacknowledged PUBLISHes per device (50)
  --idle N            idle devices for the RSS figure, 0 to skip (5000)
  --rounds N          load rounds over all brokers, the median is reported (3)
  --targets LIST      comma-separated: mosquitto,aedes,gateway (all)
  --ready-timeout S   wait for the gateway's /readyz (30)
  --secret-hash-log2n N  gateway scrypt cost for device secrets (gateway default: 14, about 50 ms per
                      provisioning and per first login; 10 makes a 5,000-device fleet quick)
  --connect-timeout S wait for each CONNACK (60)
  --write-docs        write the figures to the "## Ingest" section of docs/benchmarks.md
  --json              print the raw results as JSON at the end`;

function positive(name: string, value: string | undefined, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < min)
    throw new RangeError(`--${name} must be a number >= ${min}, got "${value}"`);
  return n;
}

export function parseIngestArgs(argv: string[]): IngestArgs | 'help' {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      duration: { type: 'string' },
      warmup: { type: 'string' },
      clients: { type: 'string' },
      inflight: { type: 'string' },
      idle: { type: 'string' },
      rounds: { type: 'string' },
      targets: { type: 'string' },
      'ready-timeout': { type: 'string' },
      'secret-hash-log2n': { type: 'string' },
      'connect-timeout': { type: 'string' },
      'write-docs': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return 'help';
  const targets = (values.targets ?? TARGET_NAMES.join(',')).split(',').map((t) => t.trim());
  for (const t of targets) {
    if (!(TARGET_NAMES as readonly string[]).includes(t)) {
      throw new RangeError(`--targets: unknown "${t}" (known: ${TARGET_NAMES.join(', ')})`);
    }
  }
  return {
    durationS: positive('duration', values.duration, 10, 0.1),
    warmupS: positive('warmup', values.warmup, 3, 0),
    clients: Math.floor(positive('clients', values.clients, 20)),
    inflight: Math.min(0xffff, Math.floor(positive('inflight', values.inflight, 50))),
    idle: Math.floor(positive('idle', values.idle, 5000, 0)),
    rounds: Math.floor(positive('rounds', values.rounds, 3)),
    targets: targets as TargetName[],
    readyTimeoutS: positive('ready-timeout', values['ready-timeout'], 30),
    secretHashLog2N:
      values['secret-hash-log2n'] === undefined
        ? undefined
        : Math.floor(positive('secret-hash-log2n', values['secret-hash-log2n'], 14, 10)),
    connectTimeoutS: positive('connect-timeout', values['connect-timeout'], 60),
    writeDocs: values['write-docs'],
    json: values.json,
  };
}
