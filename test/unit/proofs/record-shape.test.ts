/**
 * A proof's minute record has the one record shape the ledger takes (docs/proofs.md): a record the ledger
 * would refuse is refused by the verifier too, even when its gateway signed it and everything else checks.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { leafData } from '../../../src/batches/leaves.ts';
import { signRecord } from '../../../src/batches/record.ts';
import { toHex } from '../../../src/ledger/index.ts';
import { inclusionProof, leafHash, merkleRoot } from '../../../src/merkle/index.ts';
import { canonicalBytes } from '../../../src/model/canonical.ts';
import { PROOF_FORMAT, verifyReadingProof } from '../../../src/proofs/index.ts';
import { KEYS } from '../ledger/helpers.ts';

const reading = { id: '000000000000002a', deviceId: 'w-1', kind: 'vitals', seq: 1, ts: 1, receivedAt: 2 };
const salt = new Uint8Array(16).fill(7);
const leaves = [
  leafData(salt, canonicalBytes(reading)),
  leafData(new Uint8Array(16), canonicalBytes({ x: 1 })),
];

function proofWithRecord(fields: { gatewayId: string; minute: string; batchCid: string }) {
  const record = signRecord({ ...fields, count: leaves.length, root: toHex(merkleRoot(leaves)) }, KEYS.b);
  return {
    format: PROOF_FORMAT,
    reading,
    salt: Buffer.from(salt).toString('base64'),
    leaf: {
      hash: toHex(leafHash(leaves[0]!)),
      index: 0,
      treeSize: 2,
      path: inclusionProof(leaves, 0).map(toHex),
    },
    record,
    gatewayKey: toHex(KEYS.b.publicKey),
    anchor: null,
  };
}

const good = { gatewayId: 'gw-b', minute: '2026-11-24T10:00:00.000Z', batchCid: 'bafytest' };

test('a well-formed signed record passes', () => {
  const verdict = verifyReadingProof(proofWithRecord(good));
  assert.equal(verdict.valid, true, JSON.stringify(verdict.checks));
});

for (const [what, change] of [
  ['a minute that is not an ISO-8601 UTC time', { minute: 'Tuesday morning' }],
  ['a minute in another time zone', { minute: '2026-11-24T11:00:00+01:00' }],
  ['a gateway id with a character ids do not have', { gatewayId: 'gw/b' }],
  ['a batch CID that is not a multibase string', { batchCid: 'bafy test' }],
] as const) {
  test(`a signed record with ${what} fails the format check`, () => {
    const verdict = verifyReadingProof(proofWithRecord({ ...good, ...change }));
    assert.equal(verdict.valid, false, JSON.stringify(verdict.checks));
    assert.deepEqual(
      verdict.checks.filter((c) => !c.ok).map((c) => c.name),
      ['format'],
    );
  });
}
