import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { signRecord } from '../../../src/batches/record.ts';
import {
  anchorRoot,
  type Block,
  type BlockHeader,
  blockFromJson,
  blockHash,
  blockToJson,
  bytesToU256,
  type LedgerErrorCode,
  parseConsortium,
  recordInclusion,
  recordKey,
  sealBlock,
  validateBlock,
  validateChain,
  validateChainPrefix,
} from '../../../src/ledger/index.ts';
import { verifyInclusion } from '../../../src/merkle/index.ts';
import { chain, consortium, consortiumFile, extend, INTERVAL, KEYS, OUTSIDER, record } from './helpers.ts';

const c = consortium();
const base = chain(c, 5);
const tail = base.map((b) => b.header);
const parent = tail.at(-1)!;
const now = parent.timestamp + INTERVAL;
const context = (over: Partial<Parameters<typeof validateBlock>[1]> = {}) => ({
  chainTail: tail,
  consortium: c,
  now,
  recordSeen: () => false,
  ...over,
});
const records = [record('a', 1), record('b', 1), record('c', 2)];

function refused(
  block: Block,
  code: LedgerErrorCode,
  over: Partial<Parameters<typeof validateBlock>[1]> = {},
) {
  assert.throws(
    () => validateBlock(block, context(over)),
    (err: { code?: string; message: string }) => {
      assert.equal(err.code, code, err.message);
      return true;
    },
  );
}

/** Same block, records replaced, header re-anchored and re-mined: only the records' own rules can fail. */
function withRecords(list: Block['records']): Block {
  return extend(c, tail, { tweak: (h) => ({ ...h, anchorRoot: anchorRoot(list) }), recordsAfter: list });
}

describe('validateBlock (docs/ledger.md): a valid block passes', () => {
  it('accepts a block with records, and the records prove into its anchor root', () => {
    const block = extend(c, tail, { records });
    assert.deepEqual(validateBlock(block, context()), blockHash(block.header));
    for (let i = 0; i < block.records.length; i++) {
      const p = recordInclusion(block, i);
      assert.ok(verifyInclusion(p.leafHash, i, p.treeSize, p.proof, block.header.anchorRoot));
    }
    assert.deepEqual(blockFromJson(JSON.parse(JSON.stringify(blockToJson(block)))), block);
  });
  it('accepts an empty block and validates a whole chain from genesis', () => {
    const summary = validateChain([...base, extend(c, tail, { records })], { consortium: c, now });
    assert.equal(summary.tip.height, 6);
    assert.equal(summary.records, 3);
  });
});

describe('validateBlock: each rule broken once is refused with its own code', () => {
  it('ERR_BLOCK_MALFORMED: short signature, unknown version, too many records', () => {
    const block = extend(c, tail);
    refused({ ...block, signature: block.signature.subarray(1) }, 'ERR_BLOCK_MALFORMED');
    refused(extend(c, tail, { tweak: (h) => ({ ...h, version: 2 }) }), 'ERR_BLOCK_MALFORMED');
    const small = consortium({ maxBlockRecords: 2 });
    assert.throws(() => validateBlock(extend(c, tail, { records }), { ...context(), consortium: small }), {
      code: 'ERR_BLOCK_MALFORMED',
    });
    assert.throws(() => blockFromJson({ ...blockToJson(block), height: 99 }), {
      code: 'ERR_BLOCK_MALFORMED',
    });
  });
  it('ERR_BLOCK_BAD_LINK: previous hash is not the parent', () => {
    refused(
      extend(c, tail, { tweak: (h) => ({ ...h, previousHash: blockHash(tail[2]!) }) }),
      'ERR_BLOCK_BAD_LINK',
    );
  });
  it('ERR_BLOCK_BAD_HEIGHT: height is not parent + 1', () => {
    refused(extend(c, tail, { tweak: (h) => ({ ...h, height: h.height + 1 }) }), 'ERR_BLOCK_BAD_HEIGHT');
  });
  it('ERR_BLOCK_BAD_TARGET: an easier (or harder) target than the rule gives', () => {
    refused(extend(c, tail, { tweak: (h) => ({ ...h, target: h.target / 2n }) }), 'ERR_BLOCK_BAD_TARGET');
  });
  it('ERR_BLOCK_BAD_POW: hash above the target', () => {
    const block = extend(c, tail);
    let header: BlockHeader = block.header;
    while (bytesToU256(blockHash(header)) <= header.target) header = { ...header, nonce: header.nonce + 1n };
    refused(sealBlock(header, [], KEYS.a), 'ERR_BLOCK_BAD_POW');
  });
  it('ERR_BLOCK_TIME_TOO_OLD: not after the median time past', () => {
    const mtp = tail[tail.length - 3]!.timestamp; // median of the 6 timestamps, index 3
    refused(extend(c, tail, { tweak: (h) => ({ ...h, timestamp: mtp }) }), 'ERR_BLOCK_TIME_TOO_OLD');
    assert.ok(validateBlock(extend(c, tail, { tweak: (h) => ({ ...h, timestamp: mtp + 1 }) }), context()));
  });
  it('ERR_BLOCK_TIME_TOO_OLD: not after the final block it extends', () => {
    const finalTimestamp = parent.timestamp + 5;
    const early = extend(c, tail, { tweak: (h) => ({ ...h, timestamp: finalTimestamp }) });
    refused(early, 'ERR_BLOCK_TIME_TOO_OLD', { finalTimestamp });
    const later = extend(c, tail, { tweak: (h) => ({ ...h, timestamp: finalTimestamp + 1 }) });
    assert.ok(validateBlock(later, context({ finalTimestamp })));
  });
  it('ERR_BLOCK_TIME_TOO_FAR: more than 2 minutes ahead of the validator clock', () => {
    const block = extend(c, tail, { tweak: (h) => ({ ...h, timestamp: now + 120_001 }) });
    refused(block, 'ERR_BLOCK_TIME_TOO_FAR');
    assert.ok(validateBlock(block, context({ now: now + 1 })));
  });
  it('ERR_BLOCK_NOT_MEMBER: mined by a key outside the consortium', () => {
    refused(extend(c, tail, { miner: OUTSIDER }), 'ERR_BLOCK_NOT_MEMBER');
  });
  it('ERR_BLOCK_BAD_SIGNATURE: signed by another member than the one named', () => {
    const block = extend(c, tail);
    refused(sealBlock(block.header, [], KEYS.b), 'ERR_BLOCK_BAD_SIGNATURE');
  });
  it('ERR_BLOCK_BAD_RECORD: bad shape, bad signature, gateway not a member', () => {
    refused(withRecords([{ ...record('a', 1), count: -1 }]), 'ERR_BLOCK_BAD_RECORD');
    refused(withRecords([{ ...record('a', 1), extra: 1 } as never]), 'ERR_BLOCK_BAD_RECORD');
    refused(withRecords([record('a', 1, KEYS.b)]), 'ERR_BLOCK_BAD_RECORD');
    refused(withRecords([{ ...record('a', 1, OUTSIDER), gatewayId: 'gw-x' }]), 'ERR_BLOCK_BAD_RECORD');
  });
  it('ERR_BLOCK_DUPLICATE_RECORD: twice in the block, or already in the chain', () => {
    refused(withRecords([record('a', 1), record('a', 1)]), 'ERR_BLOCK_DUPLICATE_RECORD');
    const block = extend(c, tail, { records });
    refused(block, 'ERR_BLOCK_DUPLICATE_RECORD', { recordSeen: (k) => k === recordKey(records[1]!) });
    const again = extend(c, [...tail, block.header], { records: [records[0]!], recordsAfter: [records[0]!] });
    assert.throws(() => validateChain([...base, block, again], { consortium: c, now: now + 10 * INTERVAL }), {
      code: 'ERR_BLOCK_DUPLICATE_RECORD',
    });
  });
  it('validateChainPrefix keeps the valid part of a chain and names the height that broke it', () => {
    const block = extend(c, tail, { records });
    const again = extend(c, [...tail, block.header], { records: [records[0]!], recordsAfter: [records[0]!] });
    const prefix = validateChainPrefix([...base, block, again], { consortium: c, now: now + 10 * INTERVAL });
    assert.equal(prefix.hashes.length, base.length + 1);
    assert.deepEqual(prefix.tipHash, blockHash(block.header));
    assert.equal(prefix.tip.height, block.header.height);
    assert.equal(prefix.records, records.length);
    assert.equal(prefix.error?.code, 'ERR_BLOCK_DUPLICATE_RECORD');
    assert.deepEqual(prefix.error?.details, { height: base.length + 1 });
    const whole = validateChainPrefix([...base, block], { consortium: c, now: now + 10 * INTERVAL });
    assert.equal(whole.error, null);
    assert.equal(whole.hashes.length, base.length + 1);
  });
  it('ERR_BLOCK_BAD_ANCHOR: records that are not the ones the header commits to', () => {
    const block = extend(c, tail, { records });
    refused({ ...block, records: block.records.slice(1) }, 'ERR_BLOCK_BAD_ANCHOR');
    refused({ ...block, records: [...block.records].reverse() }, 'ERR_BLOCK_BAD_ANCHOR');
  });
  it('ERR_BLOCK_RECORD_TIME: a record dated in the year 3000, or before the genesis hour', () => {
    const at = (minute: string) => signRecord({ ...record('b', 1), minute }, KEYS.b);
    refused(withRecords([at('3000-01-01T00:00:00.000Z')]), 'ERR_BLOCK_RECORD_TIME');
    refused(
      withRecords([at(new Date(c.genesis.header.timestamp - 3_600_001).toISOString())]),
      'ERR_BLOCK_RECORD_TIME',
    );
    const ahead = new Date(now + c.params.maxRecordAheadMs + 1).toISOString();
    refused(withRecords([at(ahead)]), 'ERR_BLOCK_RECORD_TIME');
  });
  it('ERR_BLOCK_RETIRED_MEMBER: mined by a member above its retirement height', () => {
    const file = consortiumFile();
    const retired = parseConsortium({
      ...file,
      members: file.members.map((m) => (m.gatewayId === 'gw-a' ? { ...m, retiredAt: parent.height } : m)),
    });
    refused(extend(c, tail), 'ERR_BLOCK_RETIRED_MEMBER', { consortium: retired });
    assert.ok(validateBlock(extend(c, tail, { miner: KEYS.b }), context({ consortium: retired })));
  });
  it('ERR_BLOCK_UNKNOWN_PARENT: a chain that does not start at the genesis', () => {
    assert.throws(() => validateChain(base.slice(1), { consortium: c, now }), {
      code: 'ERR_BLOCK_UNKNOWN_PARENT',
    });
  });
  it('refuses a context that is short of ancestors (a caller error, not a block error)', () => {
    assert.throws(() => validateBlock(extend(c, tail), context({ chainTail: tail.slice(-2) })), RangeError);
  });
});
