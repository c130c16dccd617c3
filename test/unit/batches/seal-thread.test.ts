import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { LeafPages } from '../../../src/batches/leaf-pages.ts';
import { type PageParams, pageAad, type SealedPage } from '../../../src/batches/page-builder.ts';
import { inThreadEngine, type SealEngine } from '../../../src/batches/seal-session.ts';
import { threadEngine } from '../../../src/batches/seal-thread.ts';
import { decrypt } from '../../../src/crypto/aead.ts';
import { createMasker, DEFAULT_MASKING_RULES } from '../../../src/masking/index.ts';
import { type AccessEntry, encodeStoredReading, type StoredReading } from '../../../src/store/index.ts';

const pseudonymKey = new Uint8Array(randomBytes(32));
const params: PageParams = {
  gatewayId: 'gw-t',
  minute: '2026-11-24T10:00:00.000Z',
  key: new Uint8Array(randomBytes(32)),
  pageLeaves: 7,
};

/** Stored readings as the ingest log writes them, with a few unusual values. */
const texts = Array.from({ length: 53 }, (_, i) =>
  encodeStoredReading({
    id: i.toString(16).padStart(16, '0'),
    deviceId: `w-${i % 5}`,
    kind: i % 3 === 0 ? 'delivery' : 'vitals',
    seq: i,
    ts: 1795524000000 + i,
    receivedAt: 1795524000100 + i,
    data: {
      patientId: `P-${i % 4}`,
      vitals: { heartRate: 60 + i, spo2: 97.5, list: [1, -2, 3.25, null, true] },
      notes: i % 2 ? 'café, ring twice' : 'x',
      position: { lat: 22.572645 + i / 1000, lon: 88.363892, altM: 3 },
      recipient: { name: 'Rina Sen', phone: '+91 98300 12345' },
      '10': 'integer-like key',
    },
  } as unknown as StoredReading),
);
const access: AccessEntry[] = [0, 1, 2].map((i) => ({
  id: String(i).padStart(16, '0'),
  at: 1795524001000 + i,
  actor: 'clinician-1a2b3c4d',
  role: 'clinician',
  action: 'readings.list',
  patientId: i === 1 ? null : 'P-1',
  resource: '/v1/patients/P-1/readings?limit=100',
  count: 100,
}));

async function seal(engine: SealEngine) {
  const session = engine.begin(params);
  const pages: SealedPage[] = [];
  for (const chunk of [texts.slice(0, 10), texts.slice(10, 11), texts.slice(11)])
    pages.push(...(await session.readings(chunk)));
  pages.push(...(await session.access(access)));
  const last = await session.finish();
  pages.push(...last.pages);
  return { pages, root: last.root, count: last.count };
}

/** The page as it can be compared: the encrypted block decrypted (its nonce is random). */
function comparable(p: SealedPage) {
  const plain = decrypt(params.key, p.sealed, pageAad(params, p.first));
  return { ...p, sealed: Buffer.from(plain).toString('utf8') };
}

test('the worker thread and the in-thread function give the same pages, hashes and root', async () => {
  const worker = threadEngine({ rules: DEFAULT_MASKING_RULES, pseudonymKey });
  try {
    const threaded = await seal(worker);
    assert.equal(threaded.count, texts.length + access.length);
    assert.equal(threaded.pages.length, Math.ceil(threaded.count / params.pageLeaves));
    // Replay the salts the worker drew.
    const salts = Buffer.concat(threaded.pages.map((p) => p.salts));
    let at = 0;
    const replay = () => {
      at += 16;
      return new Uint8Array(salts.subarray(at - 16, at));
    };
    const masker = createMasker(DEFAULT_MASKING_RULES, pseudonymKey);
    const direct = new LeafPages(params, masker, replay);
    const pages = [
      ...direct.readings(texts.slice(0, 30)),
      ...direct.readings(texts.slice(30)),
      ...direct.access(access),
    ];
    const last = direct.finish();
    pages.push(...last.pages);
    assert.deepEqual(last.root, threaded.root);
    assert.equal(last.count, threaded.count);
    assert.deepEqual(pages.map(comparable), threaded.pages.map(comparable));

    at = 0;
    const inThread = await seal(inThreadEngine(masker, replay));
    assert.deepEqual(inThread.root, threaded.root);
    assert.deepEqual(inThread.pages.map(comparable), threaded.pages.map(comparable));
  } finally {
    await worker.stop();
  }
});

test('an error in the worker rejects the window; the next window seals', async () => {
  const worker = threadEngine({ rules: DEFAULT_MASKING_RULES, pseudonymKey });
  try {
    const bad = worker.begin(params);
    const rejected = bad.access([{ ...access[0]!, actor: 'x\ud800' }]);
    const after = bad.finish();
    await assert.rejects(rejected, /seal worker/);
    await assert.rejects(after, /no window/);
    const good = await seal(worker);
    assert.equal(good.count, texts.length + access.length);
  } finally {
    await worker.stop();
  }
});

test('a reading that cannot become a leaf is left out and reported; the others seal', async () => {
  const worker = threadEngine({ rules: DEFAULT_MASKING_RULES, pseudonymKey });
  try {
    const session = worker.begin(params);
    const lone = texts[1]!.replace('"data":{', '"data":{"note":"\\ud800",');
    const pages = await session.readings([texts[0]!, '{not json', lone, texts[2]!]);
    const last = await session.finish();
    assert.equal(last.count, 2);
    assert.equal(pages.length + last.pages.length, 1);
    assert.deepEqual(
      last.unsealable.map((u) => [u.id, u.raw]),
      [
        ['', '{not json'],
        [JSON.parse(texts[1]!).id, lone],
      ],
    );
    assert.equal(last.unsealable[1]!.patientId, 'P-1');
    assert.match(last.unsealable[1]!.reason, /surrogate/i);
  } finally {
    await worker.stop();
  }
});

test('the sealing thread runs at nice 10, below the event loop', {
  skip: !existsSync('/proc/self/task'),
}, async () => {
  const worker = threadEngine({ rules: DEFAULT_MASKING_RULES, pseudonymKey });
  try {
    const session = worker.begin(params);
    await session.readings(texts.slice(0, 3));
    const nices = new Map<string, number[]>();
    for (const tid of readdirSync('/proc/self/task')) {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      // Field 19 of stat is the nice value.
      const nice = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
      nices.set(name, [...(nices.get(name) ?? []), nice]);
    }
    assert.deepEqual(nices.get('WorkerThread'), [10]);
    assert.deepEqual(nices.get('MainThread') ?? nices.get('node'), [0]);
  } finally {
    await worker.stop();
  }
});
