/** The ledger's numbers at the door (u32, safe integers, u256); each check names the argument it refuses. */
import { HASH_SIZE } from '../../bytes.ts';

export { checkBytes, equalBytes, fromHex, HASH_SIZE, toHex } from '../../bytes.ts';

export const MAX_U256 = (1n << 256n) - 1n;

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
