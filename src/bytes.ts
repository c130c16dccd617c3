/**
 * Bytes at the door, one home for the whole gateway: hashes are 32-byte Uint8Arrays, hex only at the edges.
 * Every check names the argument it refuses: TypeError for the wrong type, RangeError for the wrong length.
 */

/** SHA-256: every hash of the Merkle trees and the ledger. */
export const HASH_SIZE = 32;

/** `value` is a Uint8Array, of `length` bytes when given. */
export function checkBytes(name: string, value: unknown, length?: number): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array))
    throw new TypeError(`${name} must be a Uint8Array, got ${describe(value)}`);
  if (length !== undefined && value.length !== length) {
    throw new RangeError(`${name} must be ${length} bytes, got ${value.length}`);
  }
}

/** `value` is an array of Uint8Array, each of `length` bytes when given; errors name the element. */
export function checkBytesArray(
  name: string,
  value: unknown,
  length?: number,
): asserts value is readonly Uint8Array[] {
  if (!Array.isArray(value))
    throw new TypeError(`${name} must be an array of Uint8Array, got ${describe(value)}`);
  for (let i = 0; i < value.length; i++) checkBytes(`${name}[${i}]`, value[i], length);
}

/** Not constant time: what it compares (hashes, roots, proofs) is public. */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
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

/** How a wrong argument is named in an error: its type, or its value for a number. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return (value as object).constructor?.name ?? 'an object';
  if (typeof value === 'number') return String(value);
  return typeof value;
}
