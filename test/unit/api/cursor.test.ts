import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeCursor, encodeCursor } from '../../../src/api/cursor.ts';

test('a cursor round-trips for its own resource only', () => {
  const c = encodeCursor('patient:P-1', 'P-1!0000001795544092842!0000000000000001');
  assert.equal(decodeCursor(c, 'patient:P-1'), 'P-1!0000001795544092842!0000000000000001');
  assert.throws(() => decodeCursor(c, 'patient:P-2'), { code: 'ERR_BAD_CURSOR' });
  assert.throws(() => decodeCursor('%%%', 'patient:P-1'), { code: 'ERR_BAD_CURSOR' });
  assert.throws(() => decodeCursor(Buffer.from('{"v":2}').toString('base64url'), 'patient:P-1'), {
    code: 'ERR_BAD_CURSOR',
  });
  const forged = Buffer.from(JSON.stringify({ v: 1, r: 'patient:P-1', a: 'P-2!0!x' })).toString('base64url');
  assert.throws(() => decodeCursor(forged, 'patient:P-1'), { code: 'ERR_BAD_CURSOR' });
});
