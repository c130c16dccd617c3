/**
 * The full gateway (`node src/main.ts start`) on free ports with a fresh data directory;
 * devices provisioned through `POST /v1/devices` in bulk (docs/devices.md).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { deviceIdentities } from './devices.ts';
import type { DeviceCredentials } from './load-client.ts';
import { freePort, register, stop } from './procs.ts';
import { type Target, TargetSkipped } from './target.ts';

/** Devices per provisioning request: the gateway's default http.devices.maxPerRequest. */
const BULK = 500;

export interface GatewayOptions {
  readonly repoRoot: string;
  readonly workDir: string;
  readonly readyTimeoutMs: number;
  /** scrypt cost of device secrets; unset keeps the gateway's own default (and its embedded config). */
  readonly secretHashLog2N?: number | undefined;
  /** More of the gateway's config (`mqtt.limits`, …), merged into the file. */
  readonly config?: Record<string, unknown>;
  /** More environment for the gateway's process (`NODE_OPTIONS`, `MALLOC_ARENA_MAX`, …). */
  readonly env?: Record<string, string>;
  /**
   * The entry module: `src/main.ts` (default) or the compiled `dist/main.js` (`npm run build`), relative to
   * `repoRoot`, or absolute (another checkout's).
   */
  readonly entry?: string;
  /** Node and V8 flags before the entry, for those NODE_OPTIONS refuses (`--trace-gc`, …). */
  readonly execArgv?: readonly string[];
}

function tail(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

async function isReady(httpPort: number): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${httpPort}/readyz`, { signal: AbortSignal.timeout(1_000) });
    await res.body?.cancel();
    return res.status === 200;
  } catch {
    return false;
  }
}

export async function startGateway(options: GatewayOptions): Promise<Target> {
  const entry = options.entry ?? 'src/main.ts';
  const main = resolve(options.repoRoot, entry);
  if (!existsSync(main)) throw new TargetSkipped(`${entry} does not exist (npm run build makes dist/)`);
  const [mqttPort, httpPort] = [await freePort(), await freePort()];
  const dataDir = join(options.workDir, 'gateway-data');
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const adminToken = randomBytes(24).toString('base64url');
  const config: Record<string, string> = {};
  if (options.secretHashLog2N !== undefined || options.config) {
    config.GATEWAY_CONFIG = join(options.workDir, 'gateway-config.json');
    const security =
      options.secretHashLog2N === undefined ? {} : { secretHashLog2N: options.secretHashLog2N };
    writeFileSync(config.GATEWAY_CONFIG, JSON.stringify({ ...options.config, security }));
  }
  const logFile = join(options.workDir, 'gateway.log');
  const log = openSync(logFile, 'a');
  const child = register(
    spawn(process.execPath, [...(options.execArgv ?? []), main, 'start'], {
      cwd: options.repoRoot,
      env: {
        ...process.env,
        ...config,
        GATEWAY_DATA_DIR: dataDir,
        GATEWAY_MQTT_PORT: String(mqttPort),
        GATEWAY_HTTP_PORT: String(httpPort),
        GATEWAY_ADMIN_TOKEN: adminToken,
        ...options.env,
      },
      stdio: ['ignore', log, log],
    }),
  );

  const deadline = Date.now() + options.readyTimeoutMs;
  while (!(await isReady(httpPort))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      const why =
        child.exitCode !== null
          ? `exited with code ${child.exitCode} before /readyz`
          : `/readyz not 200 after ${options.readyTimeoutMs / 1000} s`;
      await stop(child, 3_000);
      throw new TargetSkipped(`${why}; last lines of ${logFile}:\n${tail(logFile)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }

  const provisioned = new Map<string, DeviceCredentials>();
  // In bulk: one request per BULK devices, all or none (docs/devices.md, "Provisioning a fleet").
  const provision = async (devices: readonly { id: string; patientId: string; index: number }[]) => {
    const res = await fetch(`http://127.0.0.1:${httpPort}/v1/devices`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(devices.map((d) => ({ id: d.id, kind: 'wearable', patientId: d.patientId }))),
    });
    const body = await res.text();
    if (!res.ok) throw new Error(`POST /v1/devices (${devices.length} devices): ${res.status} ${body}`);
    const { devices: created } = JSON.parse(body) as { devices: { id: string; secret: string }[] };
    return devices.map((d, i) => ({ ...d, password: created[i]?.secret ?? '' }));
  };

  return {
    name: 'gateway',
    port: mqttPort,
    httpPort,
    pid: child.pid!,
    async devices(count, onProgress) {
      const wanted = deviceIdentities(count);
      const todo = wanted.filter((d) => !provisioned.has(d.id));
      for (let start = 0; start < todo.length; start += BULK) {
        for (const d of await provision(todo.slice(start, start + BULK))) provisioned.set(d.id, d);
        onProgress?.(provisioned.size, count);
      }
      return wanted.map((d) => provisioned.get(d.id)!);
    },
    stop: () => stop(child, 30_000),
  };
}
