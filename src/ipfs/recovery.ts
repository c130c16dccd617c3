/**
 * A member that lost its disk gets its sealed windows' records back (docs/ipfs.md, "A member that lost its
 * disk"): once replication holds one of its own batches again, the batch is opened with the member's batch
 * key, every leaf hash and salt is recomputed from the sealed pages, the tree's root is checked against the
 * signed record of the chain, and the window is written back as the sealer wrote it.
 */
import * as dagCbor from '@ipld/dag-cbor';
import { CID } from 'multiformats/cid';
import { pageAad } from '../batches/batch-builder.ts';
import { leafData } from '../batches/leaves.ts';
import { decrypt } from '../crypto/aead.ts';
import { buildTreeFromHashBuffer, leafHash } from '../merkle/index.ts';
import type { SignedMinuteRecord, WindowRecord } from '../store/index.ts';
import type { Ipfs } from './node.ts';

interface BatchRoot {
  gatewayId: string;
  minute: string;
  start: number;
  end: number;
  count: number;
  readings: number;
  access: number;
  alarms?: number;
  encryption: { keyId: string };
  pages: { first: number; count: number; sealed: CID }[];
}

export interface RecoveredWindow {
  readonly window: WindowRecord;
  readonly leafHashes: Uint8Array;
  readonly salts: Uint8Array;
}

/** The window a batch of this gateway seals, rebuilt from the batch and its signed record; null when it does not match. */
export async function recoverWindow(
  record: SignedMinuteRecord,
  components: {
    ipfs: Pick<Ipfs, 'get'>;
    batchKeys: ReadonlyMap<string, Uint8Array>;
    clock: () => number;
  },
): Promise<RecoveredWindow | null> {
  const root = dagCbor.decode(await components.ipfs.get(CID.parse(record.batchCid))) as BatchRoot;
  if (root.gatewayId !== record.gatewayId || root.minute !== record.minute || root.count !== record.count)
    return null;
  const key = components.batchKeys.get(root.encryption.keyId);
  if (!key) return null;
  const hashes = new Uint8Array(root.count * 32);
  const salts = new Uint8Array(root.count * 16);
  const ids: (string | null)[] = [];
  for (const page of root.pages) {
    const sealed = await components.ipfs.get(page.sealed);
    const text = new TextDecoder().decode(decrypt(key, sealed, pageAad(root, page.first)));
    const body = JSON.parse(text) as { first: number; leaves: { salt: string; leaf: string }[] };
    if (body.first !== page.first || body.leaves.length !== page.count) return null;
    body.leaves.forEach((entry, i) => {
      const index = page.first + i;
      const salt = new Uint8Array(Buffer.from(entry.salt, 'base64'));
      hashes.set(leafHash(leafData(salt, new TextEncoder().encode(entry.leaf))), index * 32);
      salts.set(salt, index * 16);
      ids[index] = (JSON.parse(entry.leaf) as { id?: string }).id ?? null;
    });
  }
  if (ids.length !== root.count) return null;
  const computed = Buffer.from(buildTreeFromHashBuffer(hashes).root()).toString('hex');
  if (computed !== record.root) return null;
  const window: WindowRecord = {
    start: root.start,
    end: root.end,
    readings: root.readings,
    access: root.access,
    firstReadingId: root.readings > 0 ? (ids[0] ?? null) : null,
    firstAccessId: root.access > 0 ? (ids[root.readings] ?? null) : null,
    ...(root.alarms ? { alarms: root.alarms } : {}),
    record,
    sealedAt: components.clock(),
  };
  return { window, leafHashes: hashes, salts };
}
