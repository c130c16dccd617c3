import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type BlockHeader,
  chainWork,
  ledgerParams,
  MAX_U256,
  medianTimePast,
  nextTarget,
  workOf,
} from '../../../src/ledger/index.ts';

const params = ledgerParams({
  targetIntervalMs: 1000,
  retargetInterval: 4,
  maxAdjustFactor: 4,
  genesisTarget: 1n << 240n,
  minTarget: 1n << 200n,
  maxTarget: 1n << 244n,
});

/** Headers 0..n-1 with the given gaps between them (no PoW: nextTarget reads heights, times, targets). */
function headers(gaps: number[], target = 1n << 240n): BlockHeader[] {
  let t = 1_000_000;
  return [0, ...gaps].map((gap, height) => {
    t += gap;
    return {
      version: 1,
      height,
      previousHash: new Uint8Array(32),
      timestamp: t,
      anchorRoot: new Uint8Array(32),
      target,
      minerId: new Uint8Array(32),
      nonce: 0n,
    };
  });
}

describe('nextTarget (docs/ledger.md retarget every K blocks)', () => {
  it('keeps the parent target between retarget heights', () => {
    assert.equal(nextTarget(headers([5, 5]), params), 1n << 240n);
  });
  it('keeps it when the last K blocks took (K - 1) intervals', () => {
    assert.equal(nextTarget(headers([1000, 1000, 1000]), params), 1n << 240n);
  });
  it('scales it by actual / expected', () => {
    assert.equal(nextTarget(headers([1000, 1000, 4000]), params), 2n << 240n);
    assert.equal(nextTarget(headers([500, 500, 500]), params), 1n << 239n);
  });
  it('bounds a retarget by the factor (4) and by min/max target', () => {
    assert.equal(nextTarget(headers([1, 1, 1]), params), 1n << 238n);
    assert.equal(nextTarget(headers([1, -5000, 1]), params), 1n << 238n);
    assert.equal(nextTarget(headers([100_000, 0, 0]), params), 1n << 242n);
    assert.equal(nextTarget(headers([100_000, 0, 0], 1n << 243n), params), 1n << 244n);
    assert.equal(nextTarget(headers([1, 1, 1], 1n << 201n), params), 1n << 200n);
  });
  it('needs the last K headers at a retarget height, consecutive', () => {
    assert.throws(() => nextTarget(headers([1000, 1000, 1000]).slice(1), params), /last 4 headers/);
    const h = headers([1, 1]);
    assert.throws(() => nextTarget([h[0]!, h[2]!], params), /consecutive/);
    assert.throws(() => nextTarget([], params), /non-empty/);
  });
  it('refuses inconsistent params, naming them', () => {
    assert.throws(() => ledgerParams({ retargetInterval: 1 }), /params\.retargetInterval/);
    assert.throws(() => ledgerParams({ minTarget: 5n, genesisTarget: 4n }), /minTarget ≤ genesisTarget/);
  });
});

describe('median time past and work', () => {
  it('is the middle of the last 11 timestamps, sorted', () => {
    const h = headers([10, 10, 10, -50, 10]);
    assert.equal(medianTimePast(h), [...h.map((x) => x.timestamp)].sort((a, b) => a - b)[3]);
    assert.equal(medianTimePast(headers(Array(20).fill(1))), 1_000_000 + 15);
  });
  it('workOf = floor(2^256 / (target + 1))', () => {
    assert.equal(workOf(MAX_U256), 1n);
    assert.equal(workOf(0n), 1n << 256n);
    assert.equal(workOf((1n << 240n) - 1n), 1n << 16n);
    assert.equal(chainWork(headers([1, 1], (1n << 240n) - 1n)), 3n << 16n);
  });
});
