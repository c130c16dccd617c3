/** Input checks at the door: every error names the argument that is wrong. */

export const HASH_SIZE = 32;

export function checkBytes(name: string, value: unknown): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array))
    throw new TypeError(`${name} must be a Uint8Array, got ${describe(value)}`);
}

export function checkBytesArray(name: string, value: unknown): asserts value is readonly Uint8Array[] {
  if (!Array.isArray(value))
    throw new TypeError(`${name} must be an array of Uint8Array, got ${describe(value)}`);
  for (let i = 0; i < value.length; i++) checkBytes(`${name}[${i}]`, value[i]);
}

/** Leaf hashes given to the hash-level functions must be hashes, not data. */
export function checkHashArray(name: string, value: unknown): asserts value is readonly Uint8Array[] {
  checkBytesArray(name, value);
  for (let i = 0; i < value.length; i++) {
    const length = (value[i] as Uint8Array).length;
    if (length !== HASH_SIZE) throw new RangeError(`${name}[${i}] must be ${HASH_SIZE} bytes, got ${length}`);
  }
}

/** Sizes and indexes are unsigned integers (uint64 in RFC 9162); we take the safe-integer part. */
export function checkCount(name: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw new TypeError(`${name} must be a safe integer, got ${describe(value)}`);
  }
  if (value < 0) throw new RangeError(`${name} must not be negative, got ${value}`);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return (value as object).constructor?.name ?? 'an object';
  if (typeof value === 'number') return String(value);
  return typeof value;
}
