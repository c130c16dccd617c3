/**
 * Large files (docs/ipfs.md, "Files"): a stream of any size is encrypted in chunks and stored as UnixFS in
 * the blockstore, then read back by byte range, decrypting only the chunks the range touches. Memory stays
 * flat: one chunk in flight each way.
 *
 * Each 64 KiB plaintext chunk is one XChaCha20-Poly1305 box (24-byte nonce, 16-byte tag) under a key of the
 * file's own (HKDF-SHA256 of the current batch key and a random salt). The associated data binds the file
 * id, the chunk's index and whether it is the last chunk: chunks cannot be reordered, moved to another file,
 * dropped, or the file cut short at a chunk boundary. The boxes follow each other in one UnixFS file (raw
 * leaves), so nothing of the plaintext, the patient or the type is in any block.
 */
import { createHash, randomBytes } from 'node:crypto';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import type { Blockstore } from 'interface-blockstore';
import { CID } from 'multiformats/cid';
import { decrypt, encrypt } from '../crypto/aead.ts';
import { GatewayError } from '../errors.ts';
import type { AccessEntry } from '../store/index.ts';

export const FILE_CHUNK_BYTES = 64 * 1024;
const BOX_OVERHEAD = 24 + 16;
const BOX_BYTES = FILE_CHUNK_BYTES + BOX_OVERHEAD;

export interface FileRecord {
  readonly id: string;
  readonly cid: string;
  readonly size: number;
  /** SHA-256 of the plaintext, hex. */
  readonly sha256: string;
  readonly contentType: string;
  readonly patientId: string;
  readonly createdAt: number;
  /** The batch key the file key derives from, and the derivation's salt (hex). */
  readonly keyId: string;
  readonly salt: string;
  /** The access-log entry that seals the upload (its leaf names the CID, size, type and hash). */
  readonly entry?: AccessEntry;
}

export interface FileIndex {
  get(id: string): Promise<FileRecord | undefined>;
  put(id: string, record: FileRecord): Promise<void>;
}

export interface FileStore {
  /** Encrypts and stores a stream; refuses it (ERR_FILE_TOO_LARGE) past `maxBytes`. */
  add(
    body: AsyncIterable<Uint8Array>,
    meta: { patientId: string; contentType: string; maxBytes: number },
  ): Promise<FileRecord>;
  get(id: string): Promise<FileRecord | undefined>;
  /** Notes the access-log entry that seals a stored file. */
  sealedBy(record: FileRecord, entry: AccessEntry): Promise<FileRecord>;
  /** Plaintext bytes `start..end` (both included) of a file. */
  read(record: FileRecord, start: number, end: number): AsyncIterable<Uint8Array>;
}

export function chunkAad(fileId: string, index: number, final: boolean): Uint8Array {
  const id = new TextEncoder().encode(`medgate-file\0${fileId}\0`);
  const out = new Uint8Array(id.length + 9);
  out.set(id, 0);
  new DataView(out.buffer).setBigUint64(id.length, BigInt(index));
  out[id.length + 8] = final ? 1 : 0;
  return out;
}

/** The number of chunks of a file of `size` bytes (an empty file is one empty final chunk). */
export function chunkCount(size: number): number {
  return Math.max(1, Math.ceil(size / FILE_CHUNK_BYTES));
}

export function createFileStore(components: {
  blockstore: Blockstore;
  index: FileIndex;
  keys: { batch: ReadonlyMap<string, Uint8Array>; currentBatchKeyId: string };
  clock: () => number;
}): FileStore {
  const { index, keys, clock } = components;
  // @helia/unixfs is loaded on the first file, not at start.
  let fs: Promise<import('@helia/unixfs').UnixFS> | null = null;
  const unixfs = () => {
    fs ??= import('@helia/unixfs').then(({ unixfs }) => unixfs({ blockstore: components.blockstore }));
    return fs;
  };

  function fileKey(keyId: string, salt: Uint8Array): Uint8Array {
    const batchKey = keys.batch.get(keyId);
    if (!batchKey) throw new GatewayError('ERR_INTERNAL', `the batch key ${keyId} of a file is missing`);
    return hkdf(sha256, batchKey, salt, new TextEncoder().encode('medgate file v1'), 32);
  }

  return {
    async add(body, meta) {
      const id = randomBytes(16).toString('hex');
      const salt = new Uint8Array(randomBytes(16));
      const keyId = keys.currentBatchKeyId;
      const key = fileKey(keyId, salt);
      const hash = createHash('sha256');
      let size = 0;
      async function* boxes(): AsyncGenerator<Uint8Array> {
        let pending = new Uint8Array(FILE_CHUNK_BYTES);
        let filled = 0;
        let chunk = 0;
        for await (const part of body) {
          size += part.byteLength;
          if (size > meta.maxBytes)
            throw new GatewayError('ERR_FILE_TOO_LARGE', `a file is at most ${meta.maxBytes} bytes`);
          hash.update(part);
          let offset = 0;
          while (offset < part.byteLength) {
            // A full chunk is sealed only once more bytes follow: the last chunk is known to be the last.
            if (filled === FILE_CHUNK_BYTES) {
              yield encrypt(key, pending, chunkAad(id, chunk++, false));
              pending = new Uint8Array(FILE_CHUNK_BYTES);
              filled = 0;
            }
            const n = Math.min(FILE_CHUNK_BYTES - filled, part.byteLength - offset);
            pending.set(part.subarray(offset, offset + n), filled);
            filled += n;
            offset += n;
          }
        }
        yield encrypt(key, pending.subarray(0, filled), chunkAad(id, chunk, true));
      }
      const cid = await (await unixfs()).addByteStream(boxes(), { rawLeaves: true });
      const record: FileRecord = {
        id,
        cid: cid.toString(),
        size,
        sha256: hash.digest('hex'),
        contentType: meta.contentType,
        patientId: meta.patientId,
        createdAt: clock(),
        keyId,
        salt: Buffer.from(salt).toString('hex'),
      };
      await index.put(id, record);
      return record;
    },
    get: (id) => index.get(id),
    async sealedBy(record, entry) {
      const updated = { ...record, entry };
      await index.put(record.id, updated);
      return updated;
    },
    async *read(record, start, end) {
      if (record.size === 0 || end < start) return;
      const key = fileKey(record.keyId, new Uint8Array(Buffer.from(record.salt, 'hex')));
      const last = chunkCount(record.size) - 1;
      const first = Math.floor(start / FILE_CHUNK_BYTES);
      const stop = Math.floor(end / FILE_CHUNK_BYTES);
      const cipherSize = record.size + (last + 1) * BOX_OVERHEAD;
      const offset = first * BOX_BYTES;
      const length = Math.min((stop - first + 1) * BOX_BYTES, cipherSize - offset);
      let buffered: Uint8Array[] = [];
      let bufferedBytes = 0;
      let chunk = first;
      const open = (box: Uint8Array) => {
        const plain = decrypt(key, box, chunkAad(record.id, chunk, chunk === last));
        const base = chunk * FILE_CHUNK_BYTES;
        chunk += 1;
        return plain.subarray(Math.max(0, start - base), Math.min(plain.byteLength, end - base + 1));
      };
      for await (const part of (await unixfs()).cat(CID.parse(record.cid), { offset, length })) {
        buffered.push(part);
        bufferedBytes += part.byteLength;
        while (bufferedBytes >= BOX_BYTES) {
          const joined = Buffer.concat(buffered);
          yield open(joined.subarray(0, BOX_BYTES));
          buffered = [joined.subarray(BOX_BYTES)];
          bufferedBytes -= BOX_BYTES;
        }
      }
      if (bufferedBytes > 0) yield open(Buffer.concat(buffered));
      if (chunk !== stop + 1) throw new GatewayError('ERR_STORE', `file ${record.id} is cut short`);
    },
  };
}
