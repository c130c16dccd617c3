/** The fleet ticker (bench/lib/fleet-ticker.ts): every device in turn, late ticks counted, not queued. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startTicker } from '../../../bench/lib/fleet-ticker.ts';

test('devices tick in turn; a busy device is a late tick, an offline one is skipped', async () => {
  const calls: number[] = [];
  const ticker = startTicker({
    devices: 6,
    rateHz: 20,
    resolutionMs: 1,
    tick: (i) => {
      calls.push(i);
      return i % 3 === 0 ? 'sent' : i % 3 === 1 ? 'busy' : 'offline';
    },
  });
  while (calls.length < 30) await new Promise((r) => setTimeout(r, 10));
  ticker.stop();
  const n = calls.length;
  assert.deepEqual(
    calls,
    Array.from({ length: n }, (_, k) => k % 6),
  );
  const { sent, late, offline } = ticker.counts;
  assert.equal(sent + late + offline, n);
  assert.equal(late, calls.filter((i) => i % 3 === 1).length);
  assert.equal(offline, calls.filter((i) => i % 3 === 2).length);
  ticker.reset();
  assert.equal(ticker.counts.sent + ticker.counts.late + ticker.counts.offline, 0);
});

test('bad arguments are refused', () => {
  assert.throws(() => startTicker({ devices: 0, rateHz: 1, tick: () => 'sent' }), RangeError);
  assert.throws(() => startTicker({ devices: 1, rateHz: 0, tick: () => 'sent' }), RangeError);
});
