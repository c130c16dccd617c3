/**
 * A Provenance carries the medgate proof (docs/fhir.md, "Proof extensions"): a FHIR client rebuilds the
 * proof from the extensions alone and `POST /v1/proofs/verify` and `gateway verify` accept it; the
 * signature is a detached EdDSA JWS over the minute record that verifies with the gateway key.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { ed25519 } from '@noble/curves/ed25519.js';
import { connectDevice, startTestGateway, type TestGateway, tempDir } from '../helpers/gateway.ts';

const run = promisify(execFile);
const PROOF = 'https://medgate.dev/fhir/StructureDefinition/medgate-proof';

/** What an outside FHIR client does: read the extensions, nothing of ours. */
function rebuildProof(provenance: any) {
  const ext = provenance.extension.find((e: any) => e.url === PROOF).extension;
  const one = (list: any[], url: string) => list.find((e) => e.url === url);
  const many = (list: any[], url: string) => list.filter((e) => e.url === url).map((e) => e.valueString);
  const json = (b64: string) => JSON.parse(Buffer.from(b64, 'base64').toString('utf8'));
  const a = one(ext, 'anchor')?.extension;
  return {
    format: one(ext, 'format').valueString,
    reading: one(ext, 'reading') ? json(one(ext, 'reading').valueBase64Binary) : null,
    salt: one(ext, 'salt')?.valueBase64Binary ?? null,
    leaf: {
      hash: one(ext, 'leafHash').valueString,
      index: one(ext, 'leafIndex').valueUnsignedInt,
      treeSize: one(ext, 'treeSize').valuePositiveInt,
      path: many(ext, 'path'),
    },
    record: json(one(ext, 'record').valueBase64Binary),
    gatewayKey: one(ext, 'gatewayKey').valueString,
    anchor: a
      ? {
          blockHash: one(a, 'blockHash').valueString,
          height: one(a, 'height').valuePositiveInt,
          header: one(a, 'header').valueString,
          minerSignature: one(a, 'minerSignature').valueString,
          miner: {
            gatewayId: one(a, 'minerGatewayId').valueString,
            publicKey: one(a, 'minerKey').valueString,
          },
          record: {
            index: one(a, 'recordIndex').valueUnsignedInt,
            treeSize: one(a, 'recordTreeSize').valuePositiveInt,
            path: many(a, 'recordPath'),
          },
          chain: one(a, 'chain').valueString,
          confirmations: one(a, 'confirmations').valuePositiveInt,
          ...attested(a),
        }
      : null,
  };
}

/** The anchor's finality evidence: the block's attestations, or a majority-attested descendant's. */
function attested(a: any[]) {
  const signer = (e: any) => ({
    gatewayId: e.extension.find((x: any) => x.url === 'gatewayId').valueString,
    signature: e.extension.find((x: any) => x.url === 'signature').valueString,
  });
  const own = a.filter((e) => e.url === 'attestation').map(signer);
  const by = a.find((e) => e.url === 'finalBy')?.extension;
  return {
    ...(own.length > 0 ? { attestations: own } : {}),
    ...(by
      ? {
          finalBy: {
            headers: by.filter((e: any) => e.url === 'header').map((e: any) => e.valueString),
            attestations: by.filter((e: any) => e.url === 'attestation').map(signer),
          },
        }
      : {}),
  };
}

describe('Provenance proofs', () => {
  const dir = tempDir();
  let t: TestGateway;
  let clinician: string;
  let readingIds: string[];

  before(async () => {
    t = await startTestGateway({ overrides: { sealing: { windowSeconds: 1, graceSeconds: 0 } } });
    const secret = await t.provision('pw-1', 'wearable', 'P-PROV');
    const w = await connectDevice(t.mqttUrl, { username: 'pw-1', password: secret, clientId: 'pw-1' });
    const now = Date.now();
    const batch = Array.from({ length: 5 }, (_, i) => ({
      seq: i + 1,
      ts: now - 5000 + i,
      patientId: 'P-PROV',
      vitals: { heartRate: 70 + i, systolic: 121, diastolic: 79 },
      battery: 0.9,
    }));
    await w.publishAsync('tele/pw-1/vitals', JSON.stringify(batch), { qos: 1 });
    await w.endAsync();
    clinician = (await t.api('POST', '/v1/tokens', { body: { role: 'clinician', patients: ['P-PROV'] } }))
      .body.token;
    readingIds = (await t.api('GET', '/v1/patients/P-PROV/readings')).body.readings.map((r: any) => r.id);
    // Seal (windows of one second) and mine the record into a block.
    for (let i = 0; i < 50 && (await t.gateway.windows.ofReading(readingIds[4]!)) === null; i++) {
      await new Promise((r) => setTimeout(r, 100));
      await t.gateway.sealer.sealDue();
    }
    assert.ok(await t.gateway.windows.ofReading(readingIds[4]!), 'sealed');
  });
  after(async () => {
    await t.stop();
    dir.remove();
  });

  const provenance = async (id: string) => {
    const res = await t.api('GET', `/fhir/Provenance/${id}`, { token: clinician });
    assert.equal(res.statusCode, 200);
    return res.body;
  };

  test('a sealed Provenance rebuilds into a proof POST /v1/proofs/verify accepts', async () => {
    const p = await provenance(readingIds[2]!);
    const proof = rebuildProof(p);
    assert.deepEqual(
      proof,
      (await t.api('GET', `/v1/readings/${readingIds[2]}/proof`, { token: clinician })).body,
    );
    const verdict = await t.api('POST', '/v1/proofs/verify', { token: clinician, body: proof });
    assert.equal(verdict.body.valid, true, JSON.stringify(verdict.body));
    // The reading the proof commits to is the one the Observations show.
    assert.equal(proof.reading.data.vitals.heartRate, 72);
    const tampered = structuredClone(proof);
    tampered.reading.data.vitals.heartRate = 140;
    assert.equal((await t.api('POST', '/v1/proofs/verify', { body: tampered })).body.valid, false);
  });

  test('the signature is a detached EdDSA JWS over the minute record, by the gateway key', async () => {
    const p = await provenance(readingIds[0]!);
    const sig = p.signature[0];
    assert.equal(sig.sigFormat, 'application/jose');
    assert.deepEqual(sig.type[0], {
      system: 'urn:iso-astm:E1762-95:2013',
      code: '1.2.840.10065.1.12.1.14',
      display: 'Source Signature',
    });
    const jws = Buffer.from(sig.data, 'base64').toString('ascii');
    const [header, payload, signature] = jws.split('.');
    assert.equal(payload, '', 'detached');
    assert.equal(JSON.parse(Buffer.from(header!, 'base64url').toString()).alg, 'EdDSA');
    const ext = p.extension.find((e: any) => e.url === PROOF).extension;
    const record = Buffer.from(ext.find((e: any) => e.url === 'record').valueBase64Binary, 'base64');
    const input = Buffer.from(`${header}.${record.toString('base64url')}`, 'ascii');
    const key = Buffer.from(t.gateway.keys.signing.publicKey);
    assert.ok(ed25519.verify(Buffer.from(signature!, 'base64url'), input, key));
    assert.equal(JSON.parse(record.toString()).root, ext.find((e: any) => e.url === 'root').valueString);
  });

  test('`gateway verify` accepts the Provenance file and refuses a forged one', async () => {
    const p = await provenance(readingIds[1]!);
    const verify = async (resource: unknown) => {
      const file = `${dir.path}/prov-${Math.random().toString(36).slice(2)}.json`;
      writeFileSync(file, JSON.stringify(resource));
      const key = `gw-test=${Buffer.from(t.gateway.keys.signing.publicKey).toString('hex')}`;
      return run(process.execPath, ['src/main.ts', 'verify', file, '--key', key]).then(
        (r) => ({ code: 0, out: r.stdout }),
        (e: { code: number; stdout: string }) => ({ code: e.code, out: e.stdout }),
      );
    };
    const good = await verify(p);
    assert.equal(good.code, 0, good.out);
    assert.match(good.out, /ok {3}provenance-signature/);
    const forged = structuredClone(p);
    const sig = Buffer.from(forged.signature[0].data, 'base64').toString('ascii');
    forged.signature[0].data = Buffer.from(`${sig.slice(0, -4)}AAAA`, 'ascii').toString('base64');
    const bad = await verify(forged);
    assert.equal(bad.code, 1, bad.out);
    assert.match(bad.out, /FAIL provenance-signature/);
  });

  test('once mined, the Provenance carries the anchor block and still verifies', async () => {
    const mined = await t.api('POST', '/v1/ledger/mine', { body: {} });
    assert.ok(mined.body.block, JSON.stringify(mined.body));
    const p = await provenance(readingIds[3]!);
    const proof = rebuildProof(p);
    assert.ok(proof.anchor, 'anchor present');
    assert.equal(proof.anchor.blockHash, mined.body.block.hash);
    const verdict = await t.api('POST', '/v1/proofs/verify', { token: clinician, body: proof });
    assert.equal(verdict.body.valid, true, JSON.stringify(verdict.body));
    for (const name of ['record-in-block', 'block-pow', 'miner'])
      assert.ok(
        verdict.body.checks.some((c: any) => c.name === name && c.ok),
        name,
      );
  });

  test('an attested block: the Provenance carries its attestations and the proof reports finality', async () => {
    const before = (await t.api('GET', `/v1/readings/${readingIds[4]}/proof`, { token: clinician })).body;
    if (!before.anchor) await t.api('POST', '/v1/ledger/mine', { body: {} });
    const direct = (await t.api('GET', `/v1/readings/${readingIds[4]}/proof`, { token: clinician })).body;
    assert.ok(direct.anchor?.attestations?.length > 0, JSON.stringify(direct.anchor));
    const proof = rebuildProof(await provenance(readingIds[4]!));
    assert.deepEqual(proof, direct);
    const verdict = await t.api('POST', '/v1/proofs/verify', { token: clinician, body: proof });
    assert.equal(verdict.body.valid, true, JSON.stringify(verdict.body));
    const finality = verdict.body.checks.find((c: any) => c.name === 'finality');
    assert.ok(finality, JSON.stringify(verdict.body.checks));
    assert.match(finality.detail, /^final:/);
  });
});
