/** A separate IPFS peer for tests: helia with libp2p on 127.0.0.1 (TCP, noise, yamux, identify, bitswap), blocks in memory. */
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { withBitswap } from '@helia/bitswap';
import { withLibp2pLight } from '@helia/libp2p';
import * as dagCbor from '@ipld/dag-cbor';
import { identify } from '@libp2p/identify';
import { tcp } from '@libp2p/tcp';
import { multiaddr } from '@multiformats/multiaddr';
import { createHeliaLight } from 'helia';
import { CID } from 'multiformats/cid';

export async function startTestPeer() {
  const helia = withBitswap(
    withLibp2pLight(createHeliaLight({ codecs: [dagCbor] }), {
      addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      services: { identify: identify() },
    }),
  );
  await helia.start();
  return {
    helia,
    dial: (address: string) => helia.libp2p.dial(multiaddr(address), { signal: AbortSignal.timeout(10_000) }),
    async get(cid: CID): Promise<Uint8Array> {
      const chunks: Uint8Array[] = [];
      for await (const chunk of helia.blockstore.get(cid, { signal: AbortSignal.timeout(15_000) }))
        chunks.push(chunk);
      return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
    },
    stop: () => helia.stop(),
  };
}

/** The CIDs a dag-cbor value links to. */
export function linksOf(value: unknown, found: CID[] = []): CID[] {
  const cid = CID.asCID(value);
  if (cid) found.push(cid);
  else if (Array.isArray(value)) for (const v of value) linksOf(v, found);
  else if (value && typeof value === 'object' && !(value instanceof Uint8Array))
    for (const v of Object.values(value)) linksOf(v, found);
  return found;
}
