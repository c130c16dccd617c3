/** `npm run demo` in short: it exits 0 and shows readings, a sealed window and a verified proof. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { promisify } from 'node:util';

const run = promisify(execFile);

test('the demo runs the whole pipeline and exits 0', { timeout: 120_000 }, async () => {
  const { stdout } = await run(
    process.execPath,
    ['scripts/demo.ts', '--duration', '13', '--wearables', '4', '--drones', '1'],
    { timeout: 110_000, env: { ...process.env, CI: 'true' } },
  );
  assert.match(stdout, /readings in +\d+\/s/);
  assert.match(stdout, /sealed \d\d:\d\d:\d\d–\d\d:\d\d:\d\d +\d+ readings/);
  assert.match(stdout, /bafy[a-z2-7]+/, 'a batch CID');
  assert.match(stdout, /POST \/v1\/proofs\/verify → VALID/);
  assert.match(stdout, /mined block \d+ +[0-9a-f]{24}… +\d+ record\(s\)/);
  assert.match(stdout, /anchored in block \d+/);
  for (const check of [
    'leaf',
    'inclusion',
    'record-signature',
    'record-in-block',
    'block-pow',
    'miner',
    'chain',
  ]) {
    assert.match(stdout, new RegExp(`✔ ${check}`));
  }
  assert.doesNotMatch(stdout, /✘/);
});
