import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLifecycle } from '../../src/lifecycle.ts';

test('parts stop in the reverse of their start order', async () => {
  const events: string[] = [];
  const parts = createLifecycle();
  for (const name of ['store', 'ledger', 'api', 'broker']) {
    await parts.start({
      name,
      start: () => events.push(`start ${name}`),
      stop: () => events.push(`stop ${name}`),
    });
  }
  assert.deepEqual(parts.started, ['store', 'ledger', 'api', 'broker']);
  await parts.stop();
  assert.deepEqual(events, [
    'start store',
    'start ledger',
    'start api',
    'start broker',
    'stop broker',
    'stop api',
    'stop ledger',
    'stop store',
  ]);
  assert.deepEqual(parts.started, []);
});

test('a part whose start fails is not stopped; the ones before it are', async () => {
  const stopped: string[] = [];
  const parts = createLifecycle();
  await parts.start({ name: 'store', stop: () => stopped.push('store') });
  await assert.rejects(
    parts.start({
      name: 'api',
      start: () => Promise.reject(new Error('port in use')),
      stop: () => stopped.push('api'),
    }),
    /port in use/,
  );
  await parts.stop();
  assert.deepEqual(stopped, ['store']);
});

test('a stop that fails does not keep the others open; the first failure is thrown', async () => {
  const stopped: string[] = [];
  const parts = createLifecycle();
  await parts.start({ name: 'store', stop: () => stopped.push('store') });
  await parts.start({
    name: 'broker',
    stop: () => {
      throw new Error('broker stuck');
    },
  });
  await parts.start({ name: 'schedule', stop: () => stopped.push('schedule') });
  await assert.rejects(parts.stop(), /broker stuck/);
  assert.deepEqual(stopped, ['schedule', 'store']);
});
