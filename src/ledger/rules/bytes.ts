/** Byte helpers and checks at the door: each names the argument it refuses. */

export const HASH_SIZE = 32;
export const MAX_U256 = (1n << 256n) - 1n;

export function checkBytes(name: string, value: unknown, length?: number): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) throw new TypeError(`${name} must be a Uint8Array`);
  if (length !== undefined && value.length !== length) {
    throw new RangeError(`${name} must be ${length} bytes, got ${value.length}`);
  }
}

export function checkU32(name: string, value: unknown): asserts value is number {
  if (!Number.isInteger(value) || (value as number) < 0 || (value as number) > 0xffff_ffff) {
    throw new RangeError(`${name} must be an integer in 0..2^32-1, got ${String(value)}`);
  }
}

export function checkSafeUint(name: string, value: unknown): asserts value is number {
  if (!Number.isSafeInteger(value) || (value as number) < 0) {
    throw new RangeError(`${name} must be a safe non-negative integer, got ${String(value)}`);
  }
}

export function checkU256(name: string, value: unknown): asserts value is bigint {
  if (typeof value !== 'bigint') throw new TypeError(`${name} must be a bigint`);
  if (value < 0n || value > MAX_U256) throw new RangeError(`${name} must be in 0..2^256-1`);
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('hex');
}

/** Strict hex (lowercase or uppercase, even length) to bytes; `length` in bytes when given. */
export function fromHex(name: string, text: unknown, length?: number): Uint8Array {
  if (typeof text !== 'string' || text.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(text)) {
    throw new TypeError(`${name} must be a hex string`);
  }
  const bytes = new Uint8Array(Buffer.from(text, 'hex'));
  if (length !== undefined && bytes.length !== length) {
    throw new RangeError(`${name} must be ${length} bytes, got ${bytes.length}`);
  }
  return bytes;
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A 256-bit unsigned number as 32 big-endian bytes. */
export function u256ToBytes(value: bigint): Uint8Array {
  const out = new Uint8Array(HASH_SIZE);
  let v = value;
  for (let i = HASH_SIZE - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/** 32 big-endian bytes (a hash, a target) as a 256-bit unsigned number. */
export function bytesToU256(bytes: Uint8Array): bigint {
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return v;
}
