/**
 * helia and libp2p are loaded only with `ipfs.network.enabled` (docs/ipfs.md): a gateway started in a child
 * process with a module resolution hook lists the network packages it resolved.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = new URL('../..', import.meta.url).pathname;

const SCRIPT = `
import { registerHooks } from 'node:module';
const seen = new Set();
registerHooks({
  resolve(specifier, context, next) {
    if (/^(helia|libp2p|@helia\\/|@libp2p\\/|@chainsafe\\/libp2p)/.test(specifier)) seen.add(specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/'));
    return next(specifier, context);
  },
});
const { startTestGateway } = await import('./test/helpers/gateway.ts');
const network = process.argv[1] === 'on';
const t = await startTestGateway({ overrides: { ipfs: { network: { enabled: network, listen: ['/ip4/127.0.0.1/tcp/0'] } } } });
await t.stop();
console.log(JSON.stringify([...seen].sort()));
`;

async function networkModules(mode: 'on' | 'off'): Promise<string[]> {
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', SCRIPT, mode], {
    cwd: ROOT,
    timeout: 60_000,
  });
  return JSON.parse(stdout.trim().split('\n').at(-1)!);
}

/** Small helpers the LevelDB blockstore has always used (errors and debug logging), not the network. */
const BLOCKSTORE_HELPERS = new Set(['@libp2p/logger', '@libp2p/interface']);

test('with the network off no helia or libp2p module is loaded; with it on they are', async () => {
  assert.deepEqual(
    (await networkModules('off')).filter((name) => !BLOCKSTORE_HELPERS.has(name)),
    [],
  );
  const on = await networkModules('on');
  for (const name of ['helia', '@helia/bitswap', '@libp2p/tcp', '@chainsafe/libp2p-noise'])
    assert.ok(on.includes(name), `${name} in ${on}`);
});
