/**
 * One gateway's ledger over HTTP (docs/ledger.md, docs/api.md): blocks and records that break a rule are refused with the
 * rule's own code, and a stored chain is re-validated on load (a tampered block is not taken back).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { anchorRoot, type Block, blockToJson } from '../../src/ledger/index.ts';
import { sealBlock } from '../../src/ledger/rules/block.ts';
import { openDb, sublevels } from '../../src/store/index.ts';
import { type TestGateway, tempDir } from '../helpers/gateway.ts';
import { ledgerMemberA } from '../helpers/ledger-member.ts';
import { consortium, extend, GENESIS_TIME, KEYS, OUTSIDER, record } from '../unit/ledger/helpers.ts';

const dir = tempDir('medgate-ledger-one-');
const c = consortium();
let t: TestGateway;

const { start } = ledgerMemberA(dir.path);

before(async () => {
  t = await start();
});
after(async () => {
  await t?.stop({ keepData: true });
  dir.remove();
});

const push = (block: Block | unknown) =>
  t.api('POST', '/v1/ledger/blocks', {
    body: { blocks: [typeof (block as Block).header === 'object' ? blockToJson(block as Block) : block] },
  });

test('invalid blocks pushed over HTTP are refused, each with its rule’s code', async () => {
  const genesis = [c.genesis.header];
  const b1 = extend(c, genesis);
  const tail = [c.genesis.header, b1.header];
  const r = record('b', 1);
  const cases: Array<[string, number, Block | unknown]> = [
    ['ERR_BLOCK_UNKNOWN_PARENT', 409, extend(c, tail)],
    ['ERR_BLOCK_BAD_HEIGHT', 400, extend(c, genesis, { tweak: (h) => ({ ...h, height: 2 }) })],
    ['ERR_BLOCK_BAD_TARGET', 400, extend(c, genesis, { tweak: (h) => ({ ...h, target: h.target >> 1n }) })],
    ['ERR_BLOCK_TIME_TOO_FAR', 400, extend(c, genesis, { now: Date.now() + 600_000 })],
    [
      'ERR_BLOCK_TIME_TOO_OLD',
      400,
      extend(c, genesis, { tweak: (h) => ({ ...h, timestamp: GENESIS_TIME }) }),
    ],
    ['ERR_BLOCK_NOT_MEMBER', 400, extend(c, genesis, { miner: OUTSIDER })],
    ['ERR_BLOCK_BAD_SIGNATURE', 400, sealBlock(b1.header, b1.records, KEYS.b)],
    ['ERR_BLOCK_BAD_ANCHOR', 400, extend(c, genesis, { recordsAfter: [r] })],
    ['ERR_BLOCK_BAD_RECORD', 400, extend(c, genesis, { records: [record('b', 2, KEYS.c)] })],
    [
      'ERR_BLOCK_DUPLICATE_RECORD',
      400,
      extend(c, genesis, { tweak: (h) => ({ ...h, anchorRoot: anchorRoot([r, r]) }), recordsAfter: [r, r] }),
    ],
    ['ERR_BLOCK_MALFORMED', 400, { ...blockToJson(b1), hash: '00'.repeat(32) }],
  ];
  // A header whose nonce no longer meets the target.
  let nonce = b1.header.nonce;
  let badPow: Block;
  do {
    nonce++;
    badPow = sealBlock({ ...b1.header, nonce }, b1.records, KEYS.a);
  } while (blockToJson(badPow).hash.startsWith('0'));
  cases.push(['ERR_BLOCK_BAD_POW', 400, badPow]);

  for (const [code, status, block] of cases) {
    const res = await push(block);
    assert.equal(res.statusCode, status, `${code}: ${JSON.stringify(res.body)}`);
    assert.equal(res.body.code, code, JSON.stringify(res.body));
    assert.equal(res.body.statusCode, status);
    assert.ok(res.body.error && res.body.message, 'docs/api.md error body');
  }
  assert.equal((await t.api('GET', '/v1/ledger/head')).body.height, 0);

  const ok = await push(b1);
  assert.equal(ok.statusCode, 200, JSON.stringify(ok.body));
  assert.deepEqual(ok.body.head, { height: 1, hash: blockToJson(b1).hash });
  assert.equal((await push(b1)).body.known, 1, 'a block already known is not an error');

  const noToken = await t.api('POST', '/v1/ledger/blocks', {
    token: null,
    body: { blocks: [blockToJson(b1)] },
  });
  assert.equal(noToken.statusCode, 401);
});

test('records: only members’ correctly signed records enter the pool', async () => {
  const bad = await t.api('POST', '/v1/ledger/records', { body: { records: [record('b', 5, KEYS.c)] } });
  assert.equal(bad.statusCode, 400);
  assert.equal(bad.body.code, 'ERR_BLOCK_BAD_RECORD');
  const outsider = await t.api('POST', '/v1/ledger/records', {
    body: { records: [{ ...record('b', 6), gatewayId: 'gw-x' }] },
  });
  assert.equal(outsider.body.code, 'ERR_BLOCK_BAD_RECORD');
  const good = await t.api('POST', '/v1/ledger/records', {
    body: { records: [record('b', 5), record('c', 5)] },
  });
  assert.deepEqual(good.body, { added: 2, known: 0 });
  const again = await t.api('POST', '/v1/ledger/records', { body: { records: [record('b', 5)] } });
  assert.deepEqual(again.body, { added: 0, known: 1 });
});

test('the stored chain is re-validated on load; a tampered block is dropped with what follows it', async () => {
  for (let i = 0; i < 3; i++) {
    await t.api('POST', '/v1/ledger/records', { body: { records: [record('b', 10 + i)] } });
    const mined = await t.api('POST', '/v1/ledger/mine', { body: {} });
    assert.ok(mined.body.block, JSON.stringify(mined.body));
  }
  const head = (await t.api('GET', '/v1/ledger/head')).body;
  assert.equal(head.height, 4);

  await t.stop({ keepData: true });
  t = await start();
  const { pending: _, ...loaded } = (await t.api('GET', '/v1/ledger/head')).body;
  const { pending: __, ...was } = head;
  assert.deepEqual(loaded, was, 'a clean chain loads as it was');
  await t.stop({ keepData: true });

  // Change one record of the block at height 3 in the store: its anchor root no longer matches.
  const db = openDb(join(dir.path, 'gw', 'store'));
  await db.open();
  const subs = sublevels(db);
  const hash3 = (await subs.ledgerMain.get('0000000003'))!;
  const stored = (await subs.ledgerBlocks.get(hash3))!;
  await subs.ledgerBlocks.put(hash3, { ...stored, records: [{ ...stored.records[0]!, count: 999 }] });
  await db.close();

  t = await start();
  const reloaded = (await t.api('GET', '/v1/ledger/head')).body;
  assert.equal(reloaded.height, 2, 'the chain ends below the tampered block');
  assert.equal((await t.api('GET', '/v1/ledger/blocks?fromHeight=3')).body.blocks.length, 0);
});
