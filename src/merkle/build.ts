import { HASH_SIZE } from '../bytes.ts';
import { hashPairs, levelSizes } from './levels.ts';

/** Called during long builds with the number of hashes done and the total (leaves and size − 1 nodes). */
export type ProgressCallback = (done: number, total: number) => void;

/** Every level of a tree in one buffer: level l starts at hash slot starts[l] and holds sizes[l] hashes. */
export interface TreeLayout {
  readonly size: number;
  readonly buffer: Uint8Array;
  readonly starts: readonly number[];
  readonly sizes: readonly number[];
}

/** One allocation for the whole tree (about 2·size hashes). */
export function allocateTree(size: number): TreeLayout {
  const sizes = levelSizes(size);
  const starts: number[] = [];
  let slots = 0;
  for (const n of sizes) {
    starts.push(slots);
    slots += n;
  }
  return { size, buffer: new Uint8Array(slots * HASH_SIZE), starts, sizes };
}

/** Hashes in a tree of `size` leaves: the leaves and size − 1 nodes. */
export function hashCount(size: number): number {
  return size === 0 ? 0 : 2 * size - 1;
}

/**
 * Fills a tree slice by slice: `fillLeaves(from, to)` puts leaf hashes into level 0, then each level is
 * paired into the next (RFC 9162 §2.1.1, see levels.ts). Yields after each slice of about `slice` hashes,
 * so a caller can report progress or give the event loop a turn; a synchronous caller just runs it through.
 */
export function* buildSteps(
  tree: TreeLayout,
  fillLeaves: (from: number, to: number) => void,
  slice: number,
  onProgress?: ProgressCallback,
): Generator<undefined, void> {
  const { buffer, starts, sizes } = tree;
  const total = hashCount(tree.size);
  let done = 0;
  for (let from = 0; from < tree.size; from += slice) {
    const to = Math.min(tree.size, from + slice);
    fillLeaves(from, to);
    done = to;
    onProgress?.(done, total);
    yield;
  }
  for (let level = 1; level < sizes.length; level++) {
    const below = sizes[level - 1]!;
    const pairs = below >>> 1;
    for (let first = 0; first < pairs; first += slice) {
      const end = Math.min(pairs, first + slice);
      hashPairs(buffer, starts[level - 1]!, starts[level]!, first, end);
      done += end - first;
      onProgress?.(done, total);
      yield;
    }
    if (below & 1) {
      // An unpaired last node is carried up unchanged.
      const last = (starts[level - 1]! + below - 1) * HASH_SIZE;
      buffer.copyWithin((starts[level]! + pairs) * HASH_SIZE, last, last + HASH_SIZE);
    }
  }
}
