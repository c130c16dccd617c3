/**
 * One member against the others (docs/ledger.md, "Finality"), three member gateways as child processes: a
 * partitioned member with a heavier chain of its own catches up with the final chain without pulling the
 * others along; then an attacker holding gw-b's key and a peer token posts a back-dated side chain from
 * genesis with more work to every member: all refuse it, their block hashes stay, a proof fetched before
 * the attack still verifies after it, and a restart keeps finality.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { signingKeyFromSecret } from '../../src/crypto/signing.ts';
import {
  type Block,
  type BlockHeader,
  blockToJson,
  createBlockTemplate,
  fromHex,
  parseConsortium,
  sealBlock,
} from '../../src/ledger/index.ts';
import { tempDir } from '../helpers/gateway.ts';
import { mineSync } from '../unit/ledger/helpers.ts';
import { api, createNetwork, firstReading, type Network, sendReading, until } from './ledger-network.ts';

const dir = tempDir('medgate-ledger-attack-');
let net: Network;

const head = async (name: string) => (await api(net.member(name), 'GET', '/v1/ledger/head')).body;
const mine = async (name: string) => {
  const res = await api(net.member(name), 'POST', '/v1/ledger/mine', { allowEmpty: true });
  assert.ok(res.body.block, `${name} mined: ${JSON.stringify(res.body)}`);
  return res.body.block as { hash: string; height: number };
};
const mainHashes = async (name: string) =>
  (
    (await api(net.member(name), 'GET', '/v1/ledger/blocks?fromHeight=0&limit=500')).body.blocks as Array<{
      hash: string;
    }>
  ).map((b) => b.hash);

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

let proof: unknown;

test('blocks become final on the two connected members; the lone member catches up without a reorg below final', {
  timeout: 60_000,
}, async () => {
  await sendReading(net.member('a'), 'P-a');
  await until(
    'a sealed its reading',
    async () => (await firstReading(net.member('a'), 'P-a'))?.proof.status === 'sealed',
  );
  for (let i = 0; i < 3; i++) await mine('a');
  const aHead = await head('a');
  await until('a and b agree that block 3 is final', async () => {
    const [ha, hb] = [await head('a'), await head('b')];
    return ha.final.height === 3 && hb.final.height === 3 && hb.final.hash === ha.hash;
  });
  // c, alone, mines a longer chain: more work than the final one, attested by c only.
  for (let i = 0; i < 5; i++) await mine('c');
  const cAlone = await head('c');
  assert.ok(BigInt(cAlone.work) > BigInt(aHead.work));
  assert.equal(cAlone.final.height, 0);

  const reading = (await firstReading(net.member('a'), 'P-a'))!;
  await until('the reading’s proof is final', async () => {
    const p = (await api(net.member('a'), 'GET', `/v1/readings/${reading.id}/proof`)).body;
    const verdict = (await api(net.member('b'), 'POST', '/v1/proofs/verify', p)).body;
    const finality = verdict.checks.find((ch: { name: string }) => ch.name === 'finality');
    if (verdict.valid && /^final:/.test(finality?.detail ?? '')) {
      proof = p;
      return true;
    }
    return false;
  });

  await net.stop('c');
  await net.start('c', { peers: ['a', 'b'] });
  await until('c follows the final chain', async () => (await head('c')).hash === aHead.hash);
  const c = await head('c');
  assert.deepEqual(c.final, (await head('a')).final);
  assert.equal((await head('a')).hash, aHead.hash, 'a did not move to c’s heavier chain');

  // The two-member side keeps finalizing with c back.
  const a4 = await mine('a');
  for (const name of ['a', 'b', 'c']) {
    await until(`${name} has block 4 final`, async () => (await head(name)).final.height === a4.height);
  }
});

test('a back-dated side chain from genesis with more work, signed with gw-b’s key, is refused by every member', {
  timeout: 60_000,
}, async () => {
  const consortium = parseConsortium(JSON.parse(readFileSync(net.consortiumFile, 'utf8')));
  const key = signingKeyFromSecret(fromHex('key', readFileSync(join(dir.path, 'b.key'), 'utf8').trim()));
  const before = await Promise.all(['a', 'b', 'c'].map(mainHashes));
  const height = (await head('a')).height;

  const side: Block[] = [];
  const tail: BlockHeader[] = [consortium.genesis.header];
  for (let i = 0; i < height + 30; i++) {
    const { header, records } = createBlockTemplate({
      chainTail: tail.slice(-20),
      params: consortium.params,
      records: [],
      minerPublicKey: key.publicKey,
      now: consortium.genesis.header.timestamp + i + 1,
    });
    const block = sealBlock(mineSync(header), records, key);
    side.push(block);
    tail.push(block.header);
  }
  for (const name of ['a', 'b', 'c']) {
    const res = await fetch(`${net.member(name).url}/v1/ledger/blocks`, {
      method: 'POST',
      headers: { authorization: `Bearer ${net.peerToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ blocks: side.map(blockToJson) }),
    });
    const body = (await res.json()) as { code?: string };
    assert.equal(res.status, 409, `${name}: ${JSON.stringify(body)}`);
    assert.equal(body.code, 'ERR_BLOCK_CONFLICTS_FINAL');
  }
  const afterAttack = await Promise.all(['a', 'b', 'c'].map(mainHashes));
  assert.deepEqual(afterAttack, before, 'every member keeps its blocks');

  const verdict = (await api(net.member('c'), 'POST', '/v1/proofs/verify', proof)).body;
  assert.equal(verdict.valid, true, JSON.stringify(verdict.checks));
  assert.ok(verdict.checks.some((ch: { name: string; ok: boolean }) => ch.name === 'chain' && ch.ok));

  // A restart keeps finality: the same chain is refused again.
  const final = (await head('a')).final;
  await net.stop('a');
  await net.start('a', { peers: ['b', 'c'] });
  assert.deepEqual((await head('a')).final, final);
  const again = await fetch(`${net.member('a').url}/v1/ledger/blocks`, {
    method: 'POST',
    headers: { authorization: `Bearer ${net.peerToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ blocks: side.slice(0, 50).map(blockToJson) }),
  });
  assert.equal(again.status, 409);
  assert.deepEqual(await mainHashes('a'), before[0]);
});
