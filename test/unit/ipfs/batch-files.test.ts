/**
 * Batch files (docs/ipfs.md, "Batch files"): a window's blocks in one CARv1 file that an outside CAR reader
 * opens, found again through the locations `finish` returns; the blockstore serves them beside the blocks
 * kept in LevelDB.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { CarReader } from '@ipld/car';
import * as dagCbor from '@ipld/dag-cbor';
import { CID } from 'multiformats/cid';
import * as raw from 'multiformats/codecs/raw';
import { sha256 } from 'multiformats/hashes/sha2';
import { batchFileName, blockKey, createBatchFile, readBlock } from '../../../src/ipfs/batch-files.ts';
import { createIpfs } from '../../../src/ipfs/node.ts';
import { openDb, sublevels } from '../../../src/store/index.ts';
import { tempDir } from '../../helpers/gateway.ts';

const dir = tempDir('medgate-batch-files-');
after(() => dir.remove());
const START = Date.UTC(2026, 10, 27, 19, 42, 10);

async function writeWindow(batchesDir: string, pages: readonly Uint8Array[]) {
  const file = await createBatchFile(batchesDir, batchFileName(START));
  const cids: CID[] = [];
  for (const page of pages) cids.push(await file.put(page, raw.code));
  const root = await file.putCbor({ pages: cids });
  const located = await file.finish(root);
  return { root, cids, located };
}

test('a window is one CAR file named by its start: an outside reader finds the root and every block', async () => {
  const batches = join(dir.path, 'car');
  const pages = [randomBytes(300_000), randomBytes(17), randomBytes(70_000)];
  const { root, cids, located } = await writeWindow(batches, pages);
  const path = join(batches, '2026-11-27', '19-42-10.000.car');
  assert.equal(join(batches, batchFileName(START)), path);
  assert.equal(statSync(path).mode & 0o777, 0o600);
  const car = await CarReader.fromBytes(readFileSync(path));
  assert.deepEqual((await car.getRoots()).map(String), [root.toString()]);
  const inFile: string[] = [];
  for await (const { cid, bytes } of car.blocks()) {
    assert.deepEqual((await sha256.digest(bytes)).bytes, cid.multihash.bytes, `${cid} matches its bytes`);
    inFile.push(cid.toString());
  }
  assert.deepEqual(inFile, [...cids, root].map(String));
  for (const [i, cid] of cids.entries()) {
    const at = located.get(blockKey(cid));
    assert.ok(at, `${cid} is located`);
    assert.deepEqual(await readBlock(batches, at), pages[i]);
  }
  const rootBytes = await readBlock(batches, located.get(blockKey(root))!);
  assert.deepEqual(dagCbor.decode(rootBytes), { pages: cids });
});

test('a file left by a window that failed is written over; an aborted window leaves no file', async () => {
  const batches = join(dir.path, 'over');
  const path = join(batches, batchFileName(START));
  await mkdir(dirname(path), { recursive: true });
  writeFileSync(path, randomBytes(1_000_000)); // longer than what follows: nothing of it may stay
  const { root } = await writeWindow(batches, [randomBytes(5_000)]);
  const car = await CarReader.fromBytes(readFileSync(path));
  assert.deepEqual((await car.getRoots()).map(String), [root.toString()]);
  assert.equal((await Array.fromAsync(car.blocks())).length, 2);

  const failed = await createBatchFile(batches, batchFileName(START));
  await failed.put(randomBytes(100), raw.code);
  await failed.abort();
  assert.equal(existsSync(path), false);
});

test('a batch file cut short or gone is a storage error, never other bytes', async () => {
  const batches = join(dir.path, 'damaged');
  const { root, located } = await writeWindow(batches, [randomBytes(2_000)]);
  const path = join(batches, batchFileName(START));
  const at = located.get(blockKey(root))!;
  truncateSync(path, at.offset + at.length - 1);
  await assert.rejects(readBlock(batches, at), { code: 'ERR_STORE', message: /is cut short/ });
  rmSync(path);
  await assert.rejects(readBlock(batches, at), { code: 'ERR_STORE', message: /cannot be read \(ENOENT\)/ });
});

test('the blockstore serves blocks from batch files and from LevelDB, and lists both', async () => {
  const db = openDb(join(dir.path, 'store'));
  await db.open();
  try {
    const subs = sublevels(db);
    const ipfs = await createIpfs({ subs, batchesDir: join(dir.path, 'batches') });
    const { root, cids, located } = await writeWindow(join(dir.path, 'batches'), [randomBytes(1_000)]);
    // Until the sealer writes the locations with the window's record, no block of the file is found.
    assert.equal(await ipfs.has(root), false);
    await db.batch(
      [...located].map(([key, value]) => ({ type: 'put', sublevel: subs.batchBlocks, key, value })) as never,
    );
    // A file's block: written through the blockstore, as UnixFS writes them.
    const bytes = randomBytes(64);
    const elsewhere = CID.createV1(raw.code, await sha256.digest(bytes));
    await ipfs.blockstore.put(elsewhere, bytes);
    for (const cid of [root, ...cids, elsewhere]) {
      assert.equal(await ipfs.has(cid), true, `${cid}`);
      assert.deepEqual((await sha256.digest(await ipfs.get(cid))).bytes, cid.multihash.bytes);
    }
    const listed = new Set<string>();
    for await (const cid of ipfs.cids()) listed.add(Buffer.from(cid.multihash.bytes).toString('hex'));
    for (const cid of [root, ...cids, elsewhere])
      assert.ok(listed.has(Buffer.from(cid.multihash.bytes).toString('hex')), `${cid} listed`);
    const missing = CID.createV1(raw.code, await sha256.digest(randomBytes(8)));
    assert.equal(await ipfs.has(missing), false);
    await assert.rejects(ipfs.get(missing), { name: 'NotFoundError' });
  } finally {
    await db.close();
  }
});

test('blocks replicated into a file of their own: written as they come, many at once, held once kept', async () => {
  const db = openDb(join(dir.path, 'replica-store'));
  await db.open();
  try {
    const subs = sublevels(db);
    const batchesDir = join(dir.path, 'replica-batches');
    const now = Date.UTC(2026, 10, 27, 23, 30);
    const ipfs = await createIpfs({ subs, batchesDir, clock: () => now });
    const pages = Array.from({ length: 40 }, (_, i) => randomBytes(1_000 + i * 997));
    const cids = await Promise.all(pages.map(async (p) => CID.createV1(raw.code, await sha256.digest(p))));
    const rootBytes = dagCbor.encode({ pages: cids });
    const root = CID.createV1(dagCbor.code, await sha256.digest(rootBytes));

    const replica = await ipfs.replicaFile(root);
    // As helia stores what it fetched: put with the options of the fetch, up to 16 blocks at once and more.
    await Promise.all([
      ipfs.blockstore.put(root, rootBytes, { into: replica.file }),
      ...pages.map((p, i) => ipfs.blockstore.put(cids[i]!, p, { into: replica.file })),
      ipfs.blockstore.put(cids[3]!, pages[3]!, { into: replica.file }),
    ]);
    // Not in LevelDB, where a put without `into` goes, nor indexed yet.
    assert.equal(await ipfs.has(root), false, 'not held before it is kept');
    await replica.keep();

    const path = join(batchesDir, 'replicated', '2026-11-27', `${root}-${now}.car`);
    const car = await CarReader.fromBytes(readFileSync(path));
    assert.deepEqual((await car.getRoots()).map(String), [root.toString()]);
    const inFile = new Map<string, Uint8Array>();
    for await (const block of car.blocks()) inFile.set(block.cid.toString(), block.bytes);
    assert.equal(inFile.size, 41, 'every block once');
    for (const [i, cid] of cids.entries()) {
      assert.deepEqual(inFile.get(cid.toString()), pages[i]);
      assert.deepEqual(await ipfs.get(cid), pages[i]);
    }
    assert.deepEqual(Buffer.from(await ipfs.get(root)), Buffer.from(rootBytes));

    // An attempt that gets no block makes no file (a batch no peer has yet is tried again and again).
    const nothing = await ipfs.replicaFile(cids[0]!);
    const nothingPath = join(batchesDir, 'replicated', '2026-11-27', `${cids[0]}-${now}.car`);
    assert.equal(existsSync(nothingPath), false, 'no file before its first block');
    await nothing.keep();
    assert.equal(existsSync(nothingPath), false);
  } finally {
    await db.close();
  }
});
