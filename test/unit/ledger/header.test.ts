import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  type BlockHeader,
  blockHash,
  bytesToU256,
  decodeHeader,
  encodeHeader,
  HEADER_SIZE,
  hashMeetsTarget,
  MAX_U256,
  toHex,
} from '../../../src/ledger/index.ts';

interface HeaderVector {
  readonly fields: Record<string, string | number>;
  readonly encoded: string;
  readonly hash: string;
}
const vectors = JSON.parse(
  readFileSync(new URL('../../vectors/ledger-header.json', import.meta.url), 'utf8'),
) as { headers: HeaderVector[] };

const fromHex = (h: string) => new Uint8Array(Buffer.from(h, 'hex'));

function randomHeader(): BlockHeader {
  const r = randomBytes(16);
  return {
    version: r.readUInt32BE(0),
    height: r.readUInt32BE(4),
    previousHash: new Uint8Array(randomBytes(32)),
    timestamp: Math.floor(Math.random() * Number.MAX_SAFE_INTEGER),
    anchorRoot: new Uint8Array(randomBytes(32)),
    target: bytesToU256(new Uint8Array(randomBytes(32))),
    minerId: new Uint8Array(randomBytes(32)),
    nonce: r.readBigUInt64BE(8),
  };
}

describe('header codec (docs/ledger.md, docs/ledger.md)', () => {
  it('encodes the fixed vector byte for byte and hashes it', () => {
    for (const v of vectors.headers) {
      const f = v.fields;
      const header: BlockHeader = {
        version: f['version'] as number,
        height: f['height'] as number,
        previousHash: fromHex(f['previousHash'] as string),
        timestamp: f['timestamp'] as number,
        anchorRoot: fromHex(f['anchorRoot'] as string),
        target: BigInt(`0x${f['target']}`),
        minerId: fromHex(f['minerId'] as string),
        nonce: BigInt(`0x${f['nonce']}`),
      };
      assert.equal(toHex(encodeHeader(header)), v.encoded);
      assert.equal(toHex(blockHash(header)), v.hash);
      assert.deepEqual(decodeHeader(fromHex(v.encoded)), header);
    }
  });

  it('round-trips random headers, and the hash is double SHA-256 of the bytes', () => {
    for (let i = 0; i < 500; i++) {
      const header = randomHeader();
      const bytes = encodeHeader(header);
      assert.equal(bytes.length, HEADER_SIZE);
      assert.deepEqual(decodeHeader(bytes), header);
      const want = createHash('sha256').update(createHash('sha256').update(bytes).digest()).digest('hex');
      assert.equal(toHex(blockHash(header)), want);
    }
  });

  it('decodes strictly: wrong length or an unsafe timestamp is malformed', () => {
    const bytes = encodeHeader(randomHeader());
    for (const length of [0, HEADER_SIZE - 1, HEADER_SIZE + 1]) {
      const wrong = new Uint8Array(length);
      wrong.set(bytes.subarray(0, Math.min(length, HEADER_SIZE)));
      assert.throws(() => decodeHeader(wrong), { code: 'ERR_BLOCK_MALFORMED' });
    }
    const late = bytes.slice();
    new DataView(late.buffer).setBigUint64(40, 2n ** 53n);
    assert.throws(() => decodeHeader(late), { code: 'ERR_BLOCK_MALFORMED' });
    assert.throws(() => decodeHeader('00' as never), TypeError);
  });

  it('refuses bad fields at the door, naming them', () => {
    const good = randomHeader();
    const cases: [Partial<Record<keyof BlockHeader, unknown>>, RegExp][] = [
      [{ version: -1 }, /header\.version/],
      [{ height: 2 ** 32 }, /header\.height/],
      [{ previousHash: new Uint8Array(31) }, /header\.previousHash/],
      [{ timestamp: 1.5 }, /header\.timestamp/],
      [{ anchorRoot: 'x' }, /header\.anchorRoot/],
      [{ target: 1 }, /header\.target/],
      [{ target: MAX_U256 + 1n }, /header\.target/],
      [{ minerId: new Uint8Array(33) }, /header\.minerId/],
      [{ nonce: 2n ** 64n }, /header\.nonce/],
    ];
    for (const [change, message] of cases) {
      assert.throws(() => encodeHeader({ ...good, ...change } as BlockHeader), { message });
    }
  });

  it('compares the hash to the target as a 256-bit big-endian number', () => {
    const hash = new Uint8Array(32);
    hash[0] = 0x00;
    hash[1] = 0x10;
    const value = bytesToU256(hash);
    assert.equal(hashMeetsTarget(hash, value), true);
    assert.equal(hashMeetsTarget(hash, value - 1n), false);
    assert.equal(hashMeetsTarget(hash, MAX_U256), true);
    assert.equal(hashMeetsTarget(new Uint8Array(32), 0n), true);
  });
});
