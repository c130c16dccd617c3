/**
 * `gateway verify` on a proof file RFC 8785 cannot canonicalize (a non-finite number, a lone surrogate,
 * nesting thousands deep): a verdict with a failing `format` check and exit code 1, never a crash.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { tempDir } from '../helpers/gateway.ts';

const dir = tempDir('medgate-cli-verify-');
after(() => dir.remove());

function verify(file: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['src/main.ts', 'verify', file], (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? -1) : 0, stdout, stderr });
    });
  });
}

const proofText = (reading: string) =>
  `{"format":"medgate/proof/1","reading":${reading},"salt":"AAAAAAAAAAAAAAAAAAAAAA==",` +
  `"leaf":{"hash":"${'0'.repeat(64)}","index":0,"treeSize":1,"path":[]},` +
  `"record":{"gatewayId":"gw","minute":"2026-11-24T10:00:00.000Z","count":1,"root":"${'0'.repeat(64)}",` +
  `"batchCid":"bafy","signature":"${'0'.repeat(128)}"},"gatewayKey":"${'0'.repeat(64)}","anchor":null}`;

test('a hostile proof file gets a verdict from the CLI, not a crash', async () => {
  const cases = {
    infinite: proofText('{"v":1e400}'),
    surrogate: proofText('{"v":"\\ud800"}'),
    deep: proofText(`${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`),
  };
  for (const [name, text] of Object.entries(cases)) {
    const file = join(dir.path, `${name}.json`);
    writeFileSync(file, text);
    const { code, stdout, stderr } = await verify(file);
    assert.equal(code, 1, `${name}: ${stderr}`);
    assert.match(stdout, /FAIL format/, name);
    assert.match(stdout, /proof is NOT valid/, name);
    assert.equal(stderr, '', name);
  }
});
