/**
 * The IPFS network node (docs/ipfs.md) with real libp2p on loopback: a separate helia node dials the
 * gateway and fetches every block of a sealed batch by CID over bitswap; the PeerId survives a restart;
 * with the network off no libp2p port is open.
 */
import assert from 'node:assert/strict';
import { connect, createServer } from 'node:net';
import { after, before, describe, test } from 'node:test';
import * as dagCbor from '@ipld/dag-cbor';
import { CID } from 'multiformats/cid';
import { sha256 } from 'multiformats/hashes/sha2';
import { recoverWindow } from '../../src/ipfs/recovery.ts';
import { connectDevice, startTestGateway, type TestGateway, tempDir } from '../helpers/gateway.ts';
import { linksOf, startTestPeer } from '../helpers/ipfs-peer.ts';

const T0 = Date.parse('2026-11-24T10:00:05.000Z');
const network = { network: { enabled: true, listen: ['/ip4/127.0.0.1/tcp/0'] } };

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

describe('the IPFS network node', () => {
  const dir = tempDir('medgate-ipfs-');
  let now = T0;
  let t: TestGateway;
  let batchCid: string;

  before(async () => {
    t = await startTestGateway({ dataDir: dir.path, clock: () => now, overrides: { ipfs: network } });
    const secret = await t.provision('ipfs-w', 'wearable', 'P-IPFS-1');
    const w = await connectDevice(t.mqttUrl, { username: 'ipfs-w', password: secret, clientId: 'ipfs-w' });
    const readings = Array.from({ length: 40 }, (_, i) => ({
      seq: i,
      ts: now - 1000 + i,
      patientId: 'P-IPFS-1',
      vitals: { heartRate: 60 + i, spo2: 97 },
    }));
    await w.publishAsync('tele/ipfs-w/vitals', JSON.stringify(readings), { qos: 1 });
    w.end();
    now = T0 + 58_000;
    const [window] = await t.gateway.sealer.sealDue();
    batchCid = window!.record.batchCid;
  });
  after(async () => {
    await t.stop();
    dir.remove();
  });

  test('GET /v1/ipfs/node: the PeerId and multiaddrs ending in /p2p/{peerId}, for admin, not clinicians', async () => {
    const res = await t.api('GET', '/v1/ipfs/node');
    assert.equal(res.statusCode, 200);
    assert.match(res.body.peerId, /^12D3Koo/);
    assert.ok(res.body.multiaddrs.length > 0);
    for (const ma of res.body.multiaddrs) assert.ok(ma.endsWith(`/p2p/${res.body.peerId}`), ma);
    const clinician = (
      await t.api('POST', '/v1/tokens', { body: { role: 'clinician', patients: ['P-IPFS-1'] } })
    ).body.token;
    assert.equal(typeof clinician, 'string');
    assert.equal((await t.api('GET', '/v1/ipfs/node', { token: clinician })).statusCode, 403);
    assert.equal((await t.api('GET', '/v1/ipfs/node', { token: null })).statusCode, 401);
  });

  test('a separate helia node dials the gateway and fetches every block of a sealed batch by CID', async () => {
    const node = (await t.api('GET', '/v1/ipfs/node')).body;
    const peer = await startTestPeer();
    try {
      await peer.dial(node.multiaddrs[0]);
      const queue = [CID.parse(batchCid)];
      const seen = new Set<string>();
      while (queue.length > 0) {
        const cid = queue.shift()!;
        if (seen.has(cid.toString())) continue;
        seen.add(cid.toString());
        const bytes = await peer.get(cid);
        assert.deepEqual(
          (await sha256.digest(bytes)).bytes,
          cid.multihash.bytes,
          `block ${cid} matches its CID`,
        );
        assert.deepEqual(bytes, await t.gateway.ipfs.get(cid));
        if (cid.code === dagCbor.code) queue.push(...linksOf(dagCbor.decode(bytes)));
      }
      assert.ok(seen.size >= 2, `the root and its pages (${seen.size} blocks)`);
    } finally {
      await peer.stop();
    }
  });

  test('a window is rebuilt from its batch, and only when the batch matches its signed record', async () => {
    const [window] = await t.gateway.windows.between('0', '9', 1);
    const parts = { ipfs: t.gateway.ipfs, batchKeys: t.gateway.keys.batch, clock: () => 1 };
    const recovered = await recoverWindow(window!.record, parts);
    assert.deepEqual({ ...recovered!.window, sealedAt: window!.sealedAt }, window);
    assert.equal(recovered!.leafHashes.length, window!.record.count * 32);
    const forged = { ...window!.record, root: 'ab'.repeat(32) };
    assert.equal(await recoverWindow(forged, parts), null);
    assert.equal(await recoverWindow(window!.record, { ...parts, batchKeys: new Map() }), null);
  });

  test('the PeerId survives a restart', async () => {
    const before = (await t.api('GET', '/v1/ipfs/node')).body.peerId;
    await t.stop({ keepData: true });
    t = await startTestGateway({ dataDir: dir.path, clock: () => now, overrides: { ipfs: network } });
    assert.equal((await t.api('GET', '/v1/ipfs/node')).body.peerId, before);
  });
});

test('with the network off, no libp2p port is open and there is no node', async () => {
  const port = await freePort();
  const t = await startTestGateway({
    overrides: { ipfs: { network: { enabled: false, listen: [`/ip4/127.0.0.1/tcp/${port}`] } } },
  });
  try {
    assert.equal(t.gateway.ipfsNetwork(), null);
    assert.equal(await refused(port), true, `nothing listens on ${port}`);
    assert.equal((await t.api('GET', '/v1/ipfs/node')).statusCode, 404);
  } finally {
    await t.stop();
  }
  // The same configuration with the network on listens there: the check above can fail.
  const on = await startTestGateway({
    overrides: { ipfs: { network: { enabled: true, listen: [`/ip4/127.0.0.1/tcp/${port}`] } } },
  });
  try {
    assert.equal(await refused(port), false);
  } finally {
    await on.stop();
  }
});

test('strangers beyond ipfs.network.maxConnections are not kept', async () => {
  const t = await startTestGateway({
    overrides: { ipfs: { network: { enabled: true, listen: ['/ip4/127.0.0.1/tcp/0'], maxConnections: 2 } } },
  });
  const peers = await Promise.all([1, 2, 3, 4].map(() => startTestPeer()));
  try {
    const address = t.gateway.ipfsNetwork()!.multiaddrs()[0]!;
    await Promise.allSettled(peers.map((p) => p.dial(address)));
    const deadline = Date.now() + 10_000;
    while (t.gateway.ipfsNetwork()!.connections() > 2 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    assert.ok(
      t.gateway.ipfsNetwork()!.connections() <= 2,
      `${t.gateway.ipfsNetwork()!.connections()} connections`,
    );
  } finally {
    await Promise.all(peers.map((p) => p.stop()));
    await t.stop();
  }
});
