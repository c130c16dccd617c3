/** A CAR (v1) of a whole DAG, for the trustless gateway route: the root, then every linked block once. */

import { CarWriter } from '@ipld/car';
import * as dagCbor from '@ipld/dag-cbor';
import { CID } from 'multiformats/cid';
import type { Ipfs } from './node.ts';

export function carOf(ipfs: Pick<Ipfs, 'get'>, root: CID): AsyncIterable<Uint8Array> {
  const { writer, out } = CarWriter.create([root]);
  (async () => {
    const seen = new Set<string>();
    const queue: CID[] = [root];
    try {
      while (queue.length > 0) {
        const cid = queue.shift()!;
        const key = cid.toString();
        if (seen.has(key)) continue;
        seen.add(key);
        const bytes = await ipfs.get(cid);
        await writer.put({ cid, bytes });
        if (cid.code === dagCbor.code) queue.push(...linksOf(dagCbor.decode(bytes)));
      }
    } finally {
      await writer.close();
    }
  })().catch(() => {});
  return out;
}

function linksOf(value: unknown, found: CID[] = []): CID[] {
  const cid = CID.asCID(value);
  if (cid) {
    found.push(cid);
  } else if (Array.isArray(value)) {
    for (const v of value) linksOf(v, found);
  } else if (value && typeof value === 'object' && !(value instanceof Uint8Array)) {
    for (const v of Object.values(value)) linksOf(v, found);
  }
  return found;
}
