/**
 * Builds one window's batch as leaves arrive: salts, leaf hashes, the streaming root, and pages of at
 * most `pageLeaves` leaves (or about 512 KiB) written to IPFS as they fill. Each page is a dag-cbor block
 * of masked leaves (shareable) and a raw block of the full leaves with their salts, encrypted with the
 * batch key; the batch root links them in order (docs/proofs.md has the layout).
 */
import { randomBytes } from 'node:crypto';
import type { CID } from 'multiformats/cid';
import { encrypt } from '../crypto/aead.ts';
import type { Ipfs } from '../ipfs/node.ts';
import { leafHash } from '../merkle/index.ts';
import { leafData, SALT_BYTES } from './leaves.ts';
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
  readonly #hashes: Uint8Array[] = [];
  readonly #salts: Uint8Array[] = [];
  readonly #pages: BatchPage[] = [];
  #masked: unknown[] = [];
  #full: Array<{ salt: string; leaf: string }> = [];
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
    const salt = new Uint8Array(randomBytes(SALT_BYTES));
    const hash = leafHash(leafData(salt, utf8.encode(canonical)));
    this.#root.push(hash);
    this.#hashes.push(hash);
    this.#salts.push(salt);
    this.#masked.push(masked);
    this.#full.push({ salt: Buffer.from(salt).toString('base64'), leaf: canonical });
    this.#pageBytes += canonical.length;
    return this.#masked.length >= this.#pageLeaves || this.#pageBytes >= PAGE_BYTES;
  }

  async flush(): Promise<void> {
    if (this.#masked.length === 0) return;
    const first = this.count - this.#masked.length;
    const masked = await this.#ipfs.putCbor({ first, leaves: this.#masked });
    const plaintext = utf8.encode(JSON.stringify({ first, leaves: this.#full }));
    const sealed = await this.#ipfs.put(encrypt(this.#key, plaintext, pageAad(this.#header, first)), 0x55);
    this.#pages.push({ first, count: this.#masked.length, masked, sealed });
    this.#masked = [];
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
      leafHashes: concat(this.#hashes, 32),
      salts: concat(this.#salts, SALT_BYTES),
    };
  }
}

function concat(parts: readonly Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(parts.length * size);
  parts.forEach((p, i) => {
    out.set(p, i * size);
  });
  return out;
}
