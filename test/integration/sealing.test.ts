/**
 * Sealing on a real gateway (docs/masking.md, docs/proofs.md) with a controlled clock: signed minute records, proofs that
 * verify, batches fetched as CAR from /ipfs checked with an independent CAR reader, encryption, masking.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, type TestContext, test } from 'node:test';
import { promisify } from 'node:util';
import { CarReader } from '@ipld/car';
import * as dagCbor from '@ipld/dag-cbor';
import { CID } from 'multiformats/cid';
import { sha256 } from 'multiformats/hashes/sha2';
import { pageAad } from '../../src/batches/batch-builder.ts';
import { leafData } from '../../src/batches/leaves.ts';
import { decrypt } from '../../src/crypto/aead.ts';
import { generateSigningKey } from '../../src/crypto/signing.ts';
import { verifyRecord } from '../../src/ledger/record.ts';
import { leafHash, verifyInclusion } from '../../src/merkle/index.ts';
import { canonicalBytes } from '../../src/model/canonical.ts';
import { openDb, sublevels } from '../../src/store/index.ts';
import { connectDevice, startTestGateway, type TestGateway, tempDir } from '../helpers/gateway.ts';

const run = promisify(execFile);
const T0 = Date.parse('2026-11-24T10:00:05.000Z');
const fromHex = (s: string) => new Uint8Array(Buffer.from(s, 'hex'));

const ids = {
  patient: 'P-SEAL-1',
  name: 'Rina Sen',
  phone: '+91 98300 12345',
  note: 'Flat 4B, ring twice',
};
const position = { lat: 22.572645, lon: 88.363892, altM: 3 };

interface Fixture {
  t: TestGateway;
  readonly dir: ReturnType<typeof tempDir>;
  readonly clinician: string;
  /** The gateway's clock: tests move it. */
  readonly clock: { now: number };
}

/**
 * Each test's own gateway, in its own data dir, stopped when the test ends: 25 vitals of a patient and a
 * delivery received in the window 10:00, and a clinician's read of them in the same window. With `sealed`,
 * the clock is moved past the window and its grace period and the window is sealed.
 */
async function fixture(ctx: TestContext, options: { sealed: boolean }): Promise<Fixture> {
  const dir = tempDir('medgate-seal-');
  const clock = { now: T0 };
  const t = await startTestGateway({
    dataDir: dir.path,
    clock: () => clock.now,
    overrides: { sealing: { graceSeconds: 2 } },
  });
  const f: Fixture = { t, dir, clinician: '', clock };
  ctx.after(async () => {
    await f.t.stop();
    dir.remove();
  });
  const wSecret = await t.provision('seal-w', 'wearable', ids.patient);
  const dSecret = await t.provision('seal-d', 'drone');
  const w = await connectDevice(t.mqttUrl, { username: 'seal-w', password: wSecret, clientId: 'seal-w' });
  const d = await connectDevice(t.mqttUrl, { username: 'seal-d', password: dSecret, clientId: 'seal-d' });
  const readings = Array.from({ length: 25 }, (_, i) => ({
    seq: i,
    ts: clock.now - 1000 + i,
    patientId: ids.patient,
    vitals: { heartRate: 60 + i, spo2: 97 },
  }));
  await w.publishAsync('tele/seal-w/vitals', JSON.stringify(readings), { qos: 1 });
  await d.publishAsync(
    'tele/seal-d/delivery',
    JSON.stringify({
      seq: 1,
      ts: clock.now,
      flightId: 'F-SEAL',
      event: 'delivered',
      patientId: ids.patient,
      recipient: { name: ids.name, phone: ids.phone },
      notes: ids.note,
      position,
    }),
    { qos: 1 },
  );
  w.end();
  d.end();
  const token = await t.api('POST', '/v1/tokens', { body: { role: 'clinician', patients: [ids.patient] } });
  const clinician = token.body.token as string;
  // A read of patient data in the same window: the access log is sealed with the readings.
  assert.equal(
    (await t.api('GET', `/v1/patients/${ids.patient}/readings`, { token: clinician })).statusCode,
    200,
  );
  if (options.sealed) {
    clock.now = T0 + 58_000; // 10:01:03: the window 10:00 and its 2 s of grace are over
    assert.equal((await t.gateway.sealer.sealDue()).length, 1);
  }
  return Object.assign(f, { clinician });
}

describe('sealing', () => {
  test('nothing is sealed before the window is over, plus the grace period', async (ctx) => {
    const f = await fixture(ctx, { sealed: false });
    const { t, clock } = f;
    clock.now = T0 + 56_000; // 10:01:01, window 10:00 ends at 10:01:00, grace 2 s
    assert.deepEqual(await t.gateway.sealer.sealDue(), []);
    const res = await t.api('GET', `/v1/patients/${ids.patient}/readings`);
    assert.equal(res.body.readings.length, 26, 'the 25 vitals and the delivery of the patient');
    assert.ok(res.body.readings.every((r: any) => r.proof.status === 'pending'));
  });

  test('a window over is sealed once into a signed record listed by /v1/minutes', async (ctx) => {
    const f = await fixture(ctx, { sealed: false });
    const { t, clinician, clock } = f;
    clock.now = T0 + 58_000; // 10:01:03
    const [sealed, again] = await Promise.all([t.gateway.sealer.sealDue(), t.gateway.sealer.sealDue()]);
    assert.equal(sealed.length, 1);
    assert.equal(again.length, 0, 'sealing the same window twice is impossible');
    const window = sealed[0]!;
    assert.equal(window.record.minute, '2026-11-24T10:00:00.000Z');
    assert.equal(window.readings, 26);
    assert.equal(window.access, 1);
    assert.equal(window.record.count, 27);
    assert.ok(verifyRecord(window.record, t.gateway.keys.signing.publicKey));
    const res = await t.api('GET', '/v1/minutes?from=2026-11-24T10:00:00Z', { token: clinician });
    assert.equal(res.statusCode, 200);
    assert.equal(res.body.minutes.length, 1);
    const { end: _e, readings: _r, access: _a, ...record } = res.body.minutes[0];
    assert.deepEqual(record, window.record);
    const readings = await t.api('GET', `/v1/patients/${ids.patient}/readings?limit=100`);
    assert.equal(readings.body.readings.length, 26);
    assert.ok(
      readings.body.readings.every(
        (r: any) => r.proof.status === 'sealed' && r.proof.batchCid === window.record.batchCid,
      ),
    );
  });

  test('a reading recomputed from (salt, reading) verifies against the signed root', async (ctx) => {
    const f = await fixture(ctx, { sealed: true });
    const { t, clinician } = f;
    const list = await t.api('GET', `/v1/patients/${ids.patient}/readings?limit=3`, { token: clinician });
    const proofRes = await t.api('GET', `/v1/readings/${list.body.readings[2].id}/proof`, {
      token: clinician,
    });
    assert.equal(proofRes.statusCode, 200);
    const proof = proofRes.body;
    assert.deepEqual(proof.reading.data, list.body.readings[2].data);
    // Independently of the gateway's verifier: leaf from salt and canonical JSON, then the path.
    const leaf = leafHash(
      leafData(new Uint8Array(Buffer.from(proof.salt, 'base64')), canonicalBytes(proof.reading)),
    );
    assert.equal(Buffer.from(leaf).toString('hex'), proof.leaf.hash);
    assert.ok(
      verifyInclusion(
        leaf,
        proof.leaf.index,
        proof.leaf.treeSize,
        proof.leaf.path.map(fromHex),
        fromHex(proof.record.root),
      ),
    );
    const verdict = await t.api('POST', '/v1/proofs/verify', { token: clinician, body: proof });
    assert.equal(verdict.body.valid, true, JSON.stringify(verdict.body.checks));
    assert.deepEqual(
      verdict.body.checks.map((c: any) => c.name),
      ['format', 'leaf', 'withheld-salt', 'inclusion', 'tree-size', 'record-signature', 'gateway-key'],
    );
    const tampered = structuredClone(proof);
    tampered.reading.data.vitals.heartRate += 1;
    const bad = await t.api('POST', '/v1/proofs/verify', { token: clinician, body: tampered });
    assert.equal(bad.body.valid, false);
    assert.deepEqual(
      bad.body.checks.filter((c: any) => !c.ok).map((c: any) => c.name),
      ['leaf'],
    );
  });

  test('`gateway verify` checks a proof offline and names the check each tampering breaks', async (ctx) => {
    const f = await fixture(ctx, { sealed: true });
    const { t, clinician, dir } = f;
    const list = await t.api('GET', `/v1/patients/${ids.patient}/readings?limit=5`, { token: clinician });
    const proof = (await t.api('GET', `/v1/readings/${list.body.readings[4].id}/proof`, { token: clinician }))
      .body;
    const key = `${proof.record.gatewayId}=${proof.gatewayKey}`;
    const verify = async (p: unknown, extra: string[] = []) => {
      const file = `${dir.path}/proof-${Math.random().toString(36).slice(2)}.json`;
      writeFileSync(file, JSON.stringify(p));
      return run(process.execPath, ['src/main.ts', 'verify', file, ...extra]).then(
        (r) => ({ code: 0, out: r.stdout }),
        (e: { code: number; stdout: string }) => ({ code: e.code, out: e.stdout }),
      );
    };
    const good = await verify(proof, ['--key', key]);
    assert.equal(good.code, 0, good.out);
    assert.match(good.out, /proof is valid/);
    const flip = (hex: string) => (hex[0] === '0' ? '1' : '0') + hex.slice(1);
    const cases: Array<[string, (p: any) => void]> = [
      [
        'leaf',
        (p) => {
          p.reading.data.vitals.spo2 = 99;
        },
      ],
      [
        'leaf',
        (p) => {
          p.salt = Buffer.alloc(16, 1).toString('base64');
        },
      ],
      [
        'inclusion',
        (p) => {
          p.leaf.path[0] = flip(p.leaf.path[0]);
        },
      ],
      [
        'inclusion',
        (p) => {
          p.leaf.index = (p.leaf.index + 1) % p.leaf.treeSize;
        },
      ],
      [
        'record-signature',
        (p) => {
          p.record.minute = '2026-11-24T09:59:00.000Z';
        },
      ],
      [
        'record-signature',
        (p) => {
          p.record.signature = flip(p.record.signature);
        },
      ],
      [
        'gateway-key',
        (p) => {
          p.gatewayKey = Buffer.from(generateSigningKey().publicKey).toString('hex');
        },
      ],
    ];
    for (const [check, tamper] of cases) {
      const bad = structuredClone(proof);
      tamper(bad);
      const result = await verify(bad, ['--key', key]);
      assert.equal(result.code, 1, `${check}: ${result.out}`);
      assert.match(result.out, new RegExp(`FAIL ${check}`), result.out);
    }
    const malformed = await verify({ format: 'nope' });
    assert.equal(malformed.code, 1);
    assert.match(malformed.out, /FAIL format/);
  });

  test('an auditor gets the proof without the reading; a clinician of another patient gets 403', async (ctx) => {
    const f = await fixture(ctx, { sealed: true });
    const { t } = f;
    const list = await t.api('GET', `/v1/patients/${ids.patient}/readings?limit=1`);
    const auditor = (await t.api('POST', '/v1/tokens', { body: { role: 'auditor' } })).body.token;
    const res = await t.api('GET', `/v1/readings/${list.body.readings[0].id}/proof`, { token: auditor });
    assert.equal(res.statusCode, 200);
    assert.equal(res.body.reading, null);
    assert.equal(res.body.salt, null);
    const verdict = await t.api('POST', '/v1/proofs/verify', { token: auditor, body: res.body });
    assert.equal(verdict.body.valid, true);
    const other = (await t.api('POST', '/v1/tokens', { body: { role: 'clinician', patients: ['P-OTHER'] } }))
      .body.token;
    assert.equal(
      (await t.api('GET', `/v1/readings/${list.body.readings[0].id}/proof`, { token: other })).statusCode,
      403,
    );
    assert.equal((await t.api('GET', '/v1/readings/zz/proof')).statusCode, 400);
    assert.equal((await t.api('GET', '/v1/readings/00000000000fffff/proof')).statusCode, 404);
  });

  test('the batch as CAR: every block matches its CID; the full readings decrypt with the key and not without', async (ctx) => {
    const f = await fixture(ctx, { sealed: true });
    const { t, clinician } = f;
    const [window] = await t.gateway.windows.between('0', '9', 1);
    const res = await t.gateway.api.inject({
      method: 'GET',
      url: `/ipfs/${window!.record.batchCid}`,
      headers: { authorization: `Bearer ${clinician}`, accept: 'application/vnd.ipld.car' },
    });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /application\/vnd\.ipld\.car/);
    const car = await CarReader.fromBytes(res.rawPayload);
    assert.deepEqual((await car.getRoots()).map(String), [window!.record.batchCid]);
    const blocks = new Map<string, Uint8Array>();
    for await (const { cid, bytes } of car.blocks()) {
      const digest = await sha256.digest(bytes);
      assert.deepEqual(digest.bytes, cid.multihash.bytes, `block ${cid} matches its bytes`);
      blocks.set(cid.toString(), bytes);
    }
    const root = dagCbor.decode(blocks.get(window!.record.batchCid)!) as any;
    assert.equal(root.count, 27);
    assert.equal(Buffer.from(root.root).toString('hex'), window!.record.root);
    assert.equal(root.pages.length, 1);
    const page = root.pages[0];
    const sealedBytes = blocks.get(CID.asCID(page.sealed)!.toString())!;
    const key = t.gateway.keys.batch.get(root.encryption.keyId)!;
    const aad = pageAad({ gatewayId: root.gatewayId, minute: root.minute }, page.first);
    const full = JSON.parse(Buffer.from(decrypt(key, sealedBytes, aad)).toString('utf8'));
    assert.equal(full.leaves.length, 27);
    // Every leaf recomputed from the decrypted batch gives the signed root.
    const { rootFromLeafHashes } = await import('../../src/merkle/index.ts');
    const hashes = full.leaves.map((l: any) =>
      leafHash(leafData(new Uint8Array(Buffer.from(l.salt, 'base64')), Buffer.from(l.leaf, 'utf8'))),
    );
    assert.equal(Buffer.from(rootFromLeafHashes(hashes)).toString('hex'), window!.record.root);
    assert.throws(() => decrypt(new Uint8Array(32).fill(1), sealedBytes, aad), 'a wrong key fails');
    assert.throws(
      () => decrypt(key, sealedBytes, pageAad({ gatewayId: 'x', minute: root.minute }, 0)),
      'moved page fails',
    );
    const raw = await t.gateway.api.inject({
      method: 'GET',
      url: `/ipfs/${window!.record.batchCid}?format=raw`,
      headers: { authorization: `Bearer ${clinician}` },
    });
    assert.equal(Buffer.compare(raw.rawPayload, Buffer.from(blocks.get(window!.record.batchCid)!)), 0);
  });

  test('the batch is one CAR file in the data dir, named by the window, and none of its blocks is in LevelDB', async (ctx) => {
    const f = await fixture(ctx, { sealed: true });
    const [window] = await f.t.gateway.windows.between('0', '9', 1);
    const path = join(f.dir.path, 'batches', '2026-11-24', '10-00-00.000.car');
    const car = await CarReader.fromBytes(readFileSync(path));
    assert.deepEqual((await car.getRoots()).map(String), [window!.record.batchCid]);
    const served = await f.t.gateway.api.inject({
      method: 'GET',
      url: `/ipfs/${window!.record.batchCid}`,
      headers: { authorization: `Bearer ${f.clinician}`, accept: 'application/vnd.ipld.car' },
    });
    const inDag = new Set<string>();
    for await (const { cid } of (await CarReader.fromBytes(served.rawPayload)).blocks())
      inDag.add(String(cid));
    const inFile = new Set<string>();
    for await (const { cid } of car.blocks()) inFile.add(String(cid));
    assert.deepEqual(inFile, inDag);
    // The root is the file's last block: a file cut short answers 500 ERR_STORE for it, not other bytes.
    truncateSync(path, statSync(path).size - 1);
    const cut = await f.t.gateway.api.inject({
      method: 'GET',
      url: `/ipfs/${window!.record.batchCid}?format=raw`,
      headers: { authorization: `Bearer ${f.clinician}` },
    });
    assert.equal(cut.statusCode, 500);
    assert.equal(cut.json().code, 'ERR_STORE');
    assert.match(cut.json().message, /cut short/);
    await f.t.stop();
    const db = openDb(join(f.dir.path, 'store'));
    await db.open();
    try {
      assert.deepEqual(await sublevels(db).blocks.keys().all(), []);
    } finally {
      await db.close();
    }
  });

  test('no block written to IPFS holds a patient id, name, phone, note or exact position in clear', async (ctx) => {
    const f = await fixture(ctx, { sealed: true });
    const { t } = f;
    const needles = [ids.patient, ids.name, ids.phone, ids.note, String(position.lat), String(position.lon)];
    let scanned = 0;
    for await (const cid of t.gateway.ipfs.cids()) {
      const text = Buffer.from(await t.gateway.ipfs.get(cid)).toString('latin1');
      for (const needle of needles)
        assert.equal(
          text.includes(needle),
          false,
          `${needle} in a block: ${text.slice(Math.max(0, text.indexOf(needle) - 200), text.indexOf(needle) + 50)}`,
        );
      scanned++;
    }
    assert.ok(scanned >= 3, `${scanned} blocks scanned`);
  });

  test('bad /ipfs and /v1/minutes requests get clear errors', async (ctx) => {
    const f = await fixture(ctx, { sealed: true });
    const { t } = f;
    assert.equal((await t.api('GET', '/ipfs/not-a-cid')).statusCode, 400);
    const unknown = CID.createV1(0x55, await sha256.digest(new Uint8Array([1, 2, 3])));
    assert.equal((await t.api('GET', `/ipfs/${unknown}`)).statusCode, 404);
    const patient = (
      await t.api('POST', '/v1/tokens', { body: { role: 'patient', patients: [ids.patient] } })
    ).body.token;
    assert.equal((await t.api('GET', `/ipfs/${unknown}`, { token: patient })).statusCode, 403);
    assert.equal(
      (await t.api('GET', '/v1/minutes?from=2026-11-24T11:00:00Z&to=2026-11-24T10:00:00Z')).statusCode,
      400,
    );
    assert.equal((await t.api('GET', '/v1/minutes?limit=0')).statusCode, 400);
  });

  test('a stop seals the open window; a restart does not seal again and receipts resume after it', async (ctx) => {
    const f = await fixture(ctx, { sealed: true });
    const { dir, clock } = f;
    clock.now = T0 + 70_000; // 10:01:15, window 10:01 open and empty
    await f.t.stop({ keepData: true });
    const stopped = clock.now;
    clock.now = T0 + 62_000; // the clock steps back after the restart
    f.t = await startTestGateway({ dataDir: dir.path, clock: () => clock.now });
    const { t } = f;
    const minutes = (await t.api('GET', '/v1/minutes')).body.minutes;
    assert.deepEqual(
      minutes.map((m: any) => [m.minute, m.end]),
      [
        ['2026-11-24T10:00:00.000Z', '2026-11-24T10:01:00.000Z'],
        ['2026-11-24T10:01:00.000Z', new Date(stopped).toISOString()],
      ],
    );
    assert.deepEqual(await t.gateway.sealer.sealDue(), []);
    const secret = await t.provision('seal-w2', 'wearable', 'P-SEAL-2');
    const w = await connectDevice(t.mqttUrl, { username: 'seal-w2', password: secret, clientId: 'seal-w2' });
    await w.publishAsync(
      'tele/seal-w2/vitals',
      JSON.stringify({ seq: 1, ts: clock.now, patientId: 'P-SEAL-2', vitals: { heartRate: 70 } }),
      { qos: 1 },
    );
    w.end();
    const [reading] = (await t.api('GET', '/v1/patients/P-SEAL-2/readings')).body.readings;
    assert.ok(
      Date.parse(reading.receivedAt) >= stopped,
      'a stepped-back clock cannot reopen a sealed window',
    );
    clock.now = T0 + 120_000;
    const sealed = await t.gateway.sealer.sealDue();
    assert.deepEqual(
      sealed.map((w) => [w.record.minute, w.readings]),
      [['2026-11-24T10:01:15.000Z', 1]],
    );
  });
});
