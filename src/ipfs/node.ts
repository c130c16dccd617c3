/**
 * The IPFS node: helia without networking (createHeliaLight), its blockstore and datastore in sublevels
 * of the gateway's one LevelDB. One database means one write-ahead log: the sealer's final `sync` write
 * also makes every block it put before durable. Networking (libp2p) is left out on purpose: peers fetch
 * batches through the trustless gateway route of the API.
 */
import * as dagCbor from '@ipld/dag-cbor';
import { LevelBlockstore } from 'blockstore-level';
import { LevelDatastore } from 'datastore-level';
import { createHeliaLight, type Helia } from 'helia';
import type { Level } from 'level';
import { CID } from 'multiformats/cid';
import * as raw from 'multiformats/codecs/raw';
import { sha256 } from 'multiformats/hashes/sha2';
import type { Sublevels } from '../store/index.ts';

export const DAG_CBOR = dagCbor.code;
export const RAW = raw.code;

export interface Ipfs {
  readonly helia: Helia;
  put(bytes: Uint8Array, codec: typeof DAG_CBOR | typeof RAW): Promise<CID>;
  putCbor(value: unknown): Promise<CID>;
  get(cid: CID): Promise<Uint8Array>;
  has(cid: CID): Promise<boolean>;
  stop(): Promise<void>;
}

export async function createIpfs(components: {
  subs: Pick<Sublevels, 'blocks' | 'ipfsData'>;
}): Promise<Ipfs> {
  // The sublevels have the interface blockstore-level and datastore-level use; their typings ask for a Level.
  const blockstore = new LevelBlockstore(components.subs.blocks as unknown as Level<string, Uint8Array>);
  const datastore = new LevelDatastore(components.subs.ipfsData as unknown as Level<string, Uint8Array>);
  const helia = createHeliaLight({ blockstore, datastore, codecs: [dagCbor] });
  await helia.start();

  async function put(bytes: Uint8Array, codec: number): Promise<CID> {
    const cid = CID.createV1(codec, await sha256.digest(bytes));
    await helia.blockstore.put(cid, bytes);
    return cid;
  }

  return {
    helia,
    put,
    putCbor: (value) => put(dagCbor.encode(value), DAG_CBOR),
    async get(cid) {
      const chunks: Uint8Array[] = [];
      for await (const chunk of helia.blockstore.get(cid, { offline: true } as never)) chunks.push(chunk);
      return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
    },
    has: async (cid) => helia.blockstore.has(cid),
    async stop() {
      await helia.stop();
    },
  };
}
