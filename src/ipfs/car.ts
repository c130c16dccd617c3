/** A CAR (v1) of a whole DAG, for the trustless gateway route: the root, then every linked block once. */

import { CarWriter } from '@ipld/car';
import type { CID } from 'multiformats/cid';
import type { Ipfs } from './node.ts';
import { linksOf } from './replication.ts';

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
        queue.push(...linksOf(cid, bytes));
      }
    } finally {
      await writer.close();
    }
  })().catch(() => {});
  return out;
}
