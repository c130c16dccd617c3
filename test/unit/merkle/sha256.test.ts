import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sha256, sha256Noble } from '../../../src/merkle/index.ts';
import { hex, randomBytes, rng } from './helpers.ts';

describe('SHA-256 backends (docs/proofs.md: node:crypto and @noble/hashes must agree)', () => {
  it('known answers', () => {
    const abc = new TextEncoder().encode('abc');
    const want = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';
    assert.equal(hex(sha256(abc)), want);
    assert.equal(hex(sha256Noble(abc)), want);
    assert.equal(
      hex(sha256(new Uint8Array(0))),
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
  });

  it('the same bytes for every length 0..300 and around block boundaries up to 64 KiB', () => {
    const next = rng(256);
    const lengths = [
      ...Array.from({ length: 301 }, (_, i) => i),
      447,
      448,
      511,
      512,
      513,
      1000,
      4096,
      65_536,
    ];
    for (const length of lengths) {
      const data = randomBytes(next, length);
      assert.equal(hex(sha256(data)), hex(sha256Noble(data)), `length ${length}`);
    }
  });

  it('hashes only the view it is given, every byte value included', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    const view = all.subarray(100, 200);
    assert.equal(hex(sha256(view)), hex(sha256Noble(all.slice(100, 200))));
    assert.equal(hex(sha256(all)), hex(sha256Noble(all)));
  });
});
