/**
 * Writes one window's batch to IPFS as its pages come in (built by page-builder.ts, here or in the seal
 * worker): each page's masked dag-cbor block and encrypted raw block, then the batch root that links them
 * in order (docs/proofs.md has the layout). Keeps the leaf hashes and salts for the window record.
 */
import * as dagCbor from '@ipld/dag-cbor';
import { CID } from 'multiformats/cid';
import type { BatchFile } from '../ipfs/batch-files.ts';
import type { AccessEntry } from '../store/index.ts';
import { BATCH_FORMAT, type SealedPage } from './page-builder.ts';

export { BATCH_FORMAT, pageAad } from './page-builder.ts';

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

export class BatchBuilder {
  readonly #header: BatchHeader;
  readonly #ipfs: Pick<BatchFile, 'put' | 'putCbor'>;
  readonly #pages: BatchPage[] = [];
  readonly #hashes: Uint8Array[] = [];
  readonly #salts: Uint8Array[] = [];
  #count = 0;

  constructor(header: BatchHeader, ipfs: Pick<BatchFile, 'put' | 'putCbor'>) {
    this.#header = header;
    this.#ipfs = ipfs;
  }

  /** Writes a page's two blocks; pages must come in order. */
  async addPage(page: SealedPage): Promise<void> {
    if (page.first !== this.#count)
      throw new Error(`page starts at leaf ${page.first}, expected ${this.#count}`);
    const masked = await this.#ipfs.put(page.masked, dagCbor.code);
    const sealed = await this.#ipfs.put(page.sealed, 0x55);
    this.#pages.push({ first: page.first, count: page.count, masked, sealed });
    this.#hashes.push(page.hashes);
    this.#salts.push(page.salts);
    this.#count += page.count;
  }

  /** Writes the batch root; returns what the window record needs. */
  async finish(extra: {
    root: Uint8Array;
    count: number;
    readings: number;
    access: number;
    alarms: number;
    masking: unknown;
    /** Files stored in the window (UnixFS roots): linked from the batch, so they travel with it. */
    files?: readonly CID[];
  }) {
    if (extra.count !== this.#count) throw new Error(`${extra.count} leaves, but pages hold ${this.#count}`);
    const batchCid = await this.#ipfs.putCbor({
      format: BATCH_FORMAT,
      gatewayId: this.#header.gatewayId,
      minute: this.#header.minute,
      start: this.#header.start,
      end: this.#header.end,
      count: this.#count,
      readings: extra.readings,
      access: extra.access,
      alarms: extra.alarms,
      root: extra.root,
      masking: extra.masking,
      encryption: {
        alg: 'xchacha20poly1305',
        keyId: this.#header.keyId,
        nonceBytes: 24,
        aad: `${BATCH_FORMAT} {gatewayId} {minute} {first}`,
      },
      pages: this.#pages.map((p) => ({ first: p.first, count: p.count, masked: p.masked, sealed: p.sealed })),
      ...(extra.files && extra.files.length > 0 ? { files: extra.files } : {}),
    });
    return {
      root: extra.root,
      batchCid,
      leafHashes: new Uint8Array(Buffer.concat(this.#hashes)),
      salts: new Uint8Array(Buffer.concat(this.#salts)),
    };
  }
}

/** The UnixFS roots of the files whose uploads these access-log entries seal (docs/ipfs.md, "Files"). */
export function fileLinks(access: readonly AccessEntry[]): CID[] {
  const links: CID[] = [];
  for (const entry of access) {
    if (entry.action !== 'files.create') continue;
    const cid = new URL(entry.resource, 'http://gateway').searchParams.get('cid');
    const parsed = cid === null ? null : CID.asCID(tryParse(cid));
    if (parsed) links.push(parsed);
  }
  return links;
}

function tryParse(text: string): CID | null {
  try {
    return CID.parse(text);
  } catch {
    return null;
  }
}
