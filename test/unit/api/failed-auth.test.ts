import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createFailedAuthLimiter } from '../../../src/api/failed-auth.ts';

test('past the limit an address waits until its window ends; a new window starts afresh', () => {
  const limiter = createFailedAuthLimiter({ limit: 3, windowMs: 10_000, maxAddresses: 10 });
  assert.deepEqual(
    [1, 2, 3].map(() => limiter.fail('a', 0)),
    [0, 0, 0],
  );
  assert.equal(limiter.fail('a', 0), 10);
  assert.equal(limiter.fail('a', 4_500), 6);
  assert.equal(limiter.fail('b', 4_500), 0, 'another address has its own count');
  assert.equal(limiter.fail('a', 10_000), 0, 'the window ended');
});

test('the table of addresses never grows past maxAddresses; the oldest window goes first', () => {
  const limiter = createFailedAuthLimiter({ limit: 1, windowMs: 60_000, maxAddresses: 100 });
  for (let i = 0; i < 10_000; i++) limiter.fail(`10.0.${i >> 8}.${i & 255}`, i);
  assert.equal(limiter.size(), 100);
  // The newest addresses are still tracked: a second failure is over the limit of 1.
  assert.ok(limiter.fail('10.0.39.15', 10_000) > 0);
});
