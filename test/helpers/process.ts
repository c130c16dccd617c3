/** A gateway as a child process (`node src/main.ts start`), for crash, signal and restart tests. */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN_TOKEN } from './gateway.ts';

/**
 * A port that is free now and claimed for this process until it exits. Test files run in parallel
 * processes, each finding ports free and binding them later: without a claim, two of them can be handed
 * the same port, and one test then talks to the other's gateway. A claim is a file named by the port that
 * holds the claiming pid, under the temp dir; the claim of a process that is gone is void.
 */
export async function freePort(): Promise<number> {
  mkdirSync(PORT_CLAIMS, { recursive: true });
  for (let tries = 0; tries < 100; tries++) {
    const port = await unboundPort();
    if (claimPort(port)) return port;
  }
  throw new Error('no free port could be claimed in 100 tries');
}

const PORT_CLAIMS = join(tmpdir(), 'medgate-test-port-claims');
const claimed: string[] = [];
process.on('exit', () => {
  for (const file of claimed) rmSync(file, { force: true });
});

function claimPort(port: number, retry = true): boolean {
  const file = join(PORT_CLAIMS, String(port));
  try {
    writeFileSync(file, String(process.pid), { flag: 'wx' });
    claimed.push(file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const holder = Number(readFileSync(file, 'utf8'));
  if (!retry || holder === process.pid || isAlive(holder)) return false;
  rmSync(file, { force: true });
  return claimPort(port, false);
}

function isAlive(pid: number): boolean {
  // An empty claim is one being written: its holder is alive.
  if (!Number.isInteger(pid) || pid <= 0) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function unboundPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = address && typeof address === 'object' ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface GatewayProcess {
  readonly child: ChildProcess;
  readonly mqttPort: number;
  readonly httpPort: number;
  readonly output: () => string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
}

export async function spawnGateway(
  dataDir: string,
  options: {
    mqttPort?: number;
    httpPort?: number;
    config?: Record<string, unknown>;
    /** A command the gateway runs under, e.g. `['prlimit', '--nofile=1024']`. */
    wrapper?: string[];
    /** The entry module (default `src/main.ts`; the compiled start is `dist/main.js`). */
    entry?: string;
    /** More environment, e.g. the image's NODE_OPTIONS. */
    env?: Record<string, string>;
  } = {},
): Promise<GatewayProcess> {
  const mqttPort = options.mqttPort ?? (await freePort());
  const httpPort = options.httpPort ?? (await freePort());
  const configFile = join(dataDir, '..', `config-${process.pid}-${mqttPort}.json`);
  writeFileSync(
    configFile,
    JSON.stringify({ gatewayId: 'gw-proc', security: { secretHashLog2N: 10 }, ...options.config }),
  );
  const [command, ...args] = [
    ...(options.wrapper ?? []),
    process.execPath,
    options.entry ?? 'src/main.ts',
    'start',
    '--config',
    configFile,
  ] as unknown as [string, ...string[]];
  const child = spawn(command, args, {
    env: {
      ...process.env,
      GATEWAY_DATA_DIR: dataDir,
      GATEWAY_MQTT_PORT: String(mqttPort),
      GATEWAY_HTTP_PORT: String(httpPort),
      GATEWAY_MQTT_HOST: '127.0.0.1',
      GATEWAY_HTTP_HOST: '127.0.0.1',
      GATEWAY_ADMIN_TOKEN: ADMIN_TOKEN,
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (c) => {
    output += c;
  });
  child.stderr?.on('data', (c) => {
    output += c;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const api: GatewayProcess['api'] = async (method, path, body) => {
    const res = await fetch(`http://127.0.0.1:${httpPort}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${ADMIN_TOKEN}`,
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {}
    return { status: res.status, body: parsed };
  };
  // Ready when the child itself says so, on its own output: a /readyz answered on the port could come from
  // another test's gateway that holds the port this child failed to bind.
  const readyLine = new RegExp(
    `: mqtt 127\\.0\\.0\\.1:${mqttPort}, https? 127\\.0\\.0\\.1:${httpPort}, data `,
  );
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`gateway exited early:\n${output}`);
    if (readyLine.test(output)) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`gateway not ready in 20 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, mqttPort, httpPort, output: () => output, exited, api };
}
