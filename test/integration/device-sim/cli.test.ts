/** `device-sim` as a command (docs/configuration.md): one JSON line on stdout with --json, a clean stop on SIGTERM. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { fetchAll, type GatewayProcess, startGatewayProcess } from './gateway-process.ts';

const main = new URL('../../../device-sim/main.ts', import.meta.url).pathname;

function run(
  args: string[],
  stopAfterMs?: number,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [main, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    const timer =
      stopAfterMs === undefined ? null : setTimeout(() => process.kill(child.pid!, 'SIGTERM'), stopAfterMs);
    child.once('exit', (code) => {
      if (timer) clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('device-sim command', { timeout: 120_000 }, () => {
  let gw: GatewayProcess;
  before(async () => {
    gw = await startGatewayProcess();
  });
  after(async () => {
    await gw?.stop();
  });

  const common = () => ['--mqtt', gw.mqttUrl, '--api', gw.apiUrl, '--admin-token', gw.adminToken];

  it('--json prints exactly one summary line, nothing else', async () => {
    const r = await run([
      ...common(),
      '--wearables',
      '4',
      '--drones',
      '1',
      '--rate',
      '4',
      '--duration',
      '2',
      '--bad-ratio',
      '0.2',
      '--seed',
      '3',
      '--id-prefix',
      'clij',
      '--json',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split('\n').filter((l) => l !== '');
    assert.equal(lines.length, 1, r.stdout);
    const summary = JSON.parse(lines[0]!);
    assert.deepEqual(Object.keys(summary), ['sent', 'acked', 'rejected', 'buffered', 'latencyMs']);
    assert.deepEqual(Object.keys(summary.latencyMs), ['p50', 'p99']);
    assert.ok(summary.sent > 0 && summary.acked > 0 && summary.acked <= summary.sent);
    assert.equal(r.stdout.endsWith('\n'), true);
  });

  it('stops cleanly on SIGTERM: exit 0, summary printed, acked readings stored', async () => {
    const r = await run(
      [
        ...common(),
        '--wearables',
        '3',
        '--drones',
        '0',
        '--rate',
        '5',
        '--duration',
        '600',
        '--id-prefix',
        'clis',
        '--json',
      ],
      4000,
    );
    assert.equal(r.code, 0, r.stderr);
    const summary = JSON.parse(r.stdout.trim());
    assert.ok(summary.sent > 10);
    let stored = 0;
    for (let i = 0; i < 3; i++) stored += (await fetchAll(gw, `/v1/patients/P-clis-${i}/readings`)).length;
    assert.equal(summary.acked, stored);
  });

  it('lists bad flags and exits 2', async () => {
    const r = await run(['--wearables', 'many', '--nope']);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /--wearables must be an integer/);
    assert.match(r.stderr, /unknown flag: --nope/);
  });
});
