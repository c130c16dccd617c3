/** This gateway's attestations (docs/ledger.md, "Finality"): never two at one height, also after a restart. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ATTESTED_KEY, createAttester } from '../../../src/ledger/node/attester.ts';
import { checkAttestation } from '../../../src/ledger/rules/attestation.ts';
import { consortium, KEYS } from './helpers.ts';

const c = consortium();
const self = { gatewayId: 'gw-a', key: KEYS.a };
const at = (height: number, tag = 'a') => ({ hash: tag.repeat(64).slice(0, 64), height });

test('attests each height once: a rival block at a height already attested is not attested', () => {
  const attester = createAttester(c, self, undefined);
  const first = attester.make([at(1), at(2)]);
  assert.deepEqual(
    first.made.map((a) => a.height),
    [1, 2],
  );
  for (const a of first.made) assert.ok(checkAttestation(c, a));
  assert.deepEqual(first.rows.at(-1), {
    key: ATTESTED_KEY,
    value: JSON.stringify({ height: 2, hash: at(2).hash }),
  });
  attester.remember(first.made);
  // A reorg onto a rival branch: heights 1 and 2 again, then 3.
  const rival = attester.make([at(1, 'b'), at(2, 'b'), at(3, 'b')]);
  assert.deepEqual(
    rival.made.map((a) => a.height),
    [3],
  );
});

test('the stored mark survives a restart; a gateway that is not a member attests nothing', () => {
  const restarted = createAttester(c, self, JSON.stringify({ height: 5, hash: at(5).hash }));
  assert.deepEqual(
    restarted.make([at(5, 'c'), at(6, 'c')]).made.map((a) => a.height),
    [6],
  );
  assert.deepEqual(createAttester(c, undefined, undefined).make([at(1)]), { made: [], rows: [] });
});
