import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createConnectionGuard } from '../../../src/broker/connection-guard.ts';
import { deriveConnectionCaps, parseDescriptorLimit } from '../../../src/broker/fd-limit.ts';
import { createHashSlots } from '../../../src/broker/hash-slots.ts';
import { escapeForLog } from '../../../src/broker/log-escape.ts';

const LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max processes             63704                63704                processes
Max open files            1024                 524288               files
`;

test('the descriptor limit is read from /proc/self/limits', () => {
  assert.deepEqual(parseDescriptorLimit(LIMITS), { soft: 1024, hard: 524288 });
  assert.equal(parseDescriptorLimit('nothing here'), null);
  assert.equal(parseDescriptorLimit(LIMITS.replace('1024 ', 'unlimited'))?.soft, Number.MAX_SAFE_INTEGER);
});

test('socket caps keep descriptors back and never exceed what the limit allows', () => {
  const limit = { soft: 1024, hard: 1024 };
  assert.deepEqual(deriveConnectionCaps(limit, { reserved: 256 }), {
    maxConnections: 768,
    pendingConnections: 192,
  });
  assert.equal(deriveConnectionCaps(limit, { reserved: 256, maxConnections: 100_000 }).maxConnections, 768);
  assert.equal(deriveConnectionCaps(limit, { reserved: 256, maxConnections: 50 }).maxConnections, 50);
  assert.equal(deriveConnectionCaps(limit, { reserved: 256, pendingConnections: 10 }).pendingConnections, 10);
  assert.equal(deriveConnectionCaps({ soft: 100, hard: 100 }, { reserved: 256 }).maxConnections, 16);
  assert.equal(deriveConnectionCaps(null, { reserved: 256 }).maxConnections, 768);
  // However many descriptors, sockets awaiting CONNACK stay at 1,024 unless configured.
  assert.equal(
    deriveConnectionCaps({ soft: 1_048_576, hard: 1_048_576 }, { reserved: 256 }).pendingConnections,
    1024,
  );
});

test('hash slots run a bounded number at once and refuse beyond the queue', async () => {
  const slots = createHashSlots({ concurrency: 2, queue: 1 });
  const release: Array<() => void> = [];
  const task = () => new Promise<number>((resolve) => release.push(() => resolve(1)));
  const runs = [slots.run(task), slots.run(task), slots.run(task)];
  assert.equal(slots.run(task), null, 'the 4th is refused');
  assert.equal(slots.running(), 2);
  assert.equal(slots.queued(), 1);
  release.shift()!();
  await runs[0];
  await new Promise((r) => setImmediate(r));
  assert.equal(slots.running(), 2, 'the queued one started');
  for (const r of release.splice(0)) r();
  await new Promise((r) => setImmediate(r));
  release.shift()?.();
  assert.deepEqual(await Promise.all(runs), [1, 1, 1]);
  assert.equal(slots.running(), 0);
});

test('the connection guard caps sockets per address and in all, and evicts the oldest waiting one', () => {
  const evicted: string[] = [];
  const guard = createConnectionGuard({ maxConnections: 4, pendingConnections: 2, pendingPerAddress: 1 });
  const a = guard.admit('10.0.0.1', () => evicted.push('a'));
  assert.equal(
    guard.admit('10.0.0.1', () => {}),
    'pending_per_address',
  );
  const b = guard.admit('10.0.0.2', () => evicted.push('b'));
  assert.equal(typeof b, 'object');
  const c = guard.admit('10.0.0.3', () => evicted.push('c'));
  assert.deepEqual(evicted, ['a'], 'pending was full: the oldest waiting socket made room');
  assert.equal(typeof c, 'object');
  assert.equal(guard.pending(), 2);
  if (typeof b === 'object') b.answered();
  if (typeof c === 'object') c.answered();
  assert.equal(guard.pending(), 0);
  assert.equal(guard.open(), 2);
  if (typeof a === 'object') a.closed(); // already released by the eviction: no double count
  assert.equal(guard.open(), 2);
  const d = guard.admit('10.0.0.4', () => {});
  if (typeof d === 'object') d.answered();
  const e = guard.admit('10.0.0.5', () => evicted.push('e'));
  assert.equal(typeof e, 'object');
  if (typeof e === 'object') e.answered();
  // 4 open, none waiting: nothing to evict, the next is refused.
  assert.equal(guard.open(), 4);
  assert.equal(
    guard.admit('10.0.0.6', () => {}),
    'max_connections',
  );
});

test('device-supplied strings cannot forge log lines or send terminal codes', () => {
  assert.equal(escapeForLog('w-1\n2026 info forged'), 'w-1\\n2026 info forged');
  assert.equal(escapeForLog('\u001b[2J\r\t\\'), '\\x1b[2J\\r\\t\\\\');
  assert.equal(escapeForLog('a\u2028b\u0085'), 'a\\u2028b\\x85');
  assert.ok(escapeForLog('x'.repeat(1000)).length < 250);
  assert.equal(escapeForLog('tele/w-1/vitals'), 'tele/w-1/vitals');
});
