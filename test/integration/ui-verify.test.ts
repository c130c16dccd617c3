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
import { generateSigningKey, type SigningKey } from '../../src/crypto/signing.ts';
import { signAttestation } from '../../src/ledger/rules/attestation.ts';
import { type Consortium, minerIdOf, toHex } from '../../src/ledger/rules/index.ts';
import { verifyFinality } from '../../src/proofs/verify-finality.ts';
import { connectDevice, startTestGateway, type TestGateway, vitals } from '../helpers/gateway.ts';

type Verdict = { valid: boolean; checks: { name: string; ok: boolean; detail: string }[] };
type VerifyProof = (proof: unknown, trust: unknown) => Promise<Verdict>;

/** An object `levels` deep, a number in the innermost: {a: {a: … {n: 1} …}}. */
const nest = (levels: number): object => (levels <= 1 ? { n: 1 } : { a: nest(levels - 1) });
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
    'an attestation signature': (p) => {
      p.anchor.attestations[0].signature = flip(p.anchor.attestations[0].signature, 7);
    },
    'the member an attestation names': (p) => {
      p.anchor.attestations[0].gatewayId = 'gw-other';
    },
    'an attestation copied to a field too many': (p) => {
      p.anchor.attestations[0].height = p.anchor.height;
    },
    'a finalBy header that does not follow the block': (p) => {
      p.anchor.attestations = [];
      p.anchor.finalBy = { headers: [p.anchor.header], attestations: [{ ...proof.anchor.attestations[0] }] };
    },
    'the record with a field too many': (p) => {
      p.record.note = 'x';
    },
    'the record minute as a number': (p) => {
      p.record.minute = 0;
    },
    'the record with a field named like a built-in': (p) => {
      p.record.toString = 'x';
    },
    'the reading nested one level too deep (33)': (p) => {
      p.reading.data.deep = nest(30);
    },
    'the reading nested as deep as allowed (32)': (p) => {
      p.reading.data.deep = nest(29);
    },
    'a reading with a lone surrogate': (p) => {
      p.reading.data.note = '\ud800';
    },
    'a withheld reading that keeps its salt': (p) => {
      p.reading = null;
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

  /** The word the finality check starts with: final, not yet final, attestations invalid or not judged. */
  const finality = (v: Verdict) => {
    const c = v.checks.find((x) => x.name === 'finality');
    return (
      c && { ok: c.ok, verdict: /^(final|not yet final|attestations invalid|not judged)/.exec(c.detail)?.[1] }
    );
  };

  test('a real proof carries its attestation and is final on both sides', async () => {
    assert.equal(proof.anchor.attestations.length, 1);
    const mine = await verifyProof(proof, trust);
    const theirs = (await t.api('POST', '/v1/proofs/verify', { body: proof })).body as Verdict;
    assert.deepEqual(finality(mine), { ok: true, verdict: 'final' });
    assert.deepEqual(finality(mine), finality(theirs));
  });

  test('without attestations a proof is VALID and not yet final on both sides', async () => {
    const bare = structuredClone(proof);
    delete bare.anchor.attestations;
    const mine = await verifyProof(bare, trust);
    const theirs = (await t.api('POST', '/v1/proofs/verify', { body: bare })).body as Verdict;
    assert.equal(mine.valid, true);
    assert.equal(theirs.valid, true);
    assert.deepEqual(finality(mine), { ok: true, verdict: 'not yet final' });
    assert.deepEqual(finality(mine), finality(theirs));
  });

  test('with no consortium to check against, finality is not judged', async () => {
    const mine = await verifyProof(proof, { ...trust, consortium: undefined });
    assert.deepEqual(finality(mine), { ok: true, verdict: 'not judged' });
    assert.equal(verifyFinality(proof.anchor, undefined).detail.startsWith('not judged'), true);
  });

  describe('in a consortium of three members (the gateway and two others)', () => {
    const others: Record<string, SigningKey> = { 'gw-b': generateSigningKey(), 'gw-c': generateSigningKey() };
    /** The gateway's consortium with two more members, `retired` giving retiredAt by member id. */
    const widen = (retired: Record<string, number> = {}) => {
      const base: Consortium = t.gateway.ledger.node.consortium;
      const members = [
        ...base.members,
        ...Object.entries(others).map(([gatewayId, key]) => ({
          gatewayId,
          publicKey: key.publicKey,
          minerId: minerIdOf(key.publicKey),
        })),
      ].map((m) => (m.gatewayId in retired ? { ...m, retiredAt: retired[m.gatewayId] } : m));
      const consortium: Consortium = {
        ...base,
        members,
        byGatewayId: new Map(members.map((m) => [m.gatewayId, m])),
        byMinerId: new Map(members.map((m) => [toHex(m.minerId), m])),
      };
      const browserTrust = {
        ...trust,
        consortium: {
          ...trust.consortium,
          members: members.map((m) => ({
            gatewayId: m.gatewayId,
            publicKey: toHex(m.publicKey),
            ...('retiredAt' in m ? { retiredAt: m.retiredAt } : {}),
          })),
        },
      };
      return { consortium, browserTrust };
    };
    const attest = (c: Consortium, block: { hash: string; height: number }, id: string) => {
      const { gatewayId, signature } = signAttestation(c, block, id, others[id]!);
      return { gatewayId, signature };
    };
    const same = async (p: any, c: ReturnType<typeof widen>) => {
      const mine = finality(await verifyProof(p, c.browserTrust));
      const theirs = verifyFinality(p.anchor, c.consortium);
      assert.deepEqual(mine, {
        ok: theirs.ok,
        verdict: /^(final|not yet final|attestations invalid|not judged)/.exec(theirs.detail)?.[1],
      });
      return mine;
    };
    const block = () => ({ hash: proof.anchor.blockHash, height: proof.anchor.height });

    test('one attestation of three is not yet final; two are final', async () => {
      const c = widen();
      assert.deepEqual(await same(proof, c), { ok: true, verdict: 'not yet final' });
      const two = structuredClone(proof);
      two.anchor.attestations.push(attest(c.consortium, block(), 'gw-b'));
      assert.deepEqual(await same(two, c), { ok: true, verdict: 'final' });
    });

    test('a member retired below the height does not count, and its attestation is invalid', async () => {
      const c = widen({ 'gw-b': proof.anchor.height - 1 });
      const two = structuredClone(proof);
      two.anchor.attestations.push(attest(c.consortium, block(), 'gw-b'));
      assert.deepEqual(await same(two, c), { ok: false, verdict: 'attestations invalid' });
      // Retired at the height itself it still counts: with two active of three, two attestations are final.
      const atHeight = widen({ 'gw-b': proof.anchor.height });
      assert.deepEqual(await same(two, atHeight), { ok: true, verdict: 'final' });
      // With gw-c retired below the height, the gateway's own attestation is 1 of 2 active: a majority is 2.
      const fewer = widen({ 'gw-c': 0 });
      assert.deepEqual(await same(proof, fewer), { ok: true, verdict: 'not yet final' });
    });

    test('a descendant attested by a majority, linked by its header, makes the block final', async () => {
      const c = widen();
      await t.api('POST', '/v1/ledger/mine', { body: { allowEmpty: true } });
      const child = (await t.api('GET', `/v1/ledger/blocks?fromHeight=${proof.anchor.height + 1}&limit=1`))
        .body.blocks[0];
      assert.ok(child, 'a block above the proof’s');
      const above = { hash: child.hash, height: child.height };
      const p = structuredClone(proof);
      p.anchor.finalBy = {
        headers: [child.header],
        attestations: [attest(c.consortium, above, 'gw-b'), attest(c.consortium, above, 'gw-c')],
      };
      assert.deepEqual(await same(p, c), { ok: true, verdict: 'final' });
      const one = structuredClone(p);
      one.anchor.finalBy.attestations.pop();
      assert.deepEqual(await same(one, c), { ok: true, verdict: 'not yet final' });
      const forged = structuredClone(p);
      forged.anchor.finalBy.attestations[1] = attest(c.consortium, block(), 'gw-c');
      assert.deepEqual(await same(forged, c), { ok: false, verdict: 'attestations invalid' });
    });
  });

  test('anything but a proof is INVALID at format, never an exception', async () => {
    for (const body of [null, 42, 'x', [], {}, { format: 'medgate/proof/1' }]) {
      const v = await verifyProof(body, trust);
      assert.equal(v.valid, false);
      assert.deepEqual(failing(v), ['format']);
    }
  });
});
