/**
 * What a proof claims is checked, not trusted (docs/proofs.md): a withheld reading carries no salt
 * (`withheld-salt`), the anchor's miner (gateway id and key) is the consortium's member that mined the
 * block (`miner-identity`), and the confirmations a proof claims are no more than the ledger shows
 * (`confirmations`). Each claim changed fails on its own check.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toHex } from '../../../src/ledger/index.ts';
import { verifyReadingProof } from '../../../src/proofs/index.ts';
import { KEYS } from '../ledger/helpers.ts';
import { c, chain, proof } from './anchored-proof.ts';

function failed(p: unknown, options: Parameters<typeof verifyReadingProof>[1] = { consortium: c, chain }) {
  const verdict = verifyReadingProof(p, options);
  assert.equal(verdict.valid, false, JSON.stringify(verdict.checks));
  return verdict.checks.filter((ch) => !ch.ok).map((ch) => ch.name);
}
const clone = () => structuredClone(proof) as any;

test('the untouched proof passes every claim check', () => {
  const verdict = verifyReadingProof(proof, { consortium: c, chain });
  assert.equal(verdict.valid, true, JSON.stringify(verdict.checks));
  const names = verdict.checks.map((ch) => ch.name);
  for (const name of ['withheld-salt', 'miner-identity', 'confirmations'])
    assert.ok(names.includes(name), name);
  // Withheld properly: no reading, no salt.
  const withheld = clone();
  withheld.reading = null;
  withheld.salt = null;
  assert.equal(verifyReadingProof(withheld, { consortium: c, chain }).valid, true);
});

test('a withheld reading that keeps its salt fails withheld-salt', () => {
  const p = clone();
  p.reading = null;
  assert.deepEqual(failed(p), ['withheld-salt']);
  assert.deepEqual(failed(p, {}), ['withheld-salt'], 'offline too');
});

test("a changed miner key or gateway id fails miner-identity against the consortium's members", () => {
  let p = clone();
  p.anchor.miner.publicKey = toHex(KEYS.a.publicKey);
  assert.deepEqual(failed(p), ['miner-identity']);
  p = clone();
  p.anchor.miner.gatewayId = 'gw-a';
  assert.deepEqual(failed(p), ['miner-identity']);
  p = clone();
  p.anchor.miner = { gatewayId: 'gw-x', publicKey: 'ab'.repeat(32) };
  assert.deepEqual(failed(p), ['miner-identity']);
});

test('claimed confirmations beyond what the chain shows fail confirmations', () => {
  const p = clone();
  p.anchor.confirmations = 4; // the chain's tip is at 3, the block at 1: 3 confirmations
  assert.deepEqual(failed(p), ['confirmations']);
  const three = clone();
  three.anchor.confirmations = 3;
  assert.equal(verifyReadingProof(three, { consortium: c, chain }).valid, true);
  // Offline, without a ledger, confirmations cannot be compared: no check.
  assert.equal(verifyReadingProof(p, { consortium: c }).valid, true);
});
