/**
 * Finality on one gateway over HTTP (docs/ledger.md, "Finality"): attestations of more than half of the
 * members make a block final; a heavier chain that conflicts with it is refused, also after a restart.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { type Block, type BlockHeader, blockToJson, toHex } from '../../src/ledger/index.ts';
import { signAttestation } from '../../src/ledger/rules/attestation.ts';
import { type TestGateway, tempDir } from '../helpers/gateway.ts';
import { ledgerMemberA } from '../helpers/ledger-member.ts';
import { consortium, consortiumFile, extend, GENESIS_TIME, KEYS, OUTSIDER } from '../unit/ledger/helpers.ts';

const dir = tempDir('medgate-ledger-final-');
const c = consortium();
let t: TestGateway;
const { start, file } = ledgerMemberA(dir.path);

before(async () => {
  t = await start();
});
after(async () => {
  await t?.stop({ keepData: true });
  dir.remove();
});

const head = async () => (await t.api('GET', '/v1/ledger/head')).body;
const attest = (list: unknown[]) =>
  t.api('POST', '/v1/ledger/attestations', { body: { attestations: list } });

/** A side chain of `n` blocks from genesis mined by gw-b, back-dated one second apart. */
function sideChain(n: number): Block[] {
  const out: Block[] = [];
  const tail: BlockHeader[] = [c.genesis.header];
  for (let i = 0; i < n; i++) {
    const block = extend(c, tail, { miner: KEYS.b, now: GENESIS_TIME + 1000 * (i + 1) });
    out.push(block);
    tail.push(block.header);
  }
  return out;
}

const mined: Array<{ hash: string; height: number }> = [];

test('a block attested by more than half of the members is final, and so are its ancestors', async () => {
  for (let i = 0; i < 3; i++) {
    const res = await t.api('POST', '/v1/ledger/mine', { body: { allowEmpty: true } });
    mined.push({ hash: res.body.block.hash, height: res.body.block.height });
  }
  const [, b2, b3] = mined;
  const own = (await t.api('GET', `/v1/ledger/blocks/${b3!.hash}`)).body.blocks[0];
  assert.deepEqual(
    own.attestations.map((a: { gatewayId: string }) => a.gatewayId),
    ['gw-a'],
    'the gateway attests what it connects',
  );
  assert.deepEqual(
    (await head()).final,
    { height: 0, hash: toHex(c.genesisHash) },
    'one of three: not final',
  );

  const bad = await attest([{ ...signAttestation(c, b2!, 'gw-b', KEYS.c) }]);
  assert.equal(bad.statusCode, 400);
  assert.equal(bad.body.code, 'ERR_ATTESTATION_INVALID');
  const stranger = await attest([{ ...signAttestation(c, b2!, 'gw-x', OUTSIDER) }]);
  assert.equal(stranger.body.code, 'ERR_ATTESTATION_INVALID');
  const wrongHeight = await attest([signAttestation(c, { ...b2!, height: 3 }, 'gw-b', KEYS.b)]);
  assert.equal(wrongHeight.body.code, 'ERR_ATTESTATION_INVALID');

  // Copies cost a lookup, and after a bad signature the rest of the request is not checked.
  const forged = signAttestation(c, b2!, 'gw-b', KEYS.c);
  const mixed = await attest([
    ...Array.from({ length: 200 }, () => forged),
    signAttestation(c, b2!, 'gw-c', KEYS.c),
  ]);
  assert.equal(mixed.statusCode, 400);
  assert.match(mixed.body.message, /2 of 201 attestation\(s\) refused/);
  assert.equal((await head()).final.height, 0, "gw-c's attestation was not taken unchecked");

  const ok = await attest([signAttestation(c, b2!, 'gw-b', KEYS.b)]);
  assert.equal(ok.statusCode, 200, JSON.stringify(ok.body));
  assert.deepEqual(ok.body.final, b2);
  const h = await head();
  assert.deepEqual(h.final, b2);
  assert.equal(h.hash, b3!.hash);
  const shown = (await t.api('GET', `/v1/ledger/blocks/${b2!.hash}`)).body.blocks[0];
  assert.deepEqual(shown.attestations.map((a: { gatewayId: string }) => a.gatewayId).sort(), [
    'gw-a',
    'gw-b',
  ]);
});

test('a heavier side chain from genesis by one member is refused whatever its work', async () => {
  const side = sideChain(8);
  const res = await t.api('POST', '/v1/ledger/blocks', { body: { blocks: side.map(blockToJson) } });
  assert.equal(res.statusCode, 409, JSON.stringify(res.body));
  assert.equal(res.body.code, 'ERR_BLOCK_CONFLICTS_FINAL');
  const h = await head();
  assert.equal(h.hash, mined[2]!.hash, 'the head did not move');
  for (const m of mined) {
    const page = (await t.api('GET', `/v1/ledger/blocks?fromHeight=${m.height}&limit=1`)).body.blocks;
    assert.equal(page[0].hash, m.hash, `block ${m.height} unchanged`);
  }
});

test('an attestation of a block not seen yet waits for it; finality survives a restart', async () => {
  // gw-b mines on the main chain and gw-c attests it before the block arrives.
  const tail = (await t.api('GET', '/v1/ledger/blocks?fromHeight=0&limit=10')).body.blocks.map(
    (b: { header: string }) => b.header,
  );
  const { decodeHeader, fromHex } = await import('../../src/ledger/index.ts');
  const headers = tail.map((hex: string) => decodeHeader(fromHex('header', hex)));
  const b4 = extend(c, headers, { miner: KEYS.b, now: Date.now() });
  const b4Json = blockToJson(b4);
  const early = await attest([signAttestation(c, b4Json, 'gw-c', KEYS.c)]);
  assert.equal(early.body.pending, 1);
  await t.api('POST', '/v1/ledger/blocks', { body: { blocks: [b4Json] } });
  // a attested b4 on connecting it, c's waiting attestation counted: final.
  assert.deepEqual((await head()).final, { height: 4, hash: b4Json.hash });

  await t.stop({ keepData: true });
  t = await start();
  const h = await head();
  assert.deepEqual(h.final, { height: 4, hash: b4Json.hash });
  const side = sideChain(10);
  const res = await t.api('POST', '/v1/ledger/blocks', { body: { blocks: side.map(blockToJson) } });
  assert.equal(res.body.code, 'ERR_BLOCK_CONFLICTS_FINAL');
  assert.equal((await head()).hash, b4Json.hash);
});

test('a retired member: its blocks and attestations above its retirement height are refused', async () => {
  const { decodeHeader, fromHex } = await import('../../src/ledger/index.ts');
  const final = (await head()).final as { height: number; hash: string };
  await t.stop({ keepData: true });
  const retiring = consortiumFile();
  writeFileSync(
    file,
    JSON.stringify({
      ...retiring,
      members: retiring.members.map((m) => (m.gatewayId === 'gw-b' ? { ...m, retiredAt: final.height } : m)),
    }),
  );
  t = await start();
  assert.deepEqual((await head()).final, final, 'the genesis is unchanged: the chain and its finality load');
  const headers = (await t.api('GET', '/v1/ledger/blocks?fromHeight=0&limit=100')).body.blocks.map(
    (b: { header: string }) => decodeHeader(fromHex('header', b.header)),
  );
  const byB = extend(c, headers, { miner: KEYS.b, now: Date.now() });
  const refusedBlock = await t.api('POST', '/v1/ledger/blocks', { body: { blocks: [blockToJson(byB)] } });
  assert.equal(refusedBlock.body.code, 'ERR_BLOCK_RETIRED_MEMBER');

  const mined = (await t.api('POST', '/v1/ledger/mine', { body: { allowEmpty: true } })).body.block;
  const byBAttests = await attest([signAttestation(c, mined, 'gw-b', KEYS.b)]);
  assert.equal(byBAttests.body.code, 'ERR_ATTESTATION_INVALID');
  // Two members remain active: gw-a's and gw-c's attestations make the block final.
  await attest([signAttestation(c, mined, 'gw-c', KEYS.c)]);
  assert.deepEqual((await head()).final, { height: mined.height, hash: mined.hash });
});
