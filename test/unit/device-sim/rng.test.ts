import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRng, deriveSeed } from '../../../device-sim/rng.ts';

describe('rng', () => {
  it('gives the same stream for the same seed, another for another seed', () => {
    const a = createRng(42);
    const b = createRng(42);
    const c = createRng(43);
    const sa = Array.from({ length: 100 }, () => a.next());
    assert.deepEqual(
      sa,
      Array.from({ length: 100 }, () => b.next()),
    );
    assert.notDeepEqual(
      sa,
      Array.from({ length: 100 }, () => c.next()),
    );
  });

  it('stays in [0, 1) and is roughly uniform', () => {
    const r = createRng(1);
    const buckets = new Array<number>(10).fill(0);
    for (let i = 0; i < 100_000; i++) {
      const x = r.next();
      assert.ok(x >= 0 && x < 1);
      buckets[Math.floor(x * 10)]!++;
    }
    for (const b of buckets) assert.ok(Math.abs(b - 10_000) < 500, `bucket ${b}`);
  });

  it('draws gaussians with the asked mean and deviation', () => {
    const r = createRng(7);
    const xs = Array.from({ length: 50_000 }, () => r.gaussian(10, 2));
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    const sd = Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length);
    assert.ok(Math.abs(mean - 10) < 0.05, `mean ${mean}`);
    assert.ok(Math.abs(sd - 2) < 0.05, `sd ${sd}`);
  });

  it('keeps int() inside its bounds, both included', () => {
    const r = createRng(3);
    const seen = new Set<number>();
    for (let i = 0; i < 1000; i++) seen.add(r.int(2, 5));
    assert.deepEqual([...seen].sort(), [2, 3, 4, 5]);
  });

  it('derives independent seeds from labels', () => {
    assert.equal(deriveSeed(1, 'w', 0), deriveSeed(1, 'w', 0));
    assert.notEqual(deriveSeed(1, 'w', 0), deriveSeed(1, 'w', 1));
    assert.notEqual(deriveSeed(1, 'w', 0), deriveSeed(2, 'w', 0));
    assert.throws(() => createRng(Number.NaN), TypeError);
  });
});
