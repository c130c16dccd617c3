/**
 * Builds one window's batch as leaves arrive: salts, leaf hashes, the streaming root, and pages of at
 * most `pageLeaves` leaves (or about 512 KiB) written to IPFS as they fill. Each page is a dag-cbor block
 * of masked leaves (shareable) and a raw block of the full leaves with their salts, encrypted with the
 * batch key; the batch root links them in order (docs/proofs.md has the layout).
 */
import * as dagCbor from '@ipld/dag-cbor';
import type { CID } from 'multiformats/cid';
import { encrypt } from '../crypto/aead.ts';
import type { Ipfs } from '../ipfs/node.ts';
import { encodeCbor } from './cbor-json.ts';
import { SALT_BYTES } from './leaves.ts';
import { base64, cborPage, GrowableBytes, LeafScratch, randomSalt } from './page-bytes.ts';
import { StreamingRoot } from './streaming-root.ts';

export const BATCH_FORMAT = 'medgate/batch/1';
const PAGE_BYTES = 512 * 1024;
const utf8 = new TextEncoder();

export interface BatchPage {
  readonly first: number;
  readonly count: number;
  readonly masked: CID;
  readonly sealed: CID;
}

export interface BatchHeader {
  readonly gatewayId: string;
  readonly minute: string;
  readonly start: number;
  readonly end: number;
  readonly keyId: string;
}

/** Associated data of a sealed page: a page cannot be moved to another batch or position unnoticed. */
export function pageAad(header: Pick<BatchHeader, 'gatewayId' | 'minute'>, first: number): Uint8Array {
  return utf8.encode(`${BATCH_FORMAT} ${header.gatewayId} ${header.minute} ${first}`);
}

export class BatchBuilder {
  readonly #header: BatchHeader;
  readonly #key: Uint8Array;
  readonly #ipfs: Pick<Ipfs, 'put' | 'putCbor'>;
  readonly #pageLeaves: number;
  readonly #root = new StreamingRoot();
  readonly #hashes = new GrowableBytes(32);
  readonly #salts = new GrowableBytes(SALT_BYTES);
  readonly #leaf = new LeafScratch();
  readonly #pages: BatchPage[] = [];
  // The page so far, encoded a leaf at a time as leaves arrive, so that a flush only joins bytes.
  #masked: Uint8Array[] = [];
  #maskedBytes = 0;
  #full: string[] = [];
  #pageBytes = 0;

  constructor(header: BatchHeader, key: Uint8Array, ipfs: Pick<Ipfs, 'put' | 'putCbor'>, pageLeaves: number) {
    this.#header = header;
    this.#key = key;
    this.#ipfs = ipfs;
    this.#pageLeaves = pageLeaves;
  }

  get count(): number {
    return this.#root.count;
  }

  /**
   * Adds a leaf: its canonical JSON (what is hashed) and its masked form (what is shared). Synchronous;
   * returns true when the page is full and `flush()` should be awaited before adding more.
   */
  add(canonical: string, masked: unknown): boolean {
    const salt = randomSalt();
    const hash = this.#leaf.hash(salt, canonical);
    this.#salts.append(salt);
    this.#hashes.append(hash);
    this.#root.push(hash);
    const encoded = encodeCbor(masked);
    this.#masked.push(encoded);
    this.#maskedBytes += encoded.length;
    this.#full.push(JSON.stringify({ salt: base64(salt), leaf: canonical }));
    this.#pageBytes += canonical.length;
    return this.#masked.length >= this.#pageLeaves || this.#pageBytes >= PAGE_BYTES;
  }

  async flush(): Promise<void> {
    if (this.#masked.length === 0) return;
    const first = this.count - this.#masked.length;
    // The bytes of dagCbor.encode({ first, leaves }), from the leaves encoded one by one.
    const masked = await this.#ipfs.put(cborPage(first, this.#masked, this.#maskedBytes), dagCbor.code);
    // JSON.stringify({ first, leaves }) likewise.
    const plaintext = utf8.encode(`{"first":${first},"leaves":[${this.#full.join(',')}]}`);
    const sealed = await this.#ipfs.put(encrypt(this.#key, plaintext, pageAad(this.#header, first)), 0x55);
    this.#pages.push({ first, count: this.#masked.length, masked, sealed });
    this.#masked = [];
    this.#maskedBytes = 0;
    this.#full = [];
    this.#pageBytes = 0;
  }

  /** Writes the last page and the batch root; returns what the window record needs. */
  async finish(extra: { readings: number; access: number; masking: unknown }) {
    await this.flush();
    const root = this.#root.root();
    const batchCid = await this.#ipfs.putCbor({
      format: BATCH_FORMAT,
      gatewayId: this.#header.gatewayId,
      minute: this.#header.minute,
      start: this.#header.start,
      end: this.#header.end,
      count: this.count,
      readings: extra.readings,
      access: extra.access,
      root,
      masking: extra.masking,
      encryption: {
        alg: 'xchacha20poly1305',
        keyId: this.#header.keyId,
        nonceBytes: 24,
        aad: `${BATCH_FORMAT} {gatewayId} {minute} {first}`,
      },
      pages: this.#pages.map((p) => ({ first: p.first, count: p.count, masked: p.masked, sealed: p.sealed })),
    });
    return {
      root,
      batchCid,
      leafHashes: this.#hashes.bytes(),
      salts: this.#salts.bytes(),
    };
  }
}
