/**
 * The compiled start (docs/configuration.md, "Compiled start"): `npm run build` emits JavaScript that runs
 * without type stripping, worker threads included. Built here into a temporary tree laid out like the
 * repository (dist/ next to ui/ and node_modules/), then started as the Docker image starts it, with the
 * image's NODE_OPTIONS: a reading is stored, its window sealed in the sealing thread, the window mined in a
 * mining thread, and the dashboard is served; V8 runs one garbage-collection helper thread fewer than there
 * are cores (docs/configuration.md, "Threads").
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { after, test } from 'node:test';
import { promisify } from 'node:util';
import mqtt from 'mqtt';
import { tempDir } from '../helpers/gateway.ts';
import { spawnGateway } from '../helpers/process.ts';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');
const dir = tempDir('medgate-compiled-');
after(() => dir.remove());
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The NODE_OPTIONS the Dockerfile's final stage sets. */
function imageNodeOptions(): string {
  const found = /NODE_OPTIONS=(?:"([^"]+)"|(\S+))/.exec(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
  assert.ok(found, 'the Dockerfile sets NODE_OPTIONS');
  return found[1] ?? found[2]!;
}

/** Threads of a process by name (Linux names V8's helpers "V8Worker"). */
function threadsNamed(pid: number, name: string): number {
  return readdirSync(`/proc/${pid}/task`).filter(
    (tid) => readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim() === name,
  ).length;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

test('the compiled gateway stores, seals in its worker thread, mines and serves the dashboard', async () => {
  const tree = join(dir.path, 'app');
  mkdirSync(tree);
  const tsc = join(ROOT, 'node_modules/.bin/tsc');
  await run(tsc, ['-p', join(ROOT, 'tsconfig.build.json'), '--outDir', join(tree, 'dist')], { cwd: ROOT });
  copyFileSync(join(ROOT, 'package.json'), join(tree, 'package.json'));
  symlinkSync(join(ROOT, 'node_modules'), join(tree, 'node_modules'));
  symlinkSync(join(ROOT, 'ui'), join(tree, 'ui'));

  const gw = await spawnGateway(join(dir.path, 'data'), {
    entry: join(tree, 'dist/main.js'),
    config: { sealing: { windowSeconds: 1, graceSeconds: 0 }, anchoring: { enabled: false } },
    env: { NODE_OPTIONS: imageNodeOptions() },
  });
  try {
    assert.equal(threadsNamed(gw.child.pid!, 'V8Worker'), Math.max(1, availableParallelism() - 1));
    const res = await gw.api('POST', '/v1/devices', { id: 'js-1', kind: 'wearable', patientId: 'P-JS' });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${gw.mqttPort}`, {
      username: 'js-1',
      password: res.body.secret,
      clientId: 'js-1',
      protocolVersion: 4,
      reconnectPeriod: 0,
    });
    const reading = { seq: 1, ts: Date.now(), patientId: 'P-JS', vitals: { heartRate: 72 } };
    await client.publishAsync('tele/js-1/vitals', JSON.stringify(reading), { qos: 1 });
    await client.endAsync();

    const sealed = await until('the window sealed', async () => {
      const list = await gw.api('GET', '/v1/patients/P-JS/readings?limit=1');
      const r = list.body.readings?.[0];
      return r?.proof.status === 'sealed' ? r : undefined;
    });
    const mined = await gw.api('POST', '/v1/ledger/mine', {});
    assert.equal(mined.status, 200, JSON.stringify(mined.body));
    assert.ok(mined.body.block, 'a block with the window record');
    const anchored = await gw.api('GET', `/v1/readings/${sealed.id}/proof`);
    assert.equal(anchored.status, 200, JSON.stringify(anchored.body));
    const verdict = await gw.api('POST', '/v1/proofs/verify', anchored.body);
    assert.equal(verdict.body.valid, true, JSON.stringify(verdict.body.checks));

    const ui = await fetch(`http://127.0.0.1:${gw.httpPort}/ui/`);
    assert.equal(ui.status, 200);
    assert.match(await ui.text(), /<html/i);
  } finally {
    gw.child.kill('SIGTERM');
    assert.equal((await gw.exited).code, 0, gw.output());
  }
});
