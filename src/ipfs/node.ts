/**
 * The IPFS block store: CIDv1 sha2-256 blocks (dag-cbor and raw), the layout any helia or kubo node reads.
 * Sealed batches are written to batch files, one CAR file a window (batch-files.ts), and batches replicated
 * from other members to files of their own; every other block to helia's LevelDB blockstore
 * (blockstore-level) in a sublevel of the gateway's one LevelDB. blockstore.ts reads both.
 *
 * The helia node that shares these blocks over bitswap (network.ts) is started only with
 * `ipfs.network.enabled`: helia and libp2p cost about 75 MiB of RSS, which the default gateway does not pay.
 * Without it, the trustless gateway route serves the batches over HTTP.
 */
import { LevelBlockstore } from 'blockstore-level';
import type { Level } from 'level';
import type { CID } from 'multiformats/cid';
import type { Sublevels } from '../store/index.ts';
import { type BatchFile, batchFileName, createBatchFile, replicaFileName } from './batch-files.ts';
import { bytesOf, GatewayBlockstore } from './blockstore.ts';

/**
 * Blocks replicated from another member, written to a batch file of their own as they arrive (passed to
 * the blockstore's put as `into`), not to LevelDB.
 */
export interface ReplicaFile {
  readonly file: BatchFile;
  /**
   * Syncs the file and indexes what it holds, in one synced write: from then on those blocks are held.
   * Called whether the batch came whole or not (what was fetched stays held); an attempt that got no
   * block never made a file.
   */
  keep(): Promise<void>;
}

export interface Ipfs {
  readonly blockstore: GatewayBlockstore;
  get(cid: CID): Promise<Uint8Array>;
  has(cid: CID): Promise<boolean>;
  /** Every CID stored. */
  cids(): AsyncIterable<CID>;
  /** A new batch file for the window starting at `start` (ms): the sealer writes a window's blocks there. */
  batchFile(start: number): Promise<BatchFile>;
  /** A new file for the blocks of another member's batch `root` that replication fetches. */
  replicaFile(root: CID): Promise<ReplicaFile>;
  stop(): Promise<void>;
}

export async function createIpfs(components: {
  subs: Pick<Sublevels, 'blocks' | 'batchBlocks'>;
  /** Where the batch files are: `batches/` in the data dir. */
  batchesDir: string;
  clock?: () => number;
}): Promise<Ipfs> {
  const { subs, batchesDir } = components;
  const clock = components.clock ?? Date.now;
  // A sublevel has the interface blockstore-level uses; its typings ask for a Level.
  const level = new LevelBlockstore(subs.blocks as unknown as Level<string, Uint8Array>);
  const blockstore = new GatewayBlockstore(level, subs.batchBlocks, batchesDir);

  return {
    blockstore,
    get: (cid) => bytesOf(blockstore.get(cid)),
    has: async (cid) => blockstore.has(cid),
    async *cids() {
      for await (const pair of blockstore.getAll()) yield pair.cid;
    },
    batchFile: (start) => createBatchFile(batchesDir, batchFileName(start)),
    async replicaFile(root) {
      const file = await createBatchFile(batchesDir, replicaFileName(root, clock()), {
        openAtFirstBlock: true,
      });
      return {
        file,
        async keep() {
          if (file.blocks() === 0) return file.abort();
          const located = await file.finish(root);
          await subs.batchBlocks.batch(
            [...located].map(([key, value]) => ({ type: 'put' as const, key, value })),
            { sync: true } as never,
          );
        },
      };
    },
    // The blockstore lives in the gateway's database, which the gateway closes.
    async stop() {},
  };
}
