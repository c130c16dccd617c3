/** What a proof carries to show its block final (docs/proofs.md): own attestations, or a linked descendant's. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { blockHash, signAttestation, toHex } from '../../../src/ledger/index.ts';
import { finalityEvidence } from '../../../src/ledger/rules/finality-evidence.ts';
import { chain, consortium, KEYS } from './helpers.ts';

const c = consortium();
const blocks = chain(c, 4);
const hashes = blocks.map((b) => toHex(blockHash(b.header)));
const att = (h: number, who: 'a' | 'b' | 'c') =>
  signAttestation(c, { hash: hashes[h]!, height: h }, `gw-${who}`, KEYS[who]);

function source(attested: Record<number, Array<'a' | 'b' | 'c'>>, finalHeight: number) {
  return {
    consortium: c,
    finalHeight,
    mainHashAt: (h: number) => hashes[h],
    header: (hash: string) => blocks[hashes.indexOf(hash)]?.header,
    attestations: (hash: string) => {
      const h = hashes.indexOf(hash);
      return (attested[h] ?? []).map((who) => att(h, who));
    },
  };
}

test('own attestations when they are a majority; else the nearest attested descendant with the headers between', () => {
  const own = finalityEvidence(source({ 1: ['a', 'b'] }, 1), hashes[1]!, 1);
  assert.equal(own.attestations.length, 2);
  assert.equal(own.finalBy, undefined);

  const via = finalityEvidence(
    source({ 1: ['a'], 2: ['a'], 3: ['b', 'c'], 4: ['a', 'b'] }, 4),
    hashes[1]!,
    1,
  );
  assert.equal(via.attestations.length, 1);
  assert.deepEqual(
    via.finalBy?.headers.map((h) => h.height),
    [2, 3],
  );
  assert.deepEqual(via.finalBy?.attestations.map((a) => a.gatewayId).sort(), ['gw-b', 'gw-c']);

  const notYet = finalityEvidence(source({ 1: ['a'], 4: ['a', 'b'] }, 3), hashes[1]!, 1);
  assert.equal(notYet.finalBy, undefined, 'nothing above the final height is offered');
});
