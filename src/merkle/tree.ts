import { checkBytes, checkBytesArray, HASH_SIZE } from '../bytes.ts';
import { allocateTree, buildSteps, type ProgressCallback, type TreeLayout } from './build.ts';
import { checkCount, checkHashArray, checkIndex, checkOldSize } from './checks.ts';
import { emptyRoot } from './hashes.ts';
import { copyHashesInto, hashLeavesInto } from './levels.ts';
import { consistencyNodes, inclusionNodes } from './proof-nodes.ts';

export interface BuildOptions {
  /** Called every 65,536 hashes with the hashes done and the total. */
  readonly onProgress?: ProgressCallback;
}

export interface AsyncBuildOptions {
  /** Called after every slice with the hashes done and the total. */
  readonly onProgress?: ProgressCallback;
  /** Hashes per slice between two turns of the event loop (8,192 unless told: about 5–10 ms here). */
  readonly sliceSize?: number;
  readonly signal?: AbortSignal;
}

const SYNC_SLICE = 1 << 16;
const ASYNC_SLICE = 1 << 13;

/**
 * Every level of an RFC 9162 tree in one buffer (about 2·size hashes), so the root and the proof of any
 * leaf cost no hashing after the build. Proof elements are views into that buffer: copy one before changing it.
 */
export class MerkleTree {
  /** Number of leaves. */
  readonly size: number;
  readonly #buffer: Uint8Array;
  /** The same bytes as 32-bit words, for copying proofs out 8 words per hash instead of 32 bytes. */
  readonly #words: Int32Array;
  /** First hash slot of each level in `#buffer`, leaves first. */
  readonly #starts: readonly number[];

  /** Use `buildTree` or `buildTreeFromLeaves`. */
  constructor(size: number, buffer: Uint8Array, starts: readonly number[]) {
    this.size = size;
    this.#buffer = buffer;
    this.#words = new Int32Array(buffer.buffer, buffer.byteOffset, buffer.length >>> 2);
    this.#starts = starts;
  }

  /** MTH(D[size]); SHA-256("") for the empty tree (RFC 9162 §2.1.1). A fresh copy. */
  root(): Uint8Array {
    if (this.size === 0) return emptyRoot();
    return this.#node(this.#starts.length - 1, 0).slice();
  }

  /** Every leaf hash, one after the other (a view): what to store to rebuild the tree with `buildTreeFromHashBuffer`. */
  leafHashes(): Uint8Array {
    return this.#buffer.subarray(0, this.size * HASH_SIZE);
  }

  /** The leaf hash at `index` (a view). */
  leafHash(index: number): Uint8Array {
    this.#checkIndex(index);
    return this.#node(0, index);
  }

  /** RFC 9162 §2.1.3.1 inclusion proof of leaf `index`, leaf side first (views into the tree). */
  inclusionProof(index: number): Uint8Array[] {
    this.#checkIndex(index);
    return this.#nodes(inclusionNodes(index, this.size));
  }

  /**
   * The same proof written as consecutive 32-byte hashes into `out` from byte `offset`, for callers that keep
   * every path of a batch in one buffer. Returns the number of hashes written (at most the tree height).
   */
  writeInclusionProof(index: number, out: Uint8Array, offset: number): number {
    this.#checkIndex(index);
    checkCount('offset', offset);
    const nodes = inclusionNodes(index, this.size);
    const count = nodes.length >>> 1;
    if (offset + count * HASH_SIZE > out.length) {
      throw new RangeError(`out has no room for ${count} hashes at offset ${offset}`);
    }
    // Runs once per leaf of a batch: copy words when `out` is aligned (the tree's buffer always is).
    const at = out.byteOffset + offset;
    if ((at & 3) === 0) {
      const to = new Int32Array(out.buffer, at, count * (HASH_SIZE >>> 2));
      const words = this.#words;
      for (let j = 0, w = 0; j < nodes.length; j += 2) {
        const from = (this.#starts[nodes[j]!]! + nodes[j + 1]!) * (HASH_SIZE >>> 2);
        for (let k = 0; k < HASH_SIZE >>> 2; k++) to[w++] = words[from + k]!;
      }
    } else {
      for (let j = 0, b = offset; j < nodes.length; j += 2) {
        const from = (this.#starts[nodes[j]!]! + nodes[j + 1]!) * HASH_SIZE;
        for (let k = 0; k < HASH_SIZE; k++) out[b++] = this.#buffer[from + k]!;
      }
    }
    return count;
  }

  /** RFC 9162 §2.1.4.1 consistency proof from the first `oldSize` leaves to this tree (views). */
  consistencyProof(oldSize: number): Uint8Array[] {
    checkOldSize(oldSize, this.size, 'the tree size');
    return this.#nodes(consistencyNodes(oldSize, this.size));
  }

  #checkIndex(index: number): void {
    checkIndex(index, this.size, 'the tree size');
  }

  #node(level: number, index: number): Uint8Array {
    const from = (this.#starts[level]! + index) * HASH_SIZE;
    return this.#buffer.subarray(from, from + HASH_SIZE);
  }

  #nodes(flat: readonly number[]): Uint8Array[] {
    const out: Uint8Array[] = [];
    for (let j = 0; j < flat.length; j += 2) out.push(this.#node(flat[j]!, flat[j + 1]!));
    return out;
  }
}

/** A tree over leaf hashes (each 32 bytes), e.g. those a sealer already holds. */
export function buildTree(leafHashes: readonly Uint8Array[], options: BuildOptions = {}): MerkleTree {
  checkHashArray('leafHashes', leafHashes);
  const tree = allocateTree(leafHashes.length);
  return runSync(tree, (from, to) => copyHashesInto(leafHashes, tree.buffer, from, to), options);
}

/** A tree over leaf hashes stored one after the other in one buffer (a multiple of 32 bytes long). */
export function buildTreeFromHashBuffer(leafHashes: Uint8Array, options: BuildOptions = {}): MerkleTree {
  checkBytes('leafHashes', leafHashes);
  if (leafHashes.length % HASH_SIZE !== 0) {
    throw new RangeError(
      `leafHashes must be a multiple of ${HASH_SIZE} bytes long, got ${leafHashes.length}`,
    );
  }
  const tree = allocateTree(leafHashes.length / HASH_SIZE);
  const fill = (from: number, to: number) =>
    tree.buffer.set(leafHashes.subarray(from * HASH_SIZE, to * HASH_SIZE), from * HASH_SIZE);
  return runSync(tree, fill, options);
}

/** A tree over leaf data: the leaves are hashed straight into the tree's buffer. */
export function buildTreeFromLeaves(leaves: readonly Uint8Array[], options: BuildOptions = {}): MerkleTree {
  checkBytesArray('leaves', leaves);
  const tree = allocateTree(leaves.length);
  return runSync(tree, (from, to) => hashLeavesInto(leaves, tree.buffer, from, to), options);
}

/**
 * The same tree, built in slices of `sliceSize` hashes with a turn of the event loop between them, so that
 * sealing a large batch on the gateway's thread does not hold up MQTT acknowledgements. Rejects with the
 * signal's reason when aborted. The leaves must not change until the promise settles.
 */
export async function buildTreeFromLeavesAsync(
  leaves: readonly Uint8Array[],
  options: AsyncBuildOptions = {},
): Promise<MerkleTree> {
  checkBytesArray('leaves', leaves);
  const slice = options.sliceSize ?? ASYNC_SLICE;
  checkCount('sliceSize', slice);
  if (slice === 0) throw new RangeError('sliceSize must be at least 1');
  const tree = allocateTree(leaves.length);
  const fill = (from: number, to: number) => hashLeavesInto(leaves, tree.buffer, from, to);
  for (const _ of buildSteps(tree, fill, slice, options.onProgress)) {
    options.signal?.throwIfAborted();
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  options.signal?.throwIfAborted();
  return new MerkleTree(tree.size, tree.buffer, tree.starts);
}

function runSync(
  tree: TreeLayout,
  fill: (from: number, to: number) => void,
  options: BuildOptions,
): MerkleTree {
  for (const _ of buildSteps(tree, fill, SYNC_SLICE, options.onProgress)) {
    // Nothing to wait for: the slices only pace the progress reports.
  }
  return new MerkleTree(tree.size, tree.buffer, tree.starts);
}
