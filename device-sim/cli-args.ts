/** Flags of `device-sim` (docs/configuration.md), parsed with node:util and checked all at once. */
import { parseArgs } from 'node:util';
import type { FleetOptions } from './fleet.ts';

export const USAGE = `usage: device-sim [options]

Simulated wearables and delivery drones as real MQTT clients of a medgate gateway.

  --mqtt URL              broker URL (default mqtt://127.0.0.1:1883)
  --api URL               gateway HTTP API, to provision the devices (default http://127.0.0.1:8080)
  --admin-token T         admin bearer token (default: $GATEWAY_ADMIN_TOKEN)
  --wearables N           wearables, one patient each (default 10)
  --drones N              delivery drones (default 2)
  --rate HZ               readings per second per device (default 1)
  --duration S            seconds to run (default 30)
  --bad-ratio R           share of malformed readings, 0..1 (default 0)
  --disconnect-ratio R    share of devices that drop, buffer and flush on reconnect, 0..1 (default 0)
  --seed N                seed of every random choice (default 1)
  --ramp N                new connections per second (default 150)
  --id-prefix P           prefix of device and patient ids (default: unique per run)
  --lean                  lean publish path: raw sockets, one reading in flight, no reconnects nor offline
                          buffers (with --bad-ratio and --disconnect-ratio 0); 10,000 devices at 1 Hz
                          fit in one process
  --json                  print one summary line of JSON on stdout, nothing else
  --progress              show the progress bar even when stderr is not a terminal
  --help                  this text
`;

export interface CliOptions {
  readonly fleet: Omit<FleetOptions, 'onProgress'>;
  readonly json: boolean;
  readonly progress: boolean;
}

export type ParseResult =
  | { ok: true; help: true }
  | { ok: true; help: false; options: CliOptions }
  | { ok: false; problems: string[] };

const STRINGS = [
  'mqtt',
  'api',
  'admin-token',
  'wearables',
  'drones',
  'rate',
  'duration',
  'bad-ratio',
  'disconnect-ratio',
  'seed',
  'ramp',
  'id-prefix',
] as const;
const BOOLEANS = ['json', 'progress', 'help', 'lean'] as const;

export function parseCli(args: readonly string[], env: NodeJS.ProcessEnv): ParseResult {
  const options = Object.fromEntries([
    ...STRINGS.map((name) => [name, { type: 'string' as const }]),
    ...BOOLEANS.map((name) => [name, { type: 'boolean' as const }]),
  ]);
  // Not strict: every problem is collected and listed, not just the first.
  const { values, tokens } = parseArgs({ args: [...args], options, strict: false, tokens: true });
  const problems: string[] = [];
  for (const token of tokens) {
    if (token.kind === 'positional') problems.push(`unexpected argument: ${token.value}`);
    if (token.kind !== 'option') continue;
    const known = (STRINGS as readonly string[]).includes(token.name);
    const flag = (BOOLEANS as readonly string[]).includes(token.name);
    if (!known && !flag) problems.push(`unknown flag: ${token.rawName}`);
    else if (known && token.value === undefined) problems.push(`${token.rawName} needs a value`);
    else if (flag && token.value !== undefined) problems.push(`${token.rawName} takes no value`);
  }
  if (values['help'] === true) return { ok: true, help: true };
  const str = (name: string): string | undefined => {
    const v = values[name];
    return typeof v === 'string' ? v : undefined;
  };
  const num = (name: string, fallback: number, check: (n: number) => boolean, what: string): number => {
    const raw = str(name);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(n) || !check(n)) {
      problems.push(`--${name} must be ${what}, got ${JSON.stringify(raw)}`);
      return fallback;
    }
    return n;
  };
  const count = (n: number) => Number.isInteger(n) && n >= 0;
  const ratio = (n: number) => n >= 0 && n <= 1;
  const url = (name: string, fallback: string, protocols: readonly string[]): string => {
    const raw = str(name) ?? fallback;
    try {
      const u = new URL(raw);
      if (!protocols.includes(u.protocol)) throw new Error();
    } catch {
      problems.push(`--${name} must be a ${protocols.join(' or ')} URL, got ${JSON.stringify(raw)}`);
    }
    return raw;
  };
  const fleet = {
    mqtt: url('mqtt', 'mqtt://127.0.0.1:1883', ['mqtt:', 'mqtts:', 'tcp:', 'ws:', 'wss:']),
    api: url('api', 'http://127.0.0.1:8080', ['http:', 'https:']),
    adminToken: str('admin-token') ?? env['GATEWAY_ADMIN_TOKEN'] ?? '',
    wearables: num('wearables', 10, count, 'an integer >= 0'),
    drones: num('drones', 2, count, 'an integer >= 0'),
    rateHz: num('rate', 1, (n) => n > 0 && n <= 1000, 'a number in (0, 1000]'),
    durationS: num('duration', 30, (n) => n > 0, 'a number of seconds > 0'),
    badRatio: num('bad-ratio', 0, ratio, 'in 0..1'),
    disconnectRatio: num('disconnect-ratio', 0, ratio, 'in 0..1'),
    seed: num('seed', 1, Number.isSafeInteger, 'an integer'),
    rampPerSec: num('ramp', 150, (n) => n > 0, 'a number > 0'),
    ...(str('id-prefix') === undefined ? {} : { idPrefix: str('id-prefix')! }),
    ...(values['lean'] === true ? { lean: true } : {}),
  };
  if (!fleet.adminToken) problems.push('--admin-token is required (or set GATEWAY_ADMIN_TOKEN)');
  if (fleet.idPrefix !== undefined && !/^[A-Za-z0-9._-]{1,32}$/.test(fleet.idPrefix)) {
    problems.push('--id-prefix must be 1..32 of [A-Za-z0-9._-]');
  }
  if (fleet.lean && (fleet.badRatio > 0 || fleet.disconnectRatio > 0)) {
    problems.push(
      '--lean simulates no spoiled readings nor drops: leave --bad-ratio and --disconnect-ratio at 0',
    );
  }
  if (fleet.lean && !/^(mqtt|tcp):/.test(fleet.mqtt)) problems.push('--lean speaks plain MQTT over TCP only');
  if (fleet.wearables + fleet.drones === 0 && problems.length === 0)
    problems.push('no devices: --wearables and --drones are both 0');
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    help: false,
    options: { fleet, json: values['json'] === true, progress: values['progress'] === true },
  };
}
