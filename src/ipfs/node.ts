/**
 * The IPFS block store: CIDv1 sha2-256 blocks (dag-cbor and raw), the layout any helia or kubo node reads.
 * Sealed batches are written to batch files, one CAR file a window (batch-files.ts); every other block to
 * helia's LevelDB blockstore (blockstore-level) in a sublevel of the gateway's one LevelDB. blockstore.ts
 * reads both.
 *
 * The helia node that shares these blocks over bitswap (network.ts) is started only with
 * `ipfs.network.enabled`: helia and libp2p cost about 75 MiB of RSS, which the default gateway does not pay.
 * Without it, the trustless gateway route serves the batches over HTTP.
 */
import { LevelBlockstore } from 'blockstore-level';
import type { Level } from 'level';
import type { CID } from 'multiformats/cid';
import type { Sublevels } from '../store/index.ts';
import { type BatchFile, createBatchFile } from './batch-files.ts';
import { GatewayBlockstore } from './blockstore.ts';

export interface Ipfs {
  readonly blockstore: GatewayBlockstore;
  get(cid: CID): Promise<Uint8Array>;
  has(cid: CID): Promise<boolean>;
  /** Every CID stored. */
  cids(): AsyncIterable<CID>;
  /** A new batch file for the window starting at `start` (ms): the sealer writes a window's blocks there. */
  batchFile(start: number): Promise<BatchFile>;
  stop(): Promise<void>;
}

export async function createIpfs(components: {
  subs: Pick<Sublevels, 'blocks' | 'batchBlocks'>;
  /** Where the batch files are: `batches/` in the data dir. */
  batchesDir: string;
}): Promise<Ipfs> {
  const { subs, batchesDir } = components;
  // A sublevel has the interface blockstore-level uses; its typings ask for a Level.
  const level = new LevelBlockstore(subs.blocks as unknown as Level<string, Uint8Array>);
  const blockstore = new GatewayBlockstore(level, subs.batchBlocks, batchesDir);

  return {
    blockstore,
    async get(cid) {
      const chunks: Uint8Array[] = [];
      for await (const chunk of blockstore.get(cid)) chunks.push(chunk);
      return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
    },
    has: async (cid) => blockstore.has(cid),
    async *cids() {
      for await (const pair of blockstore.getAll()) yield pair.cid;
    },
    batchFile: (start) => createBatchFile(batchesDir, start),
    // The blockstore lives in the gateway's database, which the gateway closes.
    async stop() {},
  };
}
