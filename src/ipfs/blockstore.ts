/**
 * The gateway's blockstore: the blocks of sealed and replicated batches in batch files (batch-files.ts),
 * found through the index written once a file is durable; every other block (files, batches sealed or
 * replicated before batch files existed) in helia's LevelDB blockstore. Reads look in the index first;
 * writes go to LevelDB, or to the batch file a replication fetch names. A block in a batch file is never
 * deleted (docs/ipfs.md: the gateway holds what it holds).
 */
import type { LevelBlockstore } from 'blockstore-level';
import type { Blockstore, InputPair, Pair } from 'interface-blockstore';
import { base32upper } from 'multiformats/bases/base32';
import { CID } from 'multiformats/cid';
import * as raw from 'multiformats/codecs/raw';
import * as Digest from 'multiformats/hashes/digest';
import type { Sublevels } from '../store/index.ts';
import { type BatchFile, type BlockLocation, blockKey, readBlock } from './batch-files.ts';

type AbortOptions = { signal?: AbortSignal };
/** The options a block is fetched with (network.ts), which helia passes on to put. */
export type PutOptions = AbortOptions & { into?: BatchFile };

/** A block's bytes, whole: as given, or its chunks (a blockstore's `get` yields a block in chunks). */
export async function bytesOf(
  bytes: Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
): Promise<Uint8Array> {
  if (bytes instanceof Uint8Array) return bytes;
  const chunks: Uint8Array[] = [];
  for await (const chunk of bytes) chunks.push(chunk);
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
}

type BatchIndex = Sublevels['batchBlocks'];

export class GatewayBlockstore implements Blockstore {
  readonly #level: LevelBlockstore;
  readonly #index: BatchIndex;
  readonly #dir: string;

  constructor(level: LevelBlockstore, index: BatchIndex, batchesDir: string) {
    this.#level = level;
    this.#index = index;
    this.#dir = batchesDir;
  }

  #located(cid: CID): Promise<BlockLocation | undefined> {
    return this.#index.get(blockKey(cid));
  }

  async has(cid: CID, options?: AbortOptions): Promise<boolean> {
    return (await this.#located(cid)) !== undefined || this.#level.has(cid, options);
  }

  /**
   * To LevelDB, or with `into` to that batch file: replication fetches a batch's blocks through helia, which
   * stores what it fetched with the options it was asked with.
   */
  async put(cid: CID, bytes: InputPair['bytes'], options?: PutOptions): Promise<CID> {
    if (options?.into === undefined) return this.#level.put(cid, bytes, options);
    await options.into.add(cid, await bytesOf(bytes));
    return cid;
  }

  async *putMany(
    source: Iterable<InputPair> | AsyncIterable<InputPair>,
    options?: AbortOptions,
  ): AsyncGenerator<CID> {
    yield* this.#level.putMany(source, options);
  }

  async *get(cid: CID, options?: AbortOptions): AsyncGenerator<Uint8Array> {
    options?.signal?.throwIfAborted();
    const at = await this.#located(cid);
    if (at) yield await readBlock(this.#dir, at);
    else yield* this.#level.get(cid, options);
  }

  async *getMany(source: Iterable<CID> | AsyncIterable<CID>, options?: AbortOptions): AsyncGenerator<Pair> {
    for await (const cid of source) yield { cid, bytes: this.get(cid, options) };
  }

  delete(cid: CID, options?: AbortOptions): Promise<void> {
    return this.#level.delete(cid, options);
  }

  async *deleteMany(source: Iterable<CID> | AsyncIterable<CID>, options?: AbortOptions): AsyncGenerator<CID> {
    yield* this.#level.deleteMany(source, options);
  }

  /** Every block: LevelDB's, then the batch files' (CIDs with the raw codec, as blockstore-level gives). */
  async *getAll(options?: AbortOptions): AsyncGenerator<Pair> {
    yield* this.#level.getAll(options);
    const dir = this.#dir;
    for await (const [key, at] of this.#index.iterator()) {
      options?.signal?.throwIfAborted();
      const cid = CID.createV1(raw.code, Digest.decode(base32upper.decode(key)));
      yield {
        cid,
        bytes: (async function* () {
          yield await readBlock(dir, at);
        })(),
      };
    }
  }
}
