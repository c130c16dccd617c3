import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { verifyConsistency, verifyInclusion } from '../../../src/merkle/index.ts';
import { unhex } from './helpers.ts';
import { mustFail } from './vectors.ts';

describe('proofs that must fail (test/vectors/merkle-must-fail.json)', () => {
  it('has cases of both kinds', () => {
    assert.ok(mustFail.inclusion.length > 50);
    assert.ok(mustFail.consistency.length > 50);
  });

  for (const c of mustFail.inclusion) {
    it(`inclusion: ${c.desc}`, () => {
      assert.equal(
        verifyInclusion(unhex(c.leafHash), c.index, c.treeSize, c.proof.map(unhex), unhex(c.root)),
        false,
      );
    });
  }

  for (const c of mustFail.consistency) {
    it(`consistency: ${c.desc}`, () => {
      const ok = verifyConsistency(
        c.oldSize,
        c.newSize,
        unhex(c.oldRoot),
        unhex(c.newRoot),
        c.proof.map(unhex),
      );
      assert.equal(ok, false);
    });
  }
});
