/**
 * Records from peers over HTTP (docs/ledger.md, docs/limits.md): a minute in the year 3000, replays, a flood of
 * 20,000 pending records and 2,500 copies of one record are refused or answered as the rules say, and the
 * copies cost one signature check (counted by /metrics, not timed).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { signRecord } from '../../src/batches/record.ts';
import { type TestGateway, tempDir } from '../helpers/gateway.ts';
import { ledgerMemberA } from '../helpers/ledger-member.ts';
import { GENESIS_TIME, KEYS, record } from '../unit/ledger/helpers.ts';

const dir = tempDir('medgate-ledger-records-');
let t: TestGateway;

before(async () => {
  t = await ledgerMemberA(dir.path).start();
});
after(async () => {
  await t?.stop();
  dir.remove();
});

const post = (records: unknown[]) => t.api('POST', '/v1/ledger/records', { body: { records } });

async function signatureChecks(): Promise<number> {
  const text = (await t.api('GET', '/metrics', { token: null })).body as string;
  const line = /^medgate_ledger_record_signature_checks_total (\d+)/m.exec(text);
  return Number(line?.[1] ?? 0);
}

test('a record dated in the year 3000 or before the genesis is refused', async () => {
  const future = signRecord(
    {
      gatewayId: 'gw-b',
      minute: '3000-01-01T00:00:00.000Z',
      count: 1,
      root: '00'.repeat(32),
      batchCid: 'bafyx',
    },
    KEYS.b,
  );
  const res = await post([future]);
  assert.equal(res.statusCode, 400, JSON.stringify(res.body));
  assert.equal(res.body.code, 'ERR_RECORD_TIME');
  const early = signRecord({ ...future, minute: '2020-01-01T00:00:00.000Z' }, KEYS.b);
  assert.equal((await post([early])).body.code, 'ERR_RECORD_TIME');
  assert.equal((await t.api('GET', '/v1/ledger/pool')).body.records.length, 0);
});

test('2,500 copies of one valid record are answered with one signature check', async () => {
  const before = await signatureChecks();
  const r = record('c', 7);
  const res = await post(Array.from({ length: 2500 }, () => r).slice(0, 1000));
  assert.equal(res.statusCode, 200, JSON.stringify(res.body));
  assert.deepEqual(res.body, { added: 1, known: 999 });
  const again = await post(Array.from({ length: 1000 }, () => r));
  assert.deepEqual(again.body, { added: 0, known: 1000 });
  assert.equal((await signatureChecks()) - before, 1);
  const tooMany = await post(Array.from({ length: 2500 }, () => r));
  assert.equal(tooMany.statusCode, 400, 'more records than a request may carry');
  assert.equal(tooMany.body.code, 'ERR_BAD_REQUEST');
  const padded = { ...r, batchCid: 'b'.repeat(256) };
  const tooBig = await post([...Array.from({ length: 999 }, () => padded), { pad: 'x'.repeat(900_000) }]);
  // The API's error handler answers a body over its route's bound (400 or 413 by its mapping).
  assert.ok([400, 413].includes(tooBig.statusCode), JSON.stringify(tooBig.body));
  assert.match(tooBig.body.message, /too large/);
  assert.equal((await signatureChecks()) - before, 1);
});

test('replays: an anchored record is known, another record for its minute is refused', async () => {
  const r = record('b', 20);
  assert.equal((await post([r])).statusCode, 200);
  const mined = await t.api('POST', '/v1/ledger/mine', { body: {} });
  assert.ok(mined.body.block, JSON.stringify(mined.body));
  const before = await signatureChecks();
  assert.deepEqual((await post([r])).body, { added: 0, known: 1 });
  assert.equal(await signatureChecks(), before, 'a replay costs no signature check');
  const other = signRecord({ ...r, count: 12345 }, KEYS.b);
  const res = await post([other]);
  assert.equal(res.statusCode, 409);
  assert.equal(res.body.code, 'ERR_RECORD_ANCHORED');
  const pending = record('b', 21);
  await post([pending]);
  const rival = await post([signRecord({ ...pending, count: 777 }, KEYS.b)]);
  assert.equal(rival.body.code, 'ERR_RECORD_PENDING');
});

test('a flood of 20,000 pending records: the first 2,048 of the member are kept, the rest refused unchecked', {
  timeout: 60_000,
}, async () => {
  const before = await signatureChecks();
  const start = (await t.api('GET', '/v1/ledger/pool')).body.records.filter(
    (r: { gatewayId: string }) => r.gatewayId === 'gw-b',
  ).length;
  // Past the pool's bound the records need no valid signature: they are refused before it is checked.
  const flood = Array.from({ length: 20_000 }, (_, i) => {
    const fields = {
      gatewayId: 'gw-b',
      minute: new Date(GENESIS_TIME + 3_600_000 + i * 1000).toISOString(),
      count: 1,
      root: '22'.repeat(32),
      batchCid: `bafyflood${i}`,
    };
    return i < 2100 ? signRecord(fields, KEYS.b) : { ...fields, signature: 'ab'.repeat(64) };
  });
  const statuses: Array<[number, string | undefined]> = [];
  for (let i = 0; i < flood.length; i += 1000) {
    const res = await post(flood.slice(i, i + 1000));
    statuses.push([res.statusCode, res.body.code]);
  }
  assert.deepEqual(statuses.slice(0, 2), [
    [200, undefined],
    [200, undefined],
  ]);
  for (const s of statuses.slice(2)) assert.deepEqual(s, [429, 'ERR_POOL_FULL']);
  const pool = (await t.api('GET', '/v1/ledger/pool')).body.records as Array<{
    gatewayId: string;
    batchCid: string;
  }>;
  const mine = pool.filter((r) => r.gatewayId === 'gw-b');
  assert.equal(mine.length, 2048);
  assert.ok(
    mine.some((r) => r.batchCid === 'bafyflood0'),
    'the oldest are kept',
  );
  assert.equal((await signatureChecks()) - before, 2048 - start);
  // Another member is not starved by gw-b's flood.
  assert.deepEqual((await post([record('c', 30)])).body, { added: 1, known: 0 });
});
