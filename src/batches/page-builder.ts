/**
 * The per-leaf part of sealing, synchronous and free of I/O, so that it runs the same in a worker thread
 * or on the event loop: salts, leaf hashes, the streaming root, and pages of at most `pageLeaves` leaves
 * (or about 512 KiB) as bytes: a dag-cbor page of masked leaves and the encrypted page of full leaves with
 * their salts (docs/proofs.md has the layout). Writing the blocks is the caller's job.
 */

import { encodeCbor } from './cbor-json.ts';
import { SALT_BYTES } from './leaves.ts';
import { base64, cborPage, GrowableBytes, LeafScratch, randomSalt } from './page-bytes.ts';
import { encryptPage } from './page-cipher.ts';
import { StreamingRoot } from './streaming-root.ts';

export const BATCH_FORMAT = 'medgate/batch/1';
const PAGE_BYTES = 512 * 1024;
const utf8 = new TextEncoder();

/** What a page of a window's batch needs, beyond its leaves. */
export interface PageParams {
  readonly gatewayId: string;
  readonly minute: string;
  /** The batch key (32 bytes) that encrypts the full leaves. */
  readonly key: Uint8Array;
  readonly pageLeaves: number;
}

/** One finished page: its two blocks' bytes, and the hashes and salts of its leaves, in order. */
export interface SealedPage {
  readonly first: number;
  readonly count: number;
  /** dagCbor.encode({ first, leaves }) of the masked leaves. */
  readonly masked: Uint8Array;
  /** nonce || XChaCha20-Poly1305 of the JSON `{first, leaves: [{salt, leaf}, …]}`. */
  readonly sealed: Uint8Array;
  /** count × 32 bytes. */
  readonly hashes: Uint8Array;
  /** count × 16 bytes. */
  readonly salts: Uint8Array;
}

/** Associated data of a sealed page: a page cannot be moved to another batch or position unnoticed. */
export function pageAad(header: Pick<PageParams, 'gatewayId' | 'minute'>, first: number): Uint8Array {
  return utf8.encode(`${BATCH_FORMAT} ${header.gatewayId} ${header.minute} ${first}`);
}

export class PageBuilder {
  readonly #params: PageParams;
  readonly #salt: () => Uint8Array;
  readonly #root = new StreamingRoot();
  readonly #leaf = new LeafScratch();
  // The page so far, encoded a leaf at a time as leaves arrive, so that a flush only joins bytes.
  #hashes = new GrowableBytes(32);
  #salts = new GrowableBytes(SALT_BYTES);
  #masked: Uint8Array[] = [];
  #maskedBytes = 0;
  #full: string[] = [];
  #pageBytes = 0;

  /** `salt` draws each leaf's salt (random by default; given salts reproduce a batch). */
  constructor(params: PageParams, salt: () => Uint8Array = randomSalt) {
    if (!Number.isInteger(params.pageLeaves) || params.pageLeaves < 1)
      throw new RangeError(`pageLeaves must be a positive integer, got ${params.pageLeaves}`);
    this.#params = params;
    this.#salt = salt;
  }

  get count(): number {
    return this.#root.count;
  }

  /**
   * Adds a leaf: its canonical JSON (what is hashed) and its masked form (what is shared). Returns the
   * page it completes, if it does.
   */
  add(canonical: string, masked: unknown): SealedPage | null {
    // Encoded first: if the masked form cannot be encoded, nothing of this leaf has been added.
    const encoded = encodeCbor(masked);
    const salt = this.#salt();
    const hash = this.#leaf.hash(salt, canonical);
    this.#salts.append(salt);
    this.#hashes.append(hash);
    this.#root.push(hash);
    this.#masked.push(encoded);
    this.#maskedBytes += encoded.length;
    this.#full.push(JSON.stringify({ salt: base64(salt), leaf: canonical }));
    this.#pageBytes += canonical.length;
    const full = this.#masked.length >= this.#params.pageLeaves || this.#pageBytes >= PAGE_BYTES;
    return full ? this.flush() : null;
  }

  /** The page so far, or null if it is empty. */
  flush(): SealedPage | null {
    const count = this.#masked.length;
    if (count === 0) return null;
    const first = this.count - count;
    // The bytes of dagCbor.encode({ first, leaves }), from the leaves encoded one by one.
    const masked = cborPage(first, this.#masked, this.#maskedBytes);
    // JSON.stringify({ first, leaves }) likewise.
    const plaintext = utf8.encode(`{"first":${first},"leaves":[${this.#full.join(',')}]}`);
    const sealed = encryptPage(this.#params.key, plaintext, pageAad(this.#params, first));
    const page = { first, count, masked, sealed, hashes: this.#hashes.bytes(), salts: this.#salts.bytes() };
    this.#hashes = new GrowableBytes(32);
    this.#salts = new GrowableBytes(SALT_BYTES);
    this.#masked = [];
    this.#maskedBytes = 0;
    this.#full = [];
    this.#pageBytes = 0;
    return page;
  }

  /** RFC 9162 root of every leaf added so far. */
  root(): Uint8Array {
    return this.#root.root();
  }
}
