/**
 * Peer sync between member gateways as child processes (docs/ledger.md): a member restarted after missing blocks
 * catches up from its peers; a member cut off from the others that mined its own branch reorganizes onto
 * the heavier chain when it reconnects, and its records return to the pool and are mined again.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { tempDir } from '../helpers/gateway.ts';
import { api, createNetwork, firstReading, type Network, sendReading, until } from './ledger-network.ts';

const dir = tempDir('medgate-ledger-sync-');
let net: Network;

const head = async (name: string) => (await api(net.member(name), 'GET', '/v1/ledger/head')).body;
const mine = async (name: string, allowEmpty = false) => {
  const res = await api(net.member(name), 'POST', '/v1/ledger/mine', { allowEmpty });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.ok(res.body.block, `${name} mined a block`);
  return res.body.block as { hash: string; height: number; records: Array<{ gatewayId: string }> };
};
const sealed = (name: string, patient: string) =>
  until(
    `${name}'s reading sealed`,
    async () => (await firstReading(net.member(name), patient))?.proof.status === 'sealed',
  );

before(async () => {
  net = await createNetwork(dir.path, ['a', 'b', 'c']);
  // c starts cut off: nobody lists it, it lists nobody.
  await Promise.all([
    net.start('a', { peers: ['b'] }),
    net.start('b', { peers: ['a'] }),
    net.start('c', { peers: [] }),
  ]);
});

after(async () => {
  await net?.stopAll();
  dir.remove();
});

let cBranch: { hash: string; height: number; records: Array<{ gatewayId: string }> };

test('a restarted member catches up from its peers', { timeout: 60_000 }, async () => {
  await sendReading(net.member('c'), 'P-c');
  await sealed('c', 'P-c');
  cBranch = await mine('c');
  assert.equal(cBranch.height, 1);
  assert.ok(cBranch.records.some((r) => r.gatewayId === 'gw-c'));

  await sendReading(net.member('a'), 'P-a');
  await sealed('a', 'P-a');
  const a1 = await mine('a');
  await until('b has a1', async () => (await head('b')).hash === a1.hash);
  await net.stop('b');
  await mine('a', true);
  const a3 = await mine('a', true);
  assert.equal(a3.height, 3);

  await net.start('b', { peers: ['a'] });
  await until('b caught up', async () => (await head('b')).hash === a3.hash);
  const bHead = await head('b');
  assert.equal(bHead.height, 3);
  assert.equal(bHead.work, (await head('a')).work);
});

test('a partitioned member reorganizes onto the heavier chain and its records are mined again', {
  timeout: 60_000,
}, async () => {
  const before = await firstReading(net.member('c'), 'P-c');
  assert.equal(before?.proof.blockHash, cBranch.hash, 'anchored on its own branch first');

  await net.stop('c');
  await net.start('c', { peers: ['a', 'b'] });
  const aHead = await head('a');
  await until('c reorganized onto a’s chain', async () => (await head('c')).hash === aHead.hash);
  const orphaned = await firstReading(net.member('c'), 'P-c');
  assert.equal(orphaned?.proof.status, 'sealed', 'back to sealed: its block left the main chain');
  const pool = (await api(net.member('c'), 'GET', '/v1/ledger/pool')).body.records as Array<{
    gatewayId: string;
  }>;
  assert.ok(
    pool.some((r) => r.gatewayId === 'gw-c'),
    'records of the orphaned block are back in the pool',
  );

  const remined = await mine('c');
  assert.equal(remined.height, aHead.height + 1);
  for (const name of ['a', 'b']) {
    await until(`${name} accepted c's block`, async () => (await head(name)).hash === remined.hash);
  }
  const after = await firstReading(net.member('c'), 'P-c');
  assert.equal(after?.proof.status, 'anchored');
  assert.equal(after?.proof.blockHash, remined.hash);

  // c's proof verifies on a, on a's main chain.
  const proof = (await api(net.member('c'), 'GET', `/v1/readings/${after!.id}/proof`)).body;
  const verdict = (await api(net.member('a'), 'POST', '/v1/proofs/verify', proof)).body;
  assert.equal(verdict.valid, true, JSON.stringify(verdict.checks));
  assert.ok(verdict.checks.some((c: { name: string; ok: boolean }) => c.name === 'chain' && c.ok));
});
