import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkPublish, checkSubscribe } from '../../../src/broker/acl.ts';
import { clientIdAllowed } from '../../../src/broker/auth.ts';
import { createRateLimiter } from '../../../src/broker/rate-limit.ts';

describe('topic rules', () => {
  const wearable = { id: 'w1', kind: 'wearable' as const };
  const drone = { id: 'd1', kind: 'drone' as const };
  test('own topics of the device kind only', () => {
    assert.deepEqual(checkPublish('tele/w1/vitals', wearable), { ok: true, kind: 'vitals' });
    assert.deepEqual(checkPublish('tele/d1/flight', drone), { ok: true, kind: 'flight' });
    assert.deepEqual(checkPublish('tele/d1/delivery', drone), { ok: true, kind: 'delivery' });
    assert.equal(checkPublish('tele/w2/vitals', wearable).ok, false);
    assert.equal(checkPublish('tele/w1/flight', wearable).ok, false);
    assert.equal(checkPublish('tele/d1/vitals', drone).ok, false);
    assert.equal(checkPublish('tele/w1/errors', wearable).ok, false);
    assert.equal(checkPublish('other', wearable).ok, false);
  });
  test('subscriptions: own errors topic only, no wildcards', () => {
    assert.equal(checkSubscribe('tele/w1/errors', 'w1'), true);
    for (const t of ['tele/w2/errors', 'tele/+/errors', 'tele/w1/#', '#', 'tele/w1/vitals']) {
      assert.equal(checkSubscribe(t, 'w1'), false, t);
    }
  });
  test('client ids: the device id or {deviceId}:{suffix}', () => {
    assert.equal(clientIdAllowed('w1', 'w1'), true);
    assert.equal(clientIdAllowed('w1:phone', 'w1'), true);
    assert.equal(clientIdAllowed('w1:', 'w1'), false);
    assert.equal(clientIdAllowed('w10', 'w1'), false);
    assert.equal(clientIdAllowed('w2', 'w1'), false);
    assert.equal(clientIdAllowed('', 'w1'), false);
  });
});

describe('rate limiter', () => {
  test('token bucket per address refills over time', () => {
    const limiter = createRateLimiter({
      connectsPerSecond: 10,
      burst: 3,
      failedAuthLimit: 2,
      failedAuthWindowSeconds: 60,
    });
    const t0 = 1_000_000;
    assert.deepEqual(
      [1, 2, 3, 4].map(() => limiter.allowConnect('a', t0)),
      [true, true, true, false],
    );
    assert.equal(limiter.allowConnect('b', t0), true, 'other addresses have their own bucket');
    assert.equal(limiter.allowConnect('a', t0 + 100), true, 'one token back after 100 ms at 10/s');
    assert.equal(limiter.allowConnect('a', t0 + 100), false);
  });
  test('failed logins lock an address out for the rest of the window', () => {
    const limiter = createRateLimiter({
      connectsPerSecond: 10,
      burst: 3,
      failedAuthLimit: 2,
      failedAuthWindowSeconds: 60,
    });
    limiter.recordFailedAuth('a', 0);
    assert.equal(limiter.isLockedOut('a', 1000), false);
    limiter.recordFailedAuth('a', 1000);
    assert.equal(limiter.isLockedOut('a', 2000), true);
    assert.equal(limiter.isLockedOut('b', 2000), false);
    assert.equal(limiter.isLockedOut('a', 61_000), false, 'the window ends');
  });
});
