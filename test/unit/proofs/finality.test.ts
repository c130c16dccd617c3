/**
 * The `finality` check of a proof (docs/proofs.md): final with the attestations of more than half of the
 * members, not yet with fewer, invalid when one attestation does not check; judged only with a consortium.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { blockHash, signAttestation, toHex } from '../../../src/ledger/index.ts';
import { assembleAnchor, verifyFinality } from '../../../src/proofs/index.ts';
import { consortium, extend, KEYS, OUTSIDER, record } from '../ledger/helpers.ts';

const c = consortium();
const block = extend(c, [c.genesis.header], { records: [record('a', 1)], miner: KEYS.c });
const hash = toHex(blockHash(block.header));
const at = { hash, height: 1 };
const anchorWith = (attestations: Array<{ gatewayId: string; blockHash: string; signature: string }>) =>
  assembleAnchor({
    block,
    blockHash: hash,
    index: 0,
    confirmations: 1,
    miner: { gatewayId: 'gw-c', publicKey: KEYS.c.publicKey },
    genesisHash: toHex(c.genesisHash),
    attestations,
  });

test('final, not yet, attestations invalid', () => {
  const a = signAttestation(c, at, 'gw-a', KEYS.a);
  const b = signAttestation(c, at, 'gw-b', KEYS.b);
  const final = verifyFinality(anchorWith([a, b]), c);
  assert.equal(final.name, 'finality');
  assert.equal(final.ok, true);
  assert.match(final.detail, /^final: attested by gw-a, gw-b/);

  const notYet = verifyFinality(anchorWith([a]), c);
  assert.equal(notYet.ok, true);
  assert.match(notYet.detail, /^not yet final/);
  assert.match(verifyFinality(anchorWith([]), c).detail, /^not yet final: attested by none/);

  const forged = verifyFinality(anchorWith([a, { ...signAttestation(c, at, 'gw-b', KEYS.c) }]), c);
  assert.equal(forged.ok, false);
  assert.match(forged.detail, /^attestations invalid/);
  const stranger = verifyFinality(anchorWith([a, signAttestation(c, at, 'gw-x', OUTSIDER)]), c);
  assert.equal(stranger.ok, false);
  // Another block's attestation does not count for this one.
  const other = signAttestation(c, { hash: 'ab'.repeat(32), height: 1 }, 'gw-b', KEYS.b);
  const moved = anchorWith([a]);
  const swapped = verifyFinality(
    { ...moved, attestations: [...moved.attestations!, { gatewayId: 'gw-b', signature: other.signature }] },
    c,
  );
  assert.equal(swapped.ok, false);
});

test('without a consortium the attestations are not judged', () => {
  const a = signAttestation(c, at, 'gw-a', KEYS.a);
  const check = verifyFinality(anchorWith([a]), undefined);
  assert.equal(check.ok, true);
  assert.match(check.detail, /^not judged/);
});

test('final through a descendant a majority attested, linked by its headers', () => {
  const child = extend(c, [c.genesis.header, block.header], { miner: KEYS.a });
  const childAt = { hash: toHex(blockHash(child.header)), height: 2 };
  const a = signAttestation(c, at, 'gw-a', KEYS.a);
  const evidence = (atts: ReturnType<typeof signAttestation>[], headers = [child.header]) =>
    assembleAnchor({
      block,
      blockHash: hash,
      index: 0,
      confirmations: 2,
      miner: { gatewayId: 'gw-c', publicKey: KEYS.c.publicKey },
      genesisHash: toHex(c.genesisHash),
      attestations: [a],
      finalBy: { headers, attestations: atts },
    });
  const two = [signAttestation(c, childAt, 'gw-b', KEYS.b), signAttestation(c, childAt, 'gw-c', KEYS.c)];
  const final = verifyFinality(evidence(two), c);
  assert.equal(final.ok, true);
  assert.match(final.detail, /^final: its descendant/);
  assert.match(verifyFinality(evidence(two.slice(0, 1)), c).detail, /^not yet final: its descendant/);
  const forged = verifyFinality(evidence([two[0]!, signAttestation(c, childAt, 'gw-c', KEYS.b)]), c);
  assert.equal(forged.ok, false);
  // A header that does not follow the block breaks the link.
  const stranger = extend(c, [c.genesis.header], { miner: KEYS.b, now: c.genesis.header.timestamp + 5 });
  const unlinked = verifyFinality(evidence(two, [stranger.header]), c);
  assert.equal(unlinked.ok, false);
  assert.match(unlinked.detail, /does not follow/);
});
