/**
 * An RFC 9162 root computed while leaf hashes stream in, a page at a time, so that sealing a large window
 * never hashes the whole tree in one go. The tree of n leaves is the perfect subtrees of n's binary
 * decomposition, largest first, joined right to left (RFC 9162 §2.1.1 splits at the largest power of two
 * below n, which is the same tree). The stack holds one root per set bit of the count so far.
 */
import { emptyRoot, nodeHash } from '../merkle/index.ts';

export class StreamingRoot {
  #stack: Uint8Array[] = [];
  #sizes: number[] = [];
  #count = 0;

  get count(): number {
    return this.#count;
  }

  push(leafHash: Uint8Array): void {
    let hash = leafHash;
    let size = 1;
    while (this.#sizes.length > 0 && this.#sizes[this.#sizes.length - 1] === size) {
      const left = this.#stack.pop()!;
      this.#sizes.pop();
      hash = nodeHash(left, hash);
      size *= 2;
    }
    this.#stack.push(hash);
    this.#sizes.push(size);
    this.#count++;
  }

  root(): Uint8Array {
    if (this.#stack.length === 0) return emptyRoot();
    let hash = this.#stack[this.#stack.length - 1]!;
    for (let i = this.#stack.length - 2; i >= 0; i--) hash = nodeHash(this.#stack[i]!, hash);
    return hash;
  }
}
