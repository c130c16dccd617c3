/** The Merkle functions' own checks at the door (bytes: src/bytes.ts); every error names the argument. */
import { checkBytesArray, describe, HASH_SIZE } from '../bytes.ts';

/** Leaf hashes given to the hash-level functions must be hashes, not data. */
export function checkHashArray(name: string, value: unknown): asserts value is readonly Uint8Array[] {
  checkBytesArray(name, value, HASH_SIZE);
}

/** Sizes and indexes are unsigned integers (uint64 in RFC 9162); we take the safe-integer part. */
export function checkCount(name: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw new TypeError(`${name} must be a safe integer, got ${describe(value)}`);
  }
  if (value < 0) throw new RangeError(`${name} must not be negative, got ${value}`);
}

/** A leaf index below `size` (`what` names the size in the error). */
export function checkIndex(index: unknown, size: number, what: string): asserts index is number {
  checkCount('index', index);
  if (index >= size) throw new RangeError(`index ${index} is not below ${what} ${size}`);
}

/** The size of an older tree: 1 up to `size` (`what` names the size in the error). */
export function checkOldSize(oldSize: unknown, size: number, what: string): asserts oldSize is number {
  checkCount('oldSize', oldSize);
  if (oldSize === 0) throw new RangeError('oldSize must be at least 1');
  if (oldSize > size) throw new RangeError(`oldSize ${oldSize} is past ${what} ${size}`);
}
