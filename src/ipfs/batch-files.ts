/**
 * Sealed batches as files (docs/ipfs.md, "Batch files"): the blocks of each window's batch go to one CARv1
 * file, `batches/{YYYY-MM-DD}/{hh-mm-ss.mmm}.car` under the data dir (the window's start, UTC), in the order
 * the sealer makes them, the batch root named in its header once known. Any IPFS tool reads such a file
 * (`ipfs dag import`). A file is written once, sequentially, and synced as it grows, never rewritten: in
 * LevelDB the same blocks were written again at every compaction, and ingest commits shared a writer with
 * about 50 MB of pages a window (docs/benchmarks.md, "Fleet").
 *
 * Where each block lies (file, offset, length) is returned by `finish`, once the file is durable, for the
 * sealer to store in the same synced write as the window's record: a window whose record is not written has
 * no block in any index, and sealing it again rewrites its file.
 */
import { constants } from 'node:fs';
import { type FileHandle, mkdir, open, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { CarWriter } from '@ipld/car';
import * as dagCbor from '@ipld/dag-cbor';
import { varint } from 'multiformats';
import { base32upper } from 'multiformats/bases/base32';
import { CID } from 'multiformats/cid';
import * as Digest from 'multiformats/hashes/digest';
import { sha256 } from 'multiformats/hashes/sha2';
import { GatewayError } from '../errors.ts';

export interface BlockLocation {
  /** The batch file, relative to the batches directory. */
  readonly file: string;
  /** Where the block's bytes start in it, and how many there are. */
  readonly offset: number;
  readonly length: number;
}

export interface BatchFile {
  put(bytes: Uint8Array, codec: number): Promise<CID>;
  putCbor(value: unknown): Promise<CID>;
  /** A block whose CID the caller has checked (replication: helia hashes what a peer sends). */
  add(cid: CID, bytes: Uint8Array): Promise<void>;
  /** Blocks written so far. */
  blocks(): number;
  /** Names `root` in the header, syncs and closes the file: then its blocks are durable. */
  finish(root: CID): Promise<Map<string, BlockLocation>>;
  /** Closes and removes the file of a window whose sealing failed. */
  abort(): Promise<void>;
}

/**
 * The key of a block in the index: its multihash, as blockstore-level keys its blocks (the codec is not
 * part of a block's identity in a blockstore).
 */
export const blockKey = (cid: CID): string => base32upper.encoder.encode(cid.multihash.bytes);

/** Data written between two syncs: the kernel writes the file back in steps, not 50 MB in one go. */
const SYNC_EVERY_BYTES = 4 * 1_048_576;

// A CIDv1 dag-cbor sha2-256, as every batch root is: the header written first has the length of the final one.
const PLACEHOLDER_ROOT = CID.createV1(dagCbor.code, Digest.create(sha256.code, new Uint8Array(32)));

/** The batch file of the window starting at `start` (ms), relative to the batches directory. */
export function batchFileName(start: number): string {
  const iso = new Date(start).toISOString(); // 2026-11-27T19:42:10.000Z
  return `${iso.slice(0, 10)}/${iso.slice(11, 23).replaceAll(':', '-')}.car`;
}

/**
 * A file of blocks replicated from another member (docs/ipfs.md, "Replication"): under `replicated/`, a
 * directory a day (of the fetch, UTC), named by the batch root and the fetch's time, so that a second
 * attempt at a batch writes a new file next to the blocks the first one kept.
 */
export function replicaFileName(root: CID, now: number): string {
  const iso = new Date(now).toISOString();
  return `replicated/${iso.slice(0, 10)}/${root.toV1().toString()}-${now}.car`;
}

/** CARv1 framing: an unsigned varint of the length, then the bytes (ipld.io/specs/transport/car/carv1). */
function lengthPrefix(length: number): Uint8Array {
  return varint.encodeTo(length, new Uint8Array(varint.encodingLength(length)));
}

function carHeader(root: CID): Uint8Array {
  const body = dagCbor.encode({ version: 1, roots: [root] });
  return Buffer.concat([lengthPrefix(body.byteLength), body]);
}

/** A new batch file at `name` (batchFileName, replicaFileName) under the batches directory `dir`. */
export async function createBatchFile(
  dir: string,
  name: string,
  options: { openAtFirstBlock?: boolean } = {},
): Promise<BatchFile> {
  const path = join(dir, name);
  const header = carHeader(PLACEHOLDER_ROOT);
  let opening: Promise<FileHandle> | null = null;
  let position = header.byteLength;
  let unsynced = 0;
  const index = new Map<string, BlockLocation>();
  /** Blocks being written: replication writes up to 16 blocks of a batch at once. */
  const writing = new Map<string, Promise<void>>();
  let accepting = true;
  let closed = false;

  function opened(): Promise<FileHandle> {
    opening ??= (async () => {
      await ensureDirectory(dirname(path));
      // A file left by a window that failed or a crash is written over: no index names its blocks.
      const handle = await open(path, constants.O_RDWR | constants.O_CREAT | constants.O_TRUNC, 0o600);
      const { bytesWritten } = await handle.write(header, 0, header.byteLength, 0);
      if (bytesWritten !== header.byteLength) throw new Error(`batch file ${name}: a short write`);
      return handle;
    })();
    return opening;
  }

  /** Writes at the end of the file, its place taken before the first await (concurrent writes do not overlap). */
  async function write(buffers: Uint8Array[]): Promise<void> {
    const at = position;
    const length = buffers.reduce((n, b) => n + b.byteLength, 0);
    position += length;
    unsynced += length;
    const file = await opened();
    const { bytesWritten } = await file.writev(buffers, at);
    if (bytesWritten !== length) throw new Error(`batch file ${name}: a short write`);
    if (unsynced >= SYNC_EVERY_BYTES) {
      unsynced = 0;
      await file.datasync();
    }
  }

  function add(cid: CID, bytes: Uint8Array): Promise<void> {
    if (!accepting) return Promise.reject(new Error(`batch file ${name} is closed`));
    const key = blockKey(cid);
    if (index.has(key)) return Promise.resolve();
    const under = writing.get(key);
    if (under) return under;
    const prefix = lengthPrefix(cid.bytes.byteLength + bytes.byteLength);
    const offset = position + prefix.byteLength + cid.bytes.byteLength;
    // Indexed once written: finish() returns only blocks whose bytes are in the file.
    const written = write([prefix, cid.bytes, bytes])
      .then(() => {
        index.set(key, { file: name, offset, length: bytes.byteLength });
      })
      .finally(() => writing.delete(key));
    writing.set(key, written);
    return written;
  }

  async function put(bytes: Uint8Array, codec: number): Promise<CID> {
    const cid = CID.createV1(codec, await sha256.digest(bytes));
    await add(cid, bytes);
    return cid;
  }

  // A window's file is there from the start; a replica's once a block comes (an attempt may get none).
  if (options.openAtFirstBlock !== true) await opened();
  return {
    put,
    putCbor: (value) => put(dagCbor.encode(value), dagCbor.code),
    add,
    blocks: () => index.size,
    async finish(root) {
      accepting = false;
      await Promise.allSettled(writing.values());
      const file = await opened();
      // The header was written for a CIDv1 of the same length; a CIDv0 root is named in its v1 form.
      await CarWriter.updateRootsInFile(file, [root.toV1()]);
      await file.datasync();
      closed = true;
      await file.close();
      await syncDirectory(dirname(path)); // the file's own entry
      return index;
    },
    async abort() {
      accepting = false;
      await Promise.allSettled(writing.values());
      if (opening === null) return; // never opened: there is no file
      const file = await opening.catch(() => null);
      if (!closed) await file?.close().catch(() => {});
      closed = true;
      await rm(path, { force: true });
    },
  };
}

/** Creates a directory and, when it is new, syncs its parent so that the new entry survives a crash. */
async function ensureDirectory(path: string): Promise<void> {
  const created = await mkdir(path, { recursive: true, mode: 0o700 });
  if (created === undefined) return;
  // mkdir returns the first directory it made: its parent holds the one entry that must be synced.
  await syncDirectory(dirname(created));
  if (created !== path) await syncDirectory(dirname(path));
}

async function syncDirectory(path: string): Promise<void> {
  const handle = await open(path, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Reads one block's bytes from its batch file. A file that is gone or shorter than the index says is a
 * storage failure (ERR_STORE), never other bytes.
 */
export async function readBlock(dir: string, at: BlockLocation): Promise<Uint8Array> {
  let handle: FileHandle;
  try {
    handle = await open(join(dir, at.file), constants.O_RDONLY);
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new GatewayError('ERR_STORE', `the batch file ${at.file} cannot be read (${reason})`);
  }
  try {
    const bytes = Buffer.allocUnsafe(at.length);
    const { bytesRead } = await handle.read(bytes, 0, at.length, at.offset);
    if (bytesRead !== at.length)
      throw new GatewayError('ERR_STORE', `the batch file ${at.file} is cut short`);
    return bytes;
  } finally {
    await handle.close();
  }
}
