/**
 * The dashboard's in-browser verifier (ui/verify.js) agrees with the gateway's (`POST /v1/proofs/verify`) on
 * a real anchored proof and on proofs tampered one field at a time: the same checks fail on both sides.
 * It runs here on Node's WebCrypto, the same API the browser gives it.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { UI_DIR } from '../../src/api/routes/ui.ts';
import { connectDevice, startTestGateway, type TestGateway, vitals } from '../helpers/gateway.ts';

type Verdict = { valid: boolean; checks: { name: string; ok: boolean; detail: string }[] };
type VerifyProof = (proof: unknown, trust: unknown) => Promise<Verdict>;

const flip = (hex: string, at = 0) => hex.slice(0, at) + (hex[at] === '0' ? '1' : '0') + hex.slice(at + 1);

describe('the in-browser verifier', () => {
  let t: TestGateway;
  let proof: any;
  let trust: any;
  let verifyProof: VerifyProof;

  before(async () => {
    ({ verifyProof } = (await import(pathToFileURL(join(UI_DIR, 'verify.js')).href)) as {
      verifyProof: VerifyProof;
    });
    t = await startTestGateway({ overrides: { sealing: { windowSeconds: 3600 } } });
    const secret = await t.provision('w-1', 'wearable', 'P-1');
    const c = await connectDevice(t.mqttUrl, { username: 'w-1', password: secret, clientId: 'w-1' });
    for (let i = 0; i < 5; i++)
      await c.publishAsync('tele/w-1/vitals', JSON.stringify(vitals('P-1')), { qos: 1 });
    await c.endAsync();
    const reading = (await t.api('GET', '/v1/patients/P-1/readings')).body.readings[2];
    await t.gateway.sealer.sealOpen();
    proof = (await t.api('GET', `/v1/readings/${reading.id}/proof`)).body;
    for (let i = 0; i < 100 && !proof.anchor; i++) {
      await t.api('POST', '/v1/ledger/mine', { body: {} });
      await new Promise((r) => setTimeout(r, 20));
      proof = (await t.api('GET', `/v1/readings/${reading.id}/proof`)).body;
    }
    assert.ok(proof.anchor, 'an anchored proof');
    trust = (await t.api('GET', '/v1/trust')).body;
  });
  after(() => t.stop());

  const failing = (v: Verdict) => v.checks.filter((c) => !c.ok).map((c) => c.name);

  test('a real proof is VALID, with every check the gateway makes but confirmations', async () => {
    const mine = await verifyProof(proof, trust);
    const theirs = (await t.api('POST', '/v1/proofs/verify', { body: proof })).body as Verdict;
    assert.equal(theirs.valid, true);
    assert.equal(mine.valid, true, JSON.stringify(mine.checks));
    const names = (v: Verdict) => v.checks.map((c) => c.name).sort();
    assert.deepEqual(
      names(mine),
      names(theirs).filter((n) => n !== 'confirmations'),
    );
  });

  const tamper: Record<string, (p: any) => void> = {
    'a vital': (p) => {
      p.reading.data.vitals.heartRate += 1;
    },
    'the salt': (p) => {
      p.salt = `${p.salt[0] === 'A' ? 'B' : 'A'}${p.salt.slice(1)}`;
    },
    'the leaf index': (p) => {
      p.leaf.index = (p.leaf.index + 1) % p.leaf.treeSize;
    },
    'a path hash': (p) => {
      p.leaf.path[0] = flip(p.leaf.path[0]);
    },
    'the record count': (p) => {
      p.record.count += 1;
    },
    'the record signature': (p) => {
      p.record.signature = flip(p.record.signature, 5);
    },
    'the gateway key': (p) => {
      p.gatewayKey = flip(p.gatewayKey, 3);
    },
    'the header nonce': (p) => {
      p.anchor.header = flip(p.anchor.header, 303);
    },
    'the miner named': (p) => {
      p.anchor.miner = { ...p.anchor.miner, gatewayId: 'gw-other' };
    },
    'the chain': (p) => {
      p.anchor.chain = flip(p.anchor.chain);
    },
    'the block path': (p) => {
      p.anchor.record.index += 1;
    },
  };
  for (const [what, change] of Object.entries(tamper)) {
    test(`tampering with ${what} is INVALID, failing the checks the gateway fails`, async () => {
      const bad = structuredClone(proof);
      change(bad);
      const mine = await verifyProof(bad, trust);
      const theirs = (await t.api('POST', '/v1/proofs/verify', { body: bad })).body as Verdict;
      assert.equal(mine.valid, false);
      assert.equal(theirs.valid, false);
      assert.ok(failing(mine).length > 0);
      assert.deepEqual(
        failing(mine),
        failing(theirs).filter((n) => n !== 'confirmations'),
      );
    });
  }

  test('anything but a proof is INVALID at format, never an exception', async () => {
    for (const body of [null, 42, 'x', [], {}, { format: 'medgate/proof/1' }]) {
      const v = await verifyProof(body, trust);
      assert.equal(v.valid, false);
      assert.deepEqual(failing(v), ['format']);
    }
  });
});
