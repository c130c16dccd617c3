/** Attestations (docs/ledger.md, "Finality"): the signed bytes, the checks, the count; a vector per rule. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { blockHash, createHeaderTree, parseConsortium, toHex } from '../../../src/ledger/index.ts';
import {
  ATTESTATION_SIZE,
  attestationBytes,
  checkAttestation,
  signAttestation,
  tallyAttestations,
} from '../../../src/ledger/rules/attestation.ts';
import { chain, consortium, consortiumFile, extend, GENESIS_TIME, KEYS, OUTSIDER } from './helpers.ts';

const c = consortium();
const block = { hash: 'ab'.repeat(32), height: 7 };

test('the signed bytes: tag, genesis hash, block hash, height (89 bytes)', () => {
  const bytes = attestationBytes(c.genesisHash, new Uint8Array(32).fill(0xab), 7);
  assert.equal(bytes.length, ATTESTATION_SIZE);
  assert.equal(ATTESTATION_SIZE, 89);
  assert.equal(new TextDecoder().decode(bytes.subarray(0, 21)), 'medgate/attestation/1');
  assert.equal(toHex(bytes.subarray(21, 53)), toHex(c.genesisHash));
  assert.equal(toHex(bytes.subarray(53, 85)), 'ab'.repeat(32));
  assert.equal(toHex(bytes.subarray(85)), '00000007');
  assert.throws(() => attestationBytes(c.genesisHash, new Uint8Array(31), 7), RangeError);
});

test('each broken rule makes an attestation invalid', () => {
  const ok = signAttestation(c, block, 'gw-b', KEYS.b);
  assert.deepEqual(checkAttestation(c, ok), ok);
  const cases: Array<[string, unknown]> = [
    ['signed by another member', signAttestation(c, block, 'gw-b', KEYS.c)],
    ['not a member', signAttestation(c, block, 'gw-x', OUTSIDER)],
    ['another height', { ...ok, height: 8 }],
    ['another block', { ...ok, blockHash: 'cd'.repeat(32) }],
    [
      'another chain',
      signAttestation(
        parseConsortium({ ...consortiumFile(), genesis: { timestamp: GENESIS_TIME + 1 } }),
        block,
        'gw-b',
        KEYS.b,
      ),
    ],
    ['malformed', { ...ok, signature: 'zz' }],
    ['extra field', { ...ok, extra: 1 }],
  ];
  for (const [what, att] of cases) {
    assert.throws(() => checkAttestation(c, att), { code: 'ERR_ATTESTATION_INVALID' }, what);
  }
  const file = consortiumFile();
  const retired = parseConsortium({
    ...file,
    members: file.members.map((m) => (m.gatewayId === 'gw-b' ? { ...m, retiredAt: 6 } : m)),
  });
  assert.throws(() => checkAttestation(retired, ok), { code: 'ERR_ATTESTATION_INVALID' }, 'retired below');
  assert.ok(checkAttestation(retired, { ...signAttestation(c, { ...block, height: 6 }, 'gw-b', KEYS.b) }));
});

test('final with more than half of the active members, counted once each', () => {
  const a = signAttestation(c, block, 'gw-a', KEYS.a);
  const b = signAttestation(c, block, 'gw-b', KEYS.b);
  assert.equal(tallyAttestations(c, block, [a]).final, false);
  assert.equal(tallyAttestations(c, block, [a, a]).final, false, 'a member counts once');
  const two = tallyAttestations(c, block, [a, b]);
  assert.deepEqual([two.final, two.quorum, two.valid.length], [true, 2, 2]);
  const forged = tallyAttestations(c, block, [a, signAttestation(c, block, 'gw-b', KEYS.c)]);
  assert.equal(forged.final, false);
  assert.equal(forged.invalid.length, 1);
  // With gw-c retired, two members remain active: both are needed.
  const file = consortiumFile();
  const retired = parseConsortium({
    ...file,
    members: file.members.map((m) => (m.gatewayId === 'gw-c' ? { ...m, retiredAt: 1 } : m)),
  });
  assert.equal(tallyAttestations(retired, block, [a]).quorum, 2);
});

test('fork choice: a heavier tip that does not contain the final block never wins', () => {
  const main = chain(c, 3);
  const tree = createHeaderTree(c.genesis.header);
  for (const b of main.slice(1)) tree.add(b.header);
  const final = toHex(blockHash(main[2]!.header));
  tree.setFinal(final);
  const tail = [c.genesis.header];
  for (let i = 0; i < 6; i++) {
    const side = extend(c, tail, { miner: KEYS.b, now: GENESIS_TIME + 10 * (i + 1) });
    tree.add(side.header);
    tail.push(side.header);
  }
  assert.ok(tree.get(toHex(blockHash(tail.at(-1)!)))!.work > tree.best().work);
  assert.equal(tree.best().header.height, 3, 'the main tip stays');
  assert.equal(tree.extendsFinal(toHex(blockHash(tail[1]!))), false);
  assert.throws(() => tree.setFinal(toHex(blockHash(tail[2]!))), {
    code: 'ERR_BLOCK_CONFLICTS_FINAL',
  });
});
