/**
 * Anchored proofs (docs/proofs.md): a proof built from a real block verifies, and each kind of tampering
 * fails on its own check — reading value, salt, path element, record, header, miner signature, chain.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConsortium, toHex } from '../../../src/ledger/index.ts';
import { verifyReadingProof } from '../../../src/proofs/index.ts';
import { KEYS } from '../ledger/helpers.ts';
import { c, chain, proof } from './anchored-proof.ts';

function failed(p: unknown, options = { consortium: c, chain }) {
  const verdict = verifyReadingProof(p, options);
  assert.equal(verdict.valid, false);
  return verdict.checks.filter((ch) => !ch.ok).map((ch) => ch.name);
}
const flip = (hex: string, at = 0) => `${hex.slice(0, at)}${hex[at] === '0' ? '1' : '0'}${hex.slice(at + 1)}`;

test('an anchored proof verifies offline, with a consortium and against a chain', () => {
  const offline = verifyReadingProof(proof);
  assert.equal(offline.valid, true, JSON.stringify(offline.checks));
  const full = verifyReadingProof(proof, { consortium: c, chain });
  assert.equal(full.valid, true, JSON.stringify(full.checks));
  assert.deepEqual(
    full.checks.map((ch) => ch.name),
    [
      'format',
      'leaf',
      'withheld-salt',
      'inclusion',
      'tree-size',
      'record-signature',
      'gateway-key',
      'record-in-block',
      'block-pow',
      'miner',
      'miner-identity',
      'chain',
      'confirmations',
      'finality',
    ],
  );
  assert.match(full.checks.find((ch) => ch.name === 'chain')!.detail, /3 confirmation/);
});

test('each tampering fails on its own check', () => {
  const t = () => structuredClone(proof) as any;
  let p = t();
  p.reading.data.vitals.heartRate = 71;
  assert.deepEqual(failed(p), ['leaf']);
  p = t();
  p.salt = Buffer.from(new Uint8Array(16).fill(8)).toString('base64');
  assert.deepEqual(failed(p), ['leaf']);
  p = t();
  p.leaf.path[0] = flip(p.leaf.path[0]);
  assert.deepEqual(failed(p), ['inclusion']);
  p = t();
  p.record.batchCid = 'bafyother';
  assert.deepEqual(failed(p), ['record-signature', 'record-in-block']);
  p = t();
  p.anchor.record.path[0] = flip(p.anchor.record.path[0]);
  assert.deepEqual(failed(p), ['record-in-block']);
  p = t();
  p.anchor.header = flip(p.anchor.header, 300); // the nonce
  assert.ok(failed(p).includes('block-pow'));
  p = t();
  p.anchor.minerSignature = flip(p.anchor.minerSignature, 10);
  assert.deepEqual(failed(p), ['miner']);
  p = t();
  p.anchor.blockHash = flip(p.anchor.blockHash, 63);
  assert.deepEqual(failed(p), ['block-pow']);
});

test('miner and chain: a miner outside the consortium and a block off the main chain are refused', () => {
  const withoutC = parseConsortium({
    name: 'two',
    members: [
      { gatewayId: 'gw-a', publicKey: toHex(KEYS.a.publicKey) },
      { gatewayId: 'gw-b', publicKey: toHex(KEYS.b.publicKey) },
    ],
    genesis: { timestamp: 0 },
  });
  assert.deepEqual(failed(proof, { consortium: withoutC, chain }), ['miner', 'miner-identity']);
  const offChain = { ...chain, mainHashAt: () => '00'.repeat(32) };
  assert.deepEqual(failed(proof, { consortium: c, chain: offChain }), ['chain']);
  const otherLedger = { ...chain, genesisHash: '11'.repeat(32) };
  assert.deepEqual(failed(proof, { consortium: c, chain: otherLedger }), ['chain']);
});
