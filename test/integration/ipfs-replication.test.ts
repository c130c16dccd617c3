/**
 * Replication across the consortium (docs/ipfs.md) with three member gateways as child processes, real
 * libp2p on loopback: each member holds the others' batches, fetched over bitswap; a member whose data dir
 * is deleted starts again with its keys and gets its own batches back from the others.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { CarReader } from '@ipld/car';
import { sha256 } from 'multiformats/hashes/sha2';
import { peerIdOfSeed } from '../../src/ipfs/network.ts';
import { tempDir } from '../helpers/gateway.ts';
import { freePort } from '../helpers/process.ts';
import {
  ADMIN_TOKEN,
  api,
  createNetwork,
  firstReading,
  type Member,
  type Network,
  sendReading,
  until,
} from './ledger-network.ts';

const dir = tempDir('medgate-replication-');
const names = ['a', 'b', 'c'];
let net: Network;
const configs = new Map<string, Record<string, unknown>>();

before(async () => {
  net = await createNetwork(dir.path, names);
  const nodes = new Map<string, string>();
  for (const name of names) {
    const keysDir = join(dir.path, `${name}-keys`);
    mkdirSync(keysDir, { recursive: true, mode: 0o700 });
    const seed = new Uint8Array(32).fill(names.indexOf(name) + 1);
    writeFileSync(join(keysDir, 'ipfs-peer.key'), `${Buffer.from(seed).toString('hex')}\n`, { mode: 0o600 });
    nodes.set(name, `/ip4/127.0.0.1/tcp/${await freePort()}/p2p/${await peerIdOfSeed(seed)}`);
  }
  for (const name of names) {
    const address = nodes.get(name)!;
    configs.set(name, {
      keys: { signingKeyFile: join(dir.path, `${name}.key`), dir: join(dir.path, `${name}-keys`) },
      anchoring: { enabled: true, intervalSeconds: 2, workers: 1 },
      ipfs: {
        network: {
          enabled: true,
          listen: [address.replace(/\/p2p\/.*$/, '')],
          peers: names.filter((n) => n !== name).map((n) => nodes.get(n)!),
          redialSeconds: 1,
        },
        replication: {
          intervalSeconds: 0.5,
          retryInitialSeconds: 0.2,
          retryMaxSeconds: 1,
          blockTimeoutSeconds: 5,
        },
      },
    });
  }
  await Promise.all(names.map((n) => net.start(n, { config: configs.get(n)! })));
});

after(async () => {
  await net?.stopAll();
  dir.remove();
});

/** The batch CIDs of a member's sealed windows. */
async function batchesOf(m: Member): Promise<string[]> {
  const res = await api(m, 'GET', '/v1/minutes?limit=1000');
  assert.equal(res.status, 200);
  return res.body.minutes.map((w: { batchCid: string }) => w.batchCid);
}

/** A batch as CAR from a member's trustless gateway: every block matches its CID. */
async function wholeBatch(m: Member, cid: string): Promise<number | null> {
  const res = await fetch(`${m.url}/ipfs/${cid}?format=car`, {
    headers: { authorization: `Bearer ${net.peerToken}` },
  });
  if (res.status === 404) return null;
  assert.equal(res.status, 200);
  const car = await CarReader.fromBytes(new Uint8Array(await res.arrayBuffer()));
  let blocks = 0;
  for await (const { cid: blockCid, bytes } of car.blocks()) {
    assert.deepEqual((await sha256.digest(bytes)).bytes, blockCid.multihash.bytes);
    blocks += 1;
  }
  return blocks;
}

const equalBytes = (a: Uint8Array, b: Uint8Array) => Buffer.compare(a, b) === 0;

/**
 * The batches in a member's replica files (docs/ipfs.md, "Replication"): each file's root with how many of
 * the file's blocks hash to their CIDs, read from disk with an outside CAR reader.
 */
async function replicaFiles(m: Member): Promise<Map<string, number>> {
  const dirPath = join(m.dataDir, 'batches', 'replicated');
  const roots = new Map<string, number>();
  if (!existsSync(dirPath)) return roots;
  for (const name of readdirSync(dirPath, { recursive: true, encoding: 'utf8' })) {
    if (!name.endsWith('.car')) continue;
    // An attempt under way has a file still being written (or one that goes if it gets no block): a file
    // that does not read whole, every block matching its CID, counts for no batch.
    try {
      const car = await CarReader.fromBytes(readFileSync(join(dirPath, name)));
      let blocks = 0;
      for await (const { cid, bytes } of car.blocks()) {
        if (!equalBytes((await sha256.digest(bytes)).bytes, cid.multihash.bytes))
          throw new Error('a bad block');
        blocks += 1;
      }
      for (const root of await car.getRoots())
        roots.set(root.toString(), (roots.get(root.toString()) ?? 0) + blocks);
    } catch {}
  }
  return roots;
}

/** Every gateway's anchored batches held whole on this member, none missing. */
async function allHeld(m: Member, gateways: number) {
  const res = await api(m, 'GET', '/v1/ipfs/pins');
  if (res.status !== 200) return null;
  const rows = res.body.gateways as { gatewayId: string; anchored: number; held: number; missing: number }[];
  return rows.length === gateways &&
    rows.every((r) => r.anchored > 0 && r.missing === 0 && r.held === r.anchored)
    ? rows
    : null;
}

test('every member holds the others’ batches; a member whose data dir is lost gets its own back', {
  timeout: 300_000,
}, async () => {
  await Promise.all(net.members.map((m) => sendReading(m, `P-${m.name}`)));
  // A file stored on b travels with b's batch: its UnixFS DAG is linked from the batch root.
  const stored = await fetch(`${net.member('b').url}/v1/files?patientId=P-b`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/pdf' },
    body: new Uint8Array(3 * 1024 * 1024).fill(42),
  });
  assert.equal(stored.status, 201);
  const file = (await stored.json()) as { cid: string };
  for (const m of net.members)
    await until(`${m.name} holds every member's batches`, () => allHeld(m, 3), 60_000);
  const own = new Map<string, string[]>();
  for (const m of net.members) own.set(m.name, await batchesOf(m));
  // a holds b's and c's batches, whole: fetched from them, not written by its own sealer.
  for (const other of ['b', 'c']) {
    assert.ok(own.get(other)!.length > 0);
    // Windows sealed after the check above are held once anchored.
    for (const cid of own.get(other)!) await until(`a holds ${cid}`, () => wholeBatch(net.member('a'), cid));
  }
  // Written to files of their own as they were fetched, not to a's LevelDB: a replica file per batch
  // (or more, when an attempt kept part of it), named in its header.
  const replicas = await replicaFiles(net.member('a'));
  for (const other of ['b', 'c'])
    for (const cid of own.get(other)!)
      assert.ok((replicas.get(cid) ?? 0) > 0, `a has a replica file of ${other}'s batch ${cid}`);

  // While replication is under way a CAR of the file holds the blocks fetched so far: wait for them all.
  assert.ok(
    (await until('a holds b’s file', async () => {
      const blocks = await wholeBatch(net.member('a'), file.cid);
      return blocks !== null && blocks >= 4 ? blocks : null;
    })) >= 4,
    'root and leaves',
  );

  const c = net.member('c');
  // A proof c gave before its disk was lost, once its record is anchored in a final block: a block that is
  // not final yet may still lose a race, and then no chain, c's restored one included, holds it.
  const reading = await until('c’s reading anchored', async () => {
    const r = await firstReading(c, 'P-c');
    return r?.proof.status === 'anchored' ? r : null;
  });
  const proof = await until(
    'c’s reading in a final block',
    async () => {
      // The head first: finality never goes back, so a proof read after it whose block is at or below the
      // final height is in the final chain. Read the other way round, a proof can name a block a
      // reorganisation replaces before the head is read.
      const head = (await api(c, 'GET', '/v1/ledger/head')).body;
      const p = (await api(c, 'GET', `/v1/readings/${reading.id}/proof`)).body;
      return p.anchor && head.final && head.final.height >= p.anchor.height ? p : null;
    },
    60_000,
  );
  await net.stop('c');
  rmSync(c.dataDir, { recursive: true, force: true });
  mkdirSync(c.dataDir, { recursive: true, mode: 0o700 });
  await net.start('c', { config: configs.get('c')! });
  // Every batch of c that a held before c's disk was lost comes back to c, whole.
  for (const cid of own.get('c')!)
    await until(`c serves its batch ${cid} again`, () => wholeBatch(c, cid), 60_000);
  // Its sealed windows' records come back from the batches: /v1/minutes lists them again, signed as before.
  const minutes = await until('c lists its windows again', async () => {
    const listed = await batchesOf(c);
    return own.get('c')!.every((cid) => listed.includes(cid)) ? listed : null;
  });
  assert.ok(minutes.length >= own.get('c')!.length);
  // That proof still verifies on c: its signed record, its inclusion, its anchor in c's chain again.
  // c restarts knowing no final block: until it has pulled the others' attestations and followed their final
  // chain, its main chain may be one of its own, without the proof's block.
  let failing: unknown = null;
  const verdict = await until(
    'c verifies its earlier proof',
    async () => {
      const v = await api(c, 'POST', '/v1/proofs/verify', proof);
      failing = v.body.checks?.filter((check: { ok: boolean }) => !check.ok);
      return v.body.valid ? v.body : null;
    },
    120_000,
  ).catch((err: Error) => {
    throw new Error(`${err.message}; failing checks: ${JSON.stringify(failing)}`);
  });
  assert.equal(verdict.valid, true);
  const pins = await api(c, 'GET', '/v1/ipfs/pins');
  const row = pins.body.gateways.find((r: { gatewayId: string }) => r.gatewayId === c.gatewayId);
  assert.ok(row.held >= own.get('c')!.length, JSON.stringify(row));
});
