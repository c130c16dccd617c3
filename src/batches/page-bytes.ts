/**
 * Byte helpers of the batch builder, so that adding a leaf allocates little: salts drawn from a pool,
 * leaf data hashed in a reused buffer, hashes and salts appended to growing arrays, and a page's dag-cbor
 * bytes joined from leaves encoded one by one.
 */
import { randomBytes } from 'node:crypto';
import * as dagCbor from '@ipld/dag-cbor';
import { leafHashInto } from '../merkle/hashes.ts';
import { SALT_BYTES } from './leaves.ts';

const SALT_POOL = 1024 * SALT_BYTES;
let pool = randomBytes(SALT_POOL);
let used = 0;

/** A fresh 16-byte random salt: a view into the pool, to be copied by whoever keeps it. */
export function randomSalt(): Uint8Array {
  if (used === SALT_POOL) {
    pool = randomBytes(SALT_POOL);
    used = 0;
  }
  used += SALT_BYTES;
  return pool.subarray(used - SALT_BYTES, used);
}

export function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('base64');
}

/** Fixed-size records appended one after another. */
export class GrowableBytes {
  readonly #size: number;
  #buffer: Uint8Array;
  #length = 0;

  constructor(size: number) {
    this.#size = size;
    this.#buffer = new Uint8Array(size * 1024);
  }

  append(record: Uint8Array): void {
    if (this.#length + this.#size > this.#buffer.length) {
      const grown = new Uint8Array(this.#buffer.length * 2);
      grown.set(this.#buffer);
      this.#buffer = grown;
    }
    this.#buffer.set(record, this.#length);
    this.#length += this.#size;
  }

  /** Every record so far, as one new array. */
  bytes(): Uint8Array {
    return this.#buffer.slice(0, this.#length);
  }
}

/** Leaf hash of salt || UTF-8(canonical) (docs/proofs.md) through one reused buffer. */
export class LeafScratch {
  #data = new Uint8Array(4096);

  hash(salt: Uint8Array, canonical: string): Uint8Array {
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    const need = SALT_BYTES + 3 * canonical.length;
    if (need > this.#data.length) this.#data = new Uint8Array(Math.max(need, 2 * this.#data.length));
    this.#data.set(salt, 0);
    const { written } = utf8.encodeInto(canonical, this.#data.subarray(SALT_BYTES));
    const out = new Uint8Array(32);
    leafHashInto(this.#data.subarray(0, SALT_BYTES + written), out, 0);
    return out;
  }
}

const utf8 = new TextEncoder();
const FIRST_KEY = dagCbor.encode('first');
const LEAVES_KEY = dagCbor.encode('leaves');

/**
 * dagCbor.encode({ first, leaves }) from each leaf's own encoding: a map of two entries, keys in dag-cbor
 * order (shorter first), then the array header and the leaves as they are.
 */
export function cborPage(first: number, leaves: readonly Uint8Array[], leavesBytes: number): Uint8Array {
  const firstValue = dagCbor.encode(first);
  const header = arrayHeader(leaves.length);
  const out = new Uint8Array(
    1 + FIRST_KEY.length + firstValue.length + LEAVES_KEY.length + header.length + leavesBytes,
  );
  let at = 0;
  for (const part of [Uint8Array.of(0xa2), FIRST_KEY, firstValue, LEAVES_KEY, header, ...leaves]) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** CBOR major type 4 with the shortest length argument (RFC 8949 §4.2.1). */
function arrayHeader(n: number): Uint8Array {
  if (n < 24) return Uint8Array.of(0x80 | n);
  if (n < 0x100) return Uint8Array.of(0x98, n);
  if (n < 0x10000) return Uint8Array.of(0x99, n >> 8, n & 0xff);
  return Uint8Array.of(0x9a, n >>> 24, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff);
}
