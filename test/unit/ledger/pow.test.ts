import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  type BlockHeader,
  blockHash,
  bytesToU256,
  hashMeetsTarget,
  MAX_U256,
  midstateHash,
  mine,
  preparePowJob,
  searchNonces,
  toHex,
} from '../../../src/ledger/index.ts';

const doubleSha = (b: Uint8Array) =>
  new Uint8Array(createHash('sha256').update(createHash('sha256').update(b).digest()).digest());

function header(target: bigint): BlockHeader {
  return {
    version: 1,
    height: 7,
    previousHash: new Uint8Array(randomBytes(32)),
    timestamp: 1_764_000_000_000,
    anchorRoot: new Uint8Array(randomBytes(32)),
    target,
    minerId: new Uint8Array(randomBytes(32)),
    nonce: 0n,
  };
}

describe('midstate search equals node:crypto double SHA-256', () => {
  it('for random headers and nonces: the hash meets a target equal to it, not one below', () => {
    for (let i = 0; i < 300; i++) {
      const bytes = new Uint8Array(randomBytes(152));
      const nonce = randomBytes(8).readBigUInt64BE(0);
      new DataView(bytes.buffer).setBigUint64(144, nonce);
      const want = doubleSha(bytes);
      const high = Number(nonce >> 32n);
      const low = Number(nonce & 0xffff_ffffn);
      assert.equal(searchNonces(preparePowJob(bytes, bytesToU256(want)), high, low, 1), low);
      assert.equal(searchNonces(preparePowJob(bytes, bytesToU256(want) - 1n), high, low, 1), -1);
      assert.equal(toHex(midstateHash(preparePowJob(bytes, 0n), nonce)), toHex(want));
    }
  });

  it('finds the first nonce of a range that meets the target, and -1 when none does', () => {
    const bytes = new Uint8Array(randomBytes(152));
    const target = MAX_U256 >> 6n;
    const found = searchNonces(preparePowJob(bytes, target), 3, 100, 10_000);
    assert.ok(found >= 100);
    for (let low = 100; low <= found; low++) {
      const b = bytes.slice();
      new DataView(b.buffer).setBigUint64(144, (3n << 32n) | BigInt(low));
      assert.equal(bytesToU256(doubleSha(b)) <= target, low === found, `nonce ${low}`);
    }
    assert.equal(searchNonces(preparePowJob(bytes, 0n), 0, 0, 1000), -1);
  });

  it('checks its arguments', () => {
    const job = preparePowJob(new Uint8Array(152), 1n);
    assert.throws(() => preparePowJob(new Uint8Array(151), 1n), /header must be 152 bytes/);
    assert.throws(() => searchNonces(job, -1, 0, 1), /high/);
    assert.throws(() => searchNonces(job, 0, 2 ** 32 - 1, 2), /count/);
  });
});

describe('mine (worker threads)', () => {
  it('finds a block at low difficulty whose hash meets the target', async () => {
    const h = header(MAX_U256 >> 12n);
    let reports = 0;
    const mined = await mine(h, { workers: 2, chunk: 1 << 12, onProgress: () => reports++ });
    assert.ok(hashMeetsTarget(blockHash(mined), mined.target));
    assert.deepEqual({ ...mined, nonce: 0n }, h);
    assert.ok(reports >= 1);
  });

  it('stops within 200 ms of an abort and rejects with an AbortError', async () => {
    const controller = new AbortController();
    let hashes = 0;
    const mining = mine(header(0n), {
      workers: 2,
      signal: controller.signal,
      onProgress: (p) => {
        hashes = p.hashes;
      },
    });
    await new Promise((r) => setTimeout(r, 500));
    controller.abort();
    await assert.rejects(mining, { name: 'AbortError' });
    const after = hashes;
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(hashes, after, 'no progress after the abort');
  });

  it('rejects at once for a signal already aborted, and checks its options', async () => {
    await assert.rejects(mine(header(0n), { signal: AbortSignal.abort() }), { name: 'AbortError' });
    assert.throws(() => mine(header(0n), { workers: 0 }), /options\.workers/);
  });
});

/** Nice value and name of each thread of this process (Linux /proc). */
function threadNices(): { name: string; nice: number }[] {
  const out: { name: string; nice: number }[] = [];
  for (const tid of readdirSync('/proc/self/task')) {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Field 19 of stat is the nice value; `fields` starts at field 3.
    out.push({ name: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')), nice: Number(fields[16]) });
  }
  return out;
}

describe('mining threads yield the CPU to ingestion', { skip: !existsSync('/proc/self/task') }, () => {
  it('run at nice 10 while the event loop keeps nice 0', async () => {
    const controller = new AbortController();
    // A target no nonce meets in the test's lifetime: the threads search until aborted.
    const search = mine(header(1n), { workers: 2, signal: controller.signal });
    search.catch(() => {});
    let miners: { name: string; nice: number }[] = [];
    for (let i = 0; i < 100 && miners.length < 2; i++) {
      await new Promise((r) => setTimeout(r, 50));
      miners = threadNices().filter((t) => t.name === 'WorkerThread' && t.nice === 10);
    }
    controller.abort();
    await assert.rejects(search, { name: 'AbortError' });
    assert.equal(miners.length, 2, JSON.stringify(threadNices()));
    const main = threadNices().find((t) => t.name === 'MainThread' || t.name === 'node');
    assert.equal(main?.nice, 0);
  });
});
