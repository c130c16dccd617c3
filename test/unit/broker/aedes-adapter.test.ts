/** Pins the aedes behaviours src/broker/aedes-adapter.ts relies on, for the installed aedes. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { test } from 'node:test';
import { Aedes, type Client } from 'aedes';
import {
  holdReading,
  packetParserOf,
  registeredClients,
  SUPPORTED_AEDES,
} from '../../../src/broker/aedes-adapter.ts';
import { CONNACK, connectPacket, publishPacket, rawClient } from '../../helpers/raw-mqtt.ts';

test('the installed aedes is the version the adapter was written for', () => {
  const pkg = JSON.parse(readFileSync('node_modules/aedes/package.json', 'utf8')) as { version: string };
  assert.match(pkg.version, SUPPORTED_AEDES);
});

test('preConnect can drop the will and change the keep-alive; the parser and client map are where we look', async () => {
  let seen: Client | null = null;
  const aedes = await Aedes.createBroker({
    preConnect(client, packet, done) {
      const connect = packet as unknown as { will?: unknown; keepalive: number };
      connect.will = undefined;
      connect.keepalive = 7;
      seen = client;
      done(null, true);
    },
  });
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    const client = aedes.handle(socket);
    const parser = packetParserOf(client) as { _parseLength?: unknown; _emitError?: unknown };
    assert.equal(typeof parser._parseLength, 'function');
    assert.equal(typeof parser._emitError, 'function');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  try {
    const raw = await rawClient(port);
    raw.send(
      connectPacket({
        clientId: 'pin',
        keepalive: 0,
        will: { topic: 'some/topic', payload: 'gone', qos: 1 },
      }),
    );
    await raw.next(CONNACK);
    const client = seen as unknown as Client & { will: unknown; _keepaliveInterval: number };
    assert.equal(client.will ?? null, null, 'no will kept');
    assert.equal(client._keepaliveInterval, 7 * 1500 + 1, 'the keep-alive set in preConnect is enforced');
    assert.equal(registeredClients(aedes).pin, client);
    raw.socket.destroy();
  } finally {
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => aedes.close(() => r()));
    await new Promise<void>((r) => server.close(() => r()));
  }
});

test('with reading held and a packet unanswered, aedes reads nothing more from the socket', async () => {
  const seen: string[] = [];
  let release: (() => void) | null = null;
  const aedes = await Aedes.createBroker({
    authorizePublish(client, packet, callback) {
      seen.push(packet.topic);
      if (seen.length > 1 || !client) return callback(null);
      const resume = holdReading(client);
      release = () => {
        resume();
        callback(null);
      };
    },
  });
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    aedes.handle(socket);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  try {
    const raw = await rawClient(port);
    raw.send(connectPacket({ clientId: 'held' }));
    await raw.next(CONNACK);
    raw.send(publishPacket('a', 'x', 0));
    while (seen.length === 0) await new Promise((r) => setTimeout(r, 10));
    raw.send(publishPacket('b', 'x', 0));
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(seen, ['a'], 'b is not read while a is held');
    (release as unknown as () => void)();
    while (seen.length < 2) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(seen, ['a', 'b']);
    raw.socket.destroy();
  } finally {
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => aedes.close(() => r()));
    await new Promise<void>((r) => server.close(() => r()));
  }
});
