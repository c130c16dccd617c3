/** A stranger's idle socket on the HTTP port does not hold the gateway's stop (docs/limits.md). */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { test } from 'node:test';
import { startTestGateway } from '../helpers/gateway.ts';

test('stop closes an HTTP connection that never sent a request', { timeout: 20_000 }, async () => {
  const t = await startTestGateway();
  const socket = connect(Number(new URL(t.httpUrl).port), '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  const closed = new Promise((resolve) => socket.once('close', resolve));
  // Without closing it, the HTTP server waits for its headers timeout (a minute) before stop resolves.
  await t.stop();
  await closed;
  assert.equal(socket.destroyed, true);
});
