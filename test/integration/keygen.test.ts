/** `gateway keygen` (docs/ledger.md, "Running a consortium"): a key, and how to make a real consortium. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { promisify } from 'node:util';

const run = promisify(execFile);

test('keygen prints a key pair and says how to make a real consortium', async () => {
  const { stdout, stderr } = await run(process.execPath, ['src/main.ts', 'keygen']);
  assert.match(stdout, /^secret [0-9a-f]{64}\npublic [0-9a-f]{64}\n$/);
  assert.match(stderr, /real consortium/);
  assert.match(stderr, /gateway-config\/consortium\/ are examples/);
});
