/**
 * Loading the configuration: a JSON file (or none: embedded defaults), then environment overrides
 * (docs/configuration.md), validated once and frozen. A bad file stops the start with every problem listed.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { GatewayError } from '../errors.ts';
import { configSchema, type GatewayConfig } from './schema.ts';

export interface LoadedConfig {
  readonly config: GatewayConfig;
  /** Where it came from, for the start banner. */
  readonly source: string;
  /** Bootstrap admin token from GATEWAY_ADMIN_TOKEN; kept out of the config so it is never printed. */
  readonly adminToken: string | undefined;
}

export interface ConfigProblem {
  readonly path: string;
  readonly message: string;
}

type Env = Readonly<Record<string, string | undefined>>;

export function loadConfig(options: { file?: string | undefined; env?: Env } = {}): LoadedConfig {
  const env = options.env ?? process.env;
  const file = options.file ?? env.GATEWAY_CONFIG;
  // With no file at all the gateway runs on embedded defaults, demo devices included, except in
  // production (NODE_ENV=production, as the Docker image sets it): a production start never seeds.
  const production = env.NODE_ENV === 'production';
  const raw: unknown = file ? readJsonFile(file) : production ? {} : { demoSeed: {} };
  const merged = applyEnvOverrides(raw, env);
  const config = parseConfig(merged, file ?? 'embedded defaults');
  if (production && config.demoSeed) {
    throw configError(file ?? 'embedded defaults', [
      {
        path: 'demoSeed',
        message: 'demo devices and tokens are never seeded in production (NODE_ENV=production)',
      },
    ]);
  }
  const adminToken = env.GATEWAY_ADMIN_TOKEN || undefined;
  if (adminToken !== undefined && adminToken.length < 16) {
    throw configError(file ?? 'environment', [
      { path: 'GATEWAY_ADMIN_TOKEN', message: 'must be at least 16 characters' },
    ]);
  }
  return { config, source: file ? resolve(file) : 'embedded defaults', adminToken };
}

export function parseConfig(value: unknown, source = 'config'): GatewayConfig {
  const result = configSchema.safeParse(value);
  if (!result.success) {
    throw configError(
      source,
      result.error.issues.flatMap((issue) => {
        const path = issue.path.map(String).join('.') || '(root)';
        if (issue.code === 'unrecognized_keys') {
          return issue.keys.map((key) => ({
            path: path === '(root)' ? key : `${path}.${key}`,
            message: 'unknown key',
          }));
        }
        return [{ path, message: issue.message }];
      }),
    );
  }
  return deepFreeze(result.data);
}

function readJsonFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw configError(file, [{ path: '(file)', message: `cannot read: ${(err as Error).message}` }]);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw configError(file, [{ path: '(file)', message: `not valid JSON: ${(err as Error).message}` }]);
  }
}

/** Environment overrides of docs/configuration.md (and the listen hosts, for containers). */
function applyEnvOverrides(raw: unknown, env: Env): unknown {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return raw;
  const out = structuredClone(raw) as Record<string, unknown>;
  const section = (name: string): Record<string, unknown> => {
    const current = out[name];
    if (current === undefined) out[name] = {};
    return (out[name] ?? {}) as Record<string, unknown>;
  };
  if (env.GATEWAY_DATA_DIR) out.dataDir = env.GATEWAY_DATA_DIR;
  if (env.GATEWAY_ID) out.gatewayId = env.GATEWAY_ID;
  if (env.GATEWAY_MQTT_PORT) section('mqtt').port = envNumber(env.GATEWAY_MQTT_PORT);
  if (env.GATEWAY_MQTT_HOST) section('mqtt').host = env.GATEWAY_MQTT_HOST;
  if (env.GATEWAY_HTTP_PORT) section('http').port = envNumber(env.GATEWAY_HTTP_PORT);
  if (env.GATEWAY_HTTP_HOST) section('http').host = env.GATEWAY_HTTP_HOST;
  return out;
}

/** Non-numeric strings are passed through so the schema reports them with their path. */
function envNumber(value: string): number | string {
  return /^\d+$/.test(value) ? Number(value) : value;
}

function configError(source: string, problems: ConfigProblem[]): GatewayError {
  const lines = problems.map((p) => `  - ${p.path}: ${p.message}`).join('\n');
  return new GatewayError('ERR_CONFIG_INVALID', `invalid configuration (${source}):\n${lines}`, {
    details: problems,
  });
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
