/**
 * The IPFS network node (docs/ipfs.md): a helia node over the gateway's own blockstore, with libp2p on TCP,
 * noise, yamux, identify and bitswap. Any peer that dials it fetches sealed blocks by CID over bitswap, and
 * replication fetches the other members' batches through it.
 *
 * Loaded only when `ipfs.network.enabled` is on, through `import()`: helia and libp2p cost about 110 MB of
 * RSS, which the default gateway does not pay. No DHT, no public bootstrap, no mDNS: it dials the peers it
 * is given (`ipfs.network.peers`) and answers whoever dials it.
 */

import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Blockstore } from 'interface-blockstore';
import type { CID } from 'multiformats/cid';
import { readHexKey } from '../crypto/key-files.ts';
import type { Log } from '../log.ts';
import type { BatchFile } from './batch-files.ts';
import { bytesOf, type PutOptions } from './blockstore.ts';

export interface IpfsNetworkOptions {
  /** Multiaddrs to listen on, e.g. `/ip4/0.0.0.0/tcp/4001`. */
  readonly listen: readonly string[];
  /** Multiaddrs (ending in `/p2p/{peerId}`) dialled at start and redialled when they drop. */
  readonly peers: readonly string[];
  /** The folder of the gateway's keys: the peer key is `{keysDir}/ipfs-peer.key`, unless `peerKeyFile`. */
  readonly keysDir: string;
  readonly peerKeyFile?: string | undefined;
  /** How often peers not connected are dialled again. */
  readonly redialMs: number;
  /** Connections kept; past it libp2p closes the least valued ones, strangers before `peers`. */
  readonly maxConnections: number;
}

export interface IpfsNetwork {
  peerId(): string;
  /** Where peers reach this node, each ending in `/p2p/{peerId}`. */
  multiaddrs(): string[];
  /**
   * A block from the local store, or else from the connected peers over bitswap (verified against its CID,
   * then stored: in the batch file `into` when given, blockstore.ts).
   */
  fetch(cid: CID, options: { signal: AbortSignal; into?: BatchFile | undefined }): Promise<Uint8Array>;
  /** Peers connected now. */
  connections(): number;
  /** Dials a peer now (a multiaddr ending in `/p2p/{peerId}`). */
  dial(address: string): Promise<void>;
  stop(): Promise<void>;
}

/** The peer key: an Ed25519 seed (64 hex digits, mode 0600), created on first start; a stable PeerId. */
export function loadOrCreatePeerSeed(keysDir: string, keyFile?: string): Uint8Array {
  const file = keyFile ?? join(keysDir, 'ipfs-peer.key');
  if (keyFile === undefined && !existsSync(file)) {
    mkdirSync(keysDir, { recursive: true, mode: 0o700 });
    writeFileSync(file, `${Buffer.from(randomBytes(32)).toString('hex')}\n`, { mode: 0o600 });
  }
  return readHexKey(file);
}

export async function startIpfsNetwork(
  options: IpfsNetworkOptions,
  components: { blockstore: Blockstore; log: Log },
): Promise<IpfsNetwork> {
  // Loaded here and only here: the default gateway never imports libp2p (docs/ipfs.md, "Memory").
  const [{ createHeliaLight }, { withLibp2pLight }, { withBitswap }, libp2pParts, dagCbor, multiaddrs] =
    await Promise.all([
      import('helia'),
      import('@helia/libp2p'),
      import('@helia/bitswap'),
      loadLibp2pParts(),
      import('@ipld/dag-cbor'),
      import('@multiformats/multiaddr'),
    ]);
  const privateKey = await libp2pParts.generateKeyPairFromSeed(
    'Ed25519',
    loadOrCreatePeerSeed(options.keysDir, options.peerKeyFile),
  );
  const helia = withBitswap(
    withLibp2pLight(createHeliaLight({ blockstore: components.blockstore, codecs: [dagCbor] }), {
      privateKey,
      addresses: { listen: [...options.listen] },
      transports: [libp2pParts.tcp()],
      connectionEncrypters: [libp2pParts.noise()],
      streamMuxers: [libp2pParts.yamux()],
      services: { identify: libp2pParts.identify() },
      connectionManager: { maxConnections: options.maxConnections },
    }),
  );
  await helia.start();
  const libp2p = helia.libp2p;
  const peers = options.peers.map((address) => multiaddrs.multiaddr(address));
  // The configured peers are valued above strangers: when connections are pruned, theirs stay.
  for (const address of peers) {
    const peerId = address.getComponents().find((c) => c.name === 'p2p')?.value;
    if (peerId === undefined) continue;
    await libp2p.peerStore
      .merge(libp2pParts.peerIdFromString(peerId), {
        tags: { 'medgate-peer': { value: 100 } },
        multiaddrs: [address],
      })
      .catch(() => {});
  }
  let stopped = false;
  // A peer that stays down is logged once, when it goes down, not at every redial.
  const down = new Set<string>();
  const dialAll = () => {
    if (stopped) return;
    const connected = new Set(libp2p.getConnections().map((c) => c.remotePeer.toString()));
    for (const address of peers) {
      const text = address.toString();
      const peerId = address.getComponents().find((c) => c.name === 'p2p')?.value;
      if (peerId !== undefined && connected.has(peerId)) continue;
      libp2p.dial(address, { signal: AbortSignal.timeout(10_000) }).then(
        () => {
          if (down.delete(text)) components.log('info', `ipfs: connected to ${text}`);
        },
        (err: Error) => {
          if (stopped || down.has(text)) return;
          down.add(text);
          components.log(
            'warn',
            `ipfs: dialling ${text} failed (retried every ${options.redialMs / 1000} s): ${err.message}`,
          );
        },
      );
    }
  };
  dialAll();
  const redial = setInterval(dialAll, options.redialMs);
  redial.unref();

  const self = libp2p.peerId.toString();
  return {
    peerId: () => self,
    multiaddrs: () =>
      libp2p.getMultiaddrs().map((ma) => {
        const text = ma.toString();
        return text.endsWith(`/p2p/${self}`) ? text : `${text}/p2p/${self}`;
      }),
    fetch(cid, { signal, into }) {
      // helia's blockstore looks locally, then asks the block brokers (bitswap); what a peer sends is hashed
      // and checked against the CID before it is stored (with these options) or returned.
      const options: PutOptions = into === undefined ? { signal } : { signal, into };
      return bytesOf(helia.blockstore.get(cid, options));
    },
    connections: () => libp2p.getConnections().length,
    async dial(address) {
      await libp2p.dial(multiaddrs.multiaddr(address), { signal: AbortSignal.timeout(10_000) });
    },
    async stop() {
      stopped = true;
      clearInterval(redial);
      await helia.stop();
    },
  };
}

async function loadLibp2pParts() {
  const [{ tcp }, { noise }, { yamux }, { identify }, { generateKeyPairFromSeed }, { peerIdFromString }] =
    await Promise.all([
      import('@libp2p/tcp'),
      import('@chainsafe/libp2p-noise'),
      import('@chainsafe/libp2p-yamux'),
      import('@libp2p/identify'),
      import('@libp2p/crypto/keys'),
      import('@libp2p/peer-id'),
    ]);
  return { tcp, noise, yamux, identify, generateKeyPairFromSeed, peerIdFromString };
}

/** The PeerId a peer key seed gives (for configuring the members' `ipfs.network.peers` ahead of a start). */
export async function peerIdOfSeed(seed: Uint8Array): Promise<string> {
  const [{ generateKeyPairFromSeed }, { peerIdFromPrivateKey }] = await Promise.all([
    import('@libp2p/crypto/keys'),
    import('@libp2p/peer-id'),
  ]);
  return peerIdFromPrivateKey(await generateKeyPairFromSeed('Ed25519', seed)).toString();
}
