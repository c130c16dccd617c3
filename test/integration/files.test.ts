/**
 * Large files over real HTTP (docs/ipfs.md, "Files"): a 50 MiB file streamed in and back byte for byte,
 * byte ranges, no plaintext in any block, bounds on size and on uploads at once, patient grants.
 */
import assert from 'node:assert/strict';
import { createCipheriv, createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import {
  ADMIN_TOKEN,
  connectDevice,
  startTestGateway,
  type TestGateway,
  vitals,
} from '../helpers/gateway.ts';

const MiB = 1024 * 1024;
const MARKER = 'PATIENT-P-FILE-1 Rina Sen chest CT';

/** Deterministic content: part `n` of 1 MiB is AES-CTR keystream seeded by `n`, with the marker text first. */
function part(n: number, size = MiB): Uint8Array {
  const iv = Buffer.alloc(16);
  iv.writeUInt32BE(n, 12);
  const out = new Uint8Array(
    createCipheriv('aes-128-ctr', Buffer.alloc(16, 7), iv).update(Buffer.alloc(size)),
  );
  out.set(new TextEncoder().encode(MARKER).subarray(0, size), 0);
  return out;
}

function* parts(total: number): Generator<Uint8Array> {
  for (let done = 0, n = 0; done < total; n++) {
    const size = Math.min(MiB, total - done);
    done += size;
    yield part(n, size);
  }
}

function upload(
  t: TestGateway,
  body: Iterable<Uint8Array> | Uint8Array,
  query: string,
  headers: Record<string, string> = {},
) {
  const stream = body instanceof Uint8Array ? body : ReadableStream.from(body);
  return fetch(`${t.httpUrl}/v1/files?${query}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/dicom', ...headers },
    body: stream,
    duplex: 'half',
  } as RequestInit);
}

async function download(t: TestGateway, id: string, headers: Record<string, string> = {}) {
  return fetch(`${t.httpUrl}/v1/files/${id}`, {
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...headers },
  });
}

describe('large files', () => {
  let t: TestGateway;
  before(async () => {
    t = await startTestGateway({ overrides: { ipfs: { files: { maxBytes: 64 * MiB, maxUploads: 2 } } } });
  });
  after(() => t.stop());

  test('a 50 MiB file round-trips byte for byte; its blocks hold no plaintext; ranges cut across chunks', async () => {
    const size = 50 * MiB;
    const expected = createHash('sha256');
    for (const p of parts(size)) expected.update(p);
    const sha256 = expected.digest('hex');
    const res = await upload(t, parts(size), 'patientId=P-FILE-1');
    assert.equal(res.status, 201, await res.clone().text());
    const file = (await res.json()) as {
      id: string;
      size: number;
      sha256: string;
      contentType: string;
      patientId: string;
      cid: string;
    };
    assert.equal(file.size, size);
    assert.equal(file.sha256, sha256);
    assert.equal(file.contentType, 'application/dicom');
    assert.equal(file.patientId, 'P-FILE-1');
    assert.match(file.cid, /^bafy/);

    const back = await download(t, file.id);
    assert.equal(back.status, 200);
    assert.equal(back.headers.get('content-type'), 'application/dicom');
    const got = createHash('sha256');
    let bytes = 0;
    for await (const chunk of back.body!) {
      got.update(chunk);
      bytes += chunk.byteLength;
    }
    assert.equal(bytes, size);
    assert.equal(got.digest('hex'), sha256);

    // No block of the gateway holds the marker, the patient id or the type in clear.
    for await (const cid of t.gateway.ipfs.cids()) {
      const text = Buffer.from(await t.gateway.ipfs.get(cid)).toString('latin1');
      for (const needle of [MARKER.slice(0, 16), 'P-FILE-1', 'dicom'])
        assert.ok(!text.includes(needle), `${cid} has ${needle}`);
    }

    const whole = Buffer.concat([part(0), part(1)]);
    const ranged = await download(t, file.id, { range: 'bytes=65530-200000' });
    assert.equal(ranged.status, 206);
    assert.equal(ranged.headers.get('content-range'), `bytes 65530-200000/${size}`);
    assert.deepEqual(Buffer.from(await ranged.arrayBuffer()), whole.subarray(65530, 200001));
    const tail = await download(t, file.id, { range: 'bytes=-5' });
    assert.equal(tail.status, 206);
    const lastPart = part(size / MiB - 1);
    assert.deepEqual(
      Buffer.from(await tail.arrayBuffer()),
      Buffer.from(lastPart.subarray(lastPart.byteLength - 5)),
    );
    const none = await download(t, file.id, { range: `bytes=${size}-` });
    assert.equal(none.status, 416);
    assert.equal(none.headers.get('content-range'), `bytes */${size}`);
  });

  test('a file past ipfs.files.maxBytes is refused (413), declared or streamed', async () => {
    const small = await startTestGateway({ overrides: { ipfs: { files: { maxBytes: MiB } } } });
    try {
      const streamed = await upload(small, parts(2 * MiB), 'patientId=P-FILE-1');
      assert.equal(streamed.status, 413);
      assert.equal(((await streamed.json()) as { code: string }).code, 'ERR_FILE_TOO_LARGE');
      const declared = await upload(small, new Uint8Array(MiB + 1), 'patientId=P-FILE-1');
      assert.equal(declared.status, 413);
      const metrics = await (await fetch(`${small.httpUrl}/metrics`)).text();
      assert.match(metrics, /medgate_files_refused_total\{reason="too_large"\} 2/);
    } finally {
      await small.stop();
    }
  });

  test('only roles with a grant for the patient store or read its files', async () => {
    const res = await upload(t, new TextEncoder().encode('hello'), 'patientId=P-FILE-2', {
      'content-type': 'text/plain',
    });
    assert.equal(res.status, 201);
    const file = (await res.json()) as { id: string };
    const other = (await t.api('POST', '/v1/tokens', { body: { role: 'clinician', patients: ['P-OTHER'] } }))
      .body.token;
    const mine = (await t.api('POST', '/v1/tokens', { body: { role: 'clinician', patients: ['P-FILE-2'] } }))
      .body.token;
    const auditor = (await t.api('POST', '/v1/tokens', { body: { role: 'auditor' } })).body.token;
    assert.equal((await download(t, file.id, { authorization: `Bearer ${other}` })).status, 403);
    assert.equal((await download(t, file.id, { authorization: `Bearer ${auditor}` })).status, 403);
    const ok = await download(t, file.id, { authorization: `Bearer ${mine}` });
    assert.equal(ok.status, 200);
    assert.equal(await ok.text(), 'hello');
    assert.equal(
      (await upload(t, new Uint8Array(3), 'patientId=P-FILE-1', { authorization: `Bearer ${mine}` })).status,
      403,
    );
    assert.equal(
      (await upload(t, new Uint8Array(3), 'patientId=P-FILE-1', { 'content-type': 'nonsense' })).status,
      400,
    );
  });
});

test('a file is sealed with its window: its proof names its CID, size, type and hash, and verifies', async () => {
  let now = Date.parse('2026-11-24T10:00:05.000Z');
  const t = await startTestGateway({ clock: () => now });
  try {
    // A reading first: sealing begins with the first window that received one.
    const secret = await t.provision('file-w', 'wearable', 'P-FILE-3');
    const w = await connectDevice(t.mqttUrl, { username: 'file-w', password: secret, clientId: 'file-w' });
    await w.publishAsync('tele/file-w/vitals', JSON.stringify(vitals('P-FILE-3', { ts: now })), { qos: 1 });
    await w.endAsync();
    const res = await upload(t, parts(3 * MiB), 'patientId=P-FILE-3', { 'content-type': 'application/pdf' });
    assert.equal(res.status, 201);
    const file = (await res.json()) as { id: string; cid: string; size: number; sha256: string };
    const open = await t.api('GET', `/v1/files/${file.id}/proof`);
    assert.equal(open.statusCode, 404, 'not sealed while its window is open');
    now += 58_000;
    assert.equal((await t.gateway.sealer.sealDue()).length, 1);
    const proof = await t.api('GET', `/v1/files/${file.id}/proof`);
    assert.equal(proof.statusCode, 200, JSON.stringify(proof.body));
    const named = new URL(proof.body.reading.resource, 'http://x');
    assert.equal(proof.body.reading.action, 'files.create');
    assert.equal(proof.body.reading.patientId, 'P-FILE-3');
    assert.equal(named.searchParams.get('cid'), file.cid);
    assert.equal(named.searchParams.get('sha256'), file.sha256);
    assert.equal(named.searchParams.get('size'), String(file.size));
    assert.equal(named.searchParams.get('type'), 'application/pdf');
    // The shared blocks (masked pages included) name neither the patient, the hash nor the type.
    for await (const cid of t.gateway.ipfs.cids()) {
      const text = Buffer.from(await t.gateway.ipfs.get(cid)).toString('latin1');
      for (const needle of ['P-FILE-3', file.sha256, 'application/pdf'])
        assert.ok(!text.includes(needle), `${cid} has ${needle}`);
    }
    const verdict = await t.api('POST', '/v1/proofs/verify', { body: proof.body });
    assert.equal(verdict.statusCode, 200);
    assert.equal(verdict.body.valid, true, JSON.stringify(verdict.body.checks));
    const forged = structuredClone(proof.body);
    forged.reading.resource = forged.reading.resource.replace(file.sha256, '0'.repeat(64));
    assert.equal((await t.api('POST', '/v1/proofs/verify', { body: forged })).body.valid, false);
  } finally {
    await t.stop();
  }
});
