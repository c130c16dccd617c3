/**
 * A gateway started with 1,024 descriptors (docs/limits.md): a flood of stalled sockets from many
 * addresses must leave /healthz answering and a device connecting, because the MQTT caps derive from
 * the descriptor limit and keep some back for the HTTP API and LevelDB.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { test } from 'node:test';
import { connectDevice, tempDir, vitals } from '../helpers/gateway.ts';
import { spawnGateway } from '../helpers/process.ts';

const hasPrlimit = spawnSync('prlimit', ['--version']).status === 0;

function openSocket(port: number, localAddress: string): Promise<Socket | null> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1', localAddress });
    socket.once('connect', () => resolve(socket));
    socket.once('error', () => resolve(null));
    socket.on('error', () => {});
  });
}

test('at 1,024 descriptors a flood of 2,000 stalled sockets leaves /healthz and devices working', {
  skip: hasPrlimit ? false : 'prlimit is not installed',
  timeout: 60_000,
}, async () => {
  const dir = tempDir();
  const gw = await spawnGateway(dir.path, { wrapper: ['prlimit', '--nofile=1024'] });
  const sockets: Socket[] = [];
  try {
    assert.match(gw.output(), /descriptor limit 1024/);
    const res = await gw.api('POST', '/v1/devices', { id: 'w-fd', kind: 'wearable', patientId: 'P-fd' });
    assert.equal(res.status, 201);
    // 100 loopback addresses x 20 sockets, none sending a CONNECT.
    for (let a = 2; a < 102; a++) {
      const batch = await Promise.all(
        Array.from({ length: 20 }, () => openSocket(gw.mqttPort, `127.0.0.${a}`)),
      );
      for (const s of batch) if (s) sockets.push(s);
    }
    const health = await fetch(`http://127.0.0.1:${gw.httpPort}/healthz`, {
      signal: AbortSignal.timeout(5000),
    });
    assert.equal(health.status, 200);
    const device = await connectDevice(`mqtt://127.0.0.1:${gw.mqttPort}`, {
      clientId: 'w-fd',
      username: 'w-fd',
      password: res.body.secret,
    });
    await device.publishAsync('tele/w-fd/vitals', JSON.stringify(vitals('P-fd')), { qos: 1 });
    device.end(true);
    assert.equal(gw.child.exitCode, null, 'the gateway is still running');
  } finally {
    for (const s of sockets) s.destroy();
    gw.child.kill('SIGTERM');
    await gw.exited;
    dir.remove();
  }
});
