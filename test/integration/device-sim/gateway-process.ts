/**
 * The gateway as the simulator meets it (docs/configuration.md): `node src/main.ts start` in a child process with
 * GATEWAY_* in the environment, ready when `GET /readyz` answers 200, stopped with SIGTERM by PID.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../helpers/process.ts';

export interface GatewayProcess {
  readonly mqttUrl: string;
  readonly apiUrl: string;
  readonly adminToken: string;
  readonly pid: number;
  /** What the gateway printed, for failure messages. */
  output(): string;
  /** SIGTERM, wait for the exit (SIGKILL after `graceMs`), remove the data dir. */
  stop(graceMs?: number): Promise<number | null>;
}

const root = new URL('../../../', import.meta.url).pathname;

export async function startGatewayProcess(readyTimeoutMs = 60_000): Promise<GatewayProcess> {
  const dataDir = mkdtempSync(join(tmpdir(), 'medgate-sim-'));
  const [mqttPort, httpPort] = [await freePort(), await freePort()];
  const adminToken = randomBytes(24).toString('base64url');
  const child = spawn(process.execPath, [join(root, 'src/main.ts'), 'start'], {
    cwd: root,
    env: {
      ...process.env,
      GATEWAY_DATA_DIR: dataDir,
      GATEWAY_MQTT_PORT: String(mqttPort),
      GATEWAY_HTTP_PORT: String(httpPort),
      GATEWAY_ADMIN_TOKEN: adminToken,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const apiUrl = `http://127.0.0.1:${httpPort}`;
  const stop = async (graceMs = 15_000): Promise<number | null> => {
    if (child.exitCode === null && child.signalCode === null) {
      process.kill(child.pid!, 'SIGTERM');
      const timer = setTimeout(() => child.exitCode === null && process.kill(child.pid!, 'SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(timer);
      rmSync(dataDir, { recursive: true, force: true });
      return code;
    }
    rmSync(dataDir, { recursive: true, force: true });
    return child.exitCode;
  };
  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`gateway exited with ${child.exitCode} before ready:\n${output}`);
    }
    try {
      const res = await fetch(`${apiUrl}/readyz`);
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`gateway not ready after ${readyTimeoutMs} ms:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    mqttUrl: `mqtt://127.0.0.1:${mqttPort}`,
    apiUrl,
    adminToken,
    pid: child.pid!,
    output: () => output,
    stop,
  };
}

export interface StoredReading {
  readonly id: string;
  readonly deviceId: string;
  readonly kind: 'vitals' | 'flight' | 'delivery';
  readonly ts: string;
  readonly receivedAt: string;
  readonly data: { seq: number; [key: string]: unknown };
}

/** Every page of a readings listing (`/v1/patients/{id}/readings`, `/v1/flights/{id}`), following nextCursor. */
export async function fetchAll(gw: GatewayProcess, path: string): Promise<StoredReading[]> {
  const out: StoredReading[] = [];
  let cursor: string | null = null;
  do {
    const url = new URL(path, gw.apiUrl);
    url.searchParams.set('limit', '1000');
    if (cursor) url.searchParams.set('cursor', cursor);
    const res = await fetch(url, { headers: { authorization: `Bearer ${gw.adminToken}` } });
    const body = (await res.json()) as { readings: StoredReading[]; nextCursor: string | null };
    if (res.status !== 200) throw new Error(`GET ${url}: ${res.status} ${JSON.stringify(body)}`);
    out.push(...body.readings);
    cursor = body.nextCursor;
  } while (cursor);
  return out;
}
