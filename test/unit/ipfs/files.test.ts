/** The chunked encryption of files: chunks cannot be reordered, moved between files, dropped or cut off. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, test } from 'node:test';
import { unixfs } from '@helia/unixfs';
import { LevelBlockstore } from 'blockstore-level';
import { CID } from 'multiformats/cid';
import { createFileStore, FILE_CHUNK_BYTES, type FileRecord } from '../../../src/ipfs/files.ts';
import { tempDir } from '../../helpers/gateway.ts';

const dir = tempDir('medgate-files-');
const blockstore = new LevelBlockstore(dir.path);
await blockstore.open();
after(async () => {
  await blockstore.close();
  dir.remove();
});
const records = new Map<string, FileRecord>();
const store = createFileStore({
  blockstore,
  index: { get: async (id) => records.get(id), put: async (id, r) => void records.set(id, r) },
  keys: { batch: new Map([['k1', new Uint8Array(32).fill(9)]]), currentBatchKeyId: 'k1' },
  clock: () => 0,
});
const fs = unixfs({ blockstore });
const BOX = FILE_CHUNK_BYTES + 40;

async function collect(it: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const out: Uint8Array[] = [];
  for await (const c of it) out.push(c);
  return Buffer.concat(out);
}

async function* once(bytes: Uint8Array) {
  yield bytes;
}

/** The file's boxes as stored. */
async function boxes(record: FileRecord): Promise<Buffer[]> {
  const all = await collect(fs.cat(CID.parse(record.cid)));
  const out: Buffer[] = [];
  for (let i = 0; i < all.length; i += BOX) out.push(all.subarray(i, i + BOX));
  return out;
}

async function rewritten(
  record: FileRecord,
  list: Buffer[],
  changes: Partial<FileRecord> = {},
): Promise<FileRecord> {
  const cid = await fs.addByteStream(once(Buffer.concat(list)), { rawLeaves: true });
  return { ...record, cid: cid.toString(), ...changes };
}

const plain = new Uint8Array(randomBytes(FILE_CHUNK_BYTES * 3 + 100));
const file = await store.add(once(plain), {
  patientId: 'P-1',
  contentType: 'application/pdf',
  maxBytes: 1 << 30,
});

test('a file reads back whole and by ranges, on and across chunk edges', async () => {
  assert.deepEqual(await collect(store.read(file, 0, plain.length - 1)), Buffer.from(plain));
  for (const [a, b] of [
    [0, 0],
    [FILE_CHUNK_BYTES - 1, FILE_CHUNK_BYTES],
    [FILE_CHUNK_BYTES * 3, plain.length - 1],
    [10, FILE_CHUNK_BYTES * 2 + 5],
  ] as const)
    assert.deepEqual(await collect(store.read(file, a, b)), Buffer.from(plain.subarray(a, b + 1)));
});

test('chunks swapped do not decrypt', async () => {
  const [b0, b1, b2, b3] = await boxes(file);
  const swapped = await rewritten(file, [b1!, b0!, b2!, b3!]);
  await assert.rejects(collect(store.read(swapped, 0, plain.length - 1)));
});

test('the last chunk dropped does not decrypt, whatever size is claimed', async () => {
  const [b0, b1, b2] = await boxes(file);
  const cut = await rewritten(file, [b0!, b1!, b2!], { size: FILE_CHUNK_BYTES * 3 });
  await assert.rejects(collect(store.read(cut, 0, cut.size - 1)));
});

test('a chunk from another file does not decrypt', async () => {
  const other = await store.add(once(new Uint8Array(FILE_CHUNK_BYTES * 2)), {
    patientId: 'P-1',
    contentType: 'application/pdf',
    maxBytes: 1 << 30,
  });
  const [o0] = await boxes(other);
  const [, b1, b2, b3] = await boxes(file);
  const mixed = await rewritten(file, [o0!, b1!, b2!, b3!]);
  await assert.rejects(collect(store.read(mixed, 0, 10)));
});

test('an empty file is one empty final chunk', async () => {
  const empty = await store.add(once(new Uint8Array(0)), {
    patientId: 'P-1',
    contentType: 'text/plain',
    maxBytes: 10,
  });
  assert.equal(empty.size, 0);
  assert.equal((await collect(store.read(empty, 0, -1))).length, 0);
});
