/**
 * `POST /v1/proofs/verify` answers any body with a verdict or a 4xx, never a 5xx (docs/proofs.md). A real
 * proof from a real gateway is mutated by a small seeded generator: every value (or key) in turn may become
 * a non-finite number, a lone surrogate, JSON nested thousands deep, a wrong type or an extra field,
 * sent as raw JSON text.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { connectDevice, startTestGateway, type TestGateway } from '../helpers/gateway.ts';

const T0 = Date.parse('2026-11-24T10:00:05.000Z');

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Raw JSON fragments a hostile client may send where a value goes. */
const FRAGMENTS = [
  '1e400',
  '-1e400',
  '"\\ud800"',
  '"x\\udc00y"',
  `${'['.repeat(20_000)}${']'.repeat(20_000)}`,
  `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`,
  `${'{"a":'.repeat(70)}1${'}'.repeat(70)}`,
  'null',
  'true',
  '0',
  '-1',
  '1.5',
  '9007199254740993',
  '1e308',
  '""',
  '"zz"',
  `"${'f'.repeat(64)}"`,
  `"${'0'.repeat(304)}"`,
  '[]',
  '{}',
  '{"__proto__":{"x":1}}',
  '{"constructor":{"prototype":{}}}',
  `"${'a'.repeat(100_000)}"`,
  `[${new Array(2000).fill('"00"').join(',')}]`,
];

type Path = Array<string | number>;

function paths(value: unknown, prefix: Path = [], out: Path[] = []): Path[] {
  out.push(prefix);
  if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value))
      paths(v, [...prefix, Array.isArray(value) ? Number(k) : k], out);
  }
  return out;
}

/** JSON text of `value` with the value at `at` replaced by `fragment` (or, with `asKey`, its key too). */
function serialize(value: unknown, at: Path, fragment: string, asKey: boolean, here: Path = []): string {
  const same = here.length === at.length && here.every((p, i) => p === at[i]);
  if (same && !asKey) return fragment;
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value))
    return `[${value.map((v, i) => serialize(v, at, fragment, asKey, [...here, i])).join(',')}]`;
  const parts = Object.entries(value).map(([k, v]) => {
    const key =
      same && asKey ? (fragment.startsWith('"') ? fragment : JSON.stringify(fragment)) : JSON.stringify(k);
    return `${key}:${serialize(v, at, fragment, asKey, [...here, k])}`;
  });
  if (same && asKey) parts.push(`"extra":${fragment}`);
  return `{${parts.join(',')}}`;
}

describe('POST /v1/proofs/verify with hostile bodies', () => {
  let now = T0;
  let t: TestGateway;
  let proof: Record<string, unknown>;

  before(async () => {
    t = await startTestGateway({ clock: () => now });
    const secret = await t.provision('w1', 'wearable', 'P-1');
    const client = await connectDevice(t.mqttUrl, { username: 'w1', password: secret, clientId: 'w1' });
    const reading = {
      seq: 1,
      ts: now,
      patientId: 'P-1',
      vitals: { heartRate: 70 },
      ecg: { hz: 250, mv: [0.1] },
    };
    await client.publishAsync('tele/w1/vitals', JSON.stringify(reading), { qos: 1 });
    client.end();
    now = T0 + 60_000;
    await t.gateway.sealer.sealDue();
    await t.api('POST', '/v1/ledger/mine', { body: {} });
    const page = await t.api('GET', '/v1/patients/P-1/readings?limit=1');
    const res = await t.api('GET', `/v1/readings/${page.body.readings[0].id}/proof`);
    assert.equal(res.statusCode, 200);
    proof = res.body;
  });
  after(() => t.stop());

  const verify = (payload: string) =>
    t.gateway.api.inject({
      method: 'POST',
      url: '/v1/proofs/verify',
      headers: {
        authorization: 'Bearer test-admin-token-0123456789abcdef',
        'content-type': 'application/json',
      },
      payload,
    });

  test('the unmodified proof verifies', async () => {
    const res = await verify(JSON.stringify(proof));
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().valid, true, res.body);
  });

  test('every hostile fragment at the reading, and whole bodies, get a verdict or a 4xx', async () => {
    const bodies = [
      ...FRAGMENTS,
      '',
      '{',
      'not json',
      `{"format":"medgate/proof/1","reading":{"v":1e400},"salt":null}`,
    ];
    for (const fragment of FRAGMENTS) {
      bodies.push(serialize(proof, ['reading'], fragment, false));
      bodies.push(serialize(proof, ['reading', 'data'], fragment, false));
      bodies.push(serialize(proof, ['reading', 'data'], fragment, true));
    }
    for (const body of bodies) {
      const res = await verify(body);
      assert.ok(
        res.statusCode < 500,
        `${res.statusCode} for ${body.slice(0, 200)}: ${res.body.slice(0, 300)}`,
      );
      if (res.statusCode === 200) assert.equal(res.json().valid, false, body.slice(0, 200));
    }
  });

  test('400 seeded mutations anywhere in the proof never get a 5xx', async () => {
    const random = rng(20261127);
    const all = paths(proof);
    for (let i = 0; i < 400; i++) {
      const at = all[Math.floor(random() * all.length)]!;
      const fragment = FRAGMENTS[Math.floor(random() * FRAGMENTS.length)]!;
      const body = serialize(proof, at, fragment, random() < 0.2);
      const res = await verify(body);
      assert.ok(
        res.statusCode < 500,
        `${res.statusCode} at ${at.join('.')} with ${fragment.slice(0, 40)}: ${res.body.slice(0, 300)}`,
      );
    }
  });
});
