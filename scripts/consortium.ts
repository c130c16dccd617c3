/**
 * `npm run consortium`: the three-gateway example network of gateway-config/consortium/ on this machine
 * (HTTP 8081–8083, MQTT 1884–1886, IPFS 4011–4013), each gateway's log prefixed with its id. Ctrl-C stops all three.
 * `--fresh` removes their data dirs first.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, rmSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { fresh: { type: 'boolean', default: false } } });
const names = ['gw-a', 'gw-b', 'gw-c'];
if (values.fresh) for (const n of names) rmSync(`data/consortium/${n}`, { recursive: true, force: true });
// A gateway refuses a key file other users can read; git checks the example keys out 0644.
for (const n of names) {
  chmodSync(`gateway-config/consortium/${n}.key`, 0o600);
  chmodSync(`gateway-config/consortium/${n}.ipfs.key`, 0o600);
}

const children: ChildProcess[] = [];
let stopping = false;
for (const name of names) {
  const child = spawn(
    process.execPath,
    ['src/main.ts', 'start', '--config', `gateway-config/consortium/${name}.json`],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const prefix = (chunk: Buffer) =>
    chunk
      .toString()
      .split('\n')
      .filter((line) => line.length > 0)
      .map((line) => `${name} | ${line}\n`)
      .join('');
  child.stdout?.on('data', (c: Buffer) => process.stdout.write(prefix(c)));
  child.stderr?.on('data', (c: Buffer) => process.stdout.write(prefix(c)));
  child.on('exit', (code, signal) => {
    process.stdout.write(`${name} | exited (${signal ?? code})\n`);
    // One member down is a network test in itself; the runner stops only when told or when all are gone.
    if (children.every((c) => c.exitCode !== null || c.signalCode !== null)) process.exit(stopping ? 0 : 1);
  });
  children.push(child);
}
process.stdout.write(
  'consortium: gw-a http://127.0.0.1:8081, gw-b http://127.0.0.1:8082, gw-c http://127.0.0.1:8083 (Ctrl-C stops all)\n',
);
const stop = () => {
  if (stopping) return;
  stopping = true;
  for (const child of children)
    if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, 'SIGTERM');
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
