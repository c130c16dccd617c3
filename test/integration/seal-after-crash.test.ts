/**
 * docs/proofs.md / §6: a window left unsealed by a crash is sealed after the restart, once; a stop seals the open
 * window. A gateway process with 2-second windows is killed with SIGKILL while its window is open.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import mqtt from 'mqtt';
import { tempDir } from '../helpers/gateway.ts';
import { spawnGateway } from '../helpers/process.ts';

const dir = tempDir('medgate-seal-crash-');
after(() => dir.remove());
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('readings received before SIGKILL are sealed after the restart, exactly once', async () => {
  const dataDir = `${dir.path}/data`;
  const config = { sealing: { windowSeconds: 2, graceSeconds: 0 } };
  // Start right after a window boundary, so the kill lands inside an open window.
  await sleep(2000 - (Date.now() % 2000) + 50);
  const first = await spawnGateway(dataDir, { config });
  const res = await first.api('POST', '/v1/devices', { id: 'sc-1', kind: 'wearable', patientId: 'P-SC' });
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${first.mqttPort}`, {
    username: 'sc-1',
    password: res.body.secret,
    clientId: 'sc-1',
    protocolVersion: 4,
    reconnectPeriod: 0,
  });
  const readings = Array.from({ length: 10 }, (_, i) => ({
    seq: i,
    ts: Date.now(),
    patientId: 'P-SC',
    vitals: { heartRate: 70 + i },
  }));
  await client.publishAsync('tele/sc-1/vitals', JSON.stringify(readings), { qos: 1 });
  first.child.kill('SIGKILL');
  await first.exited;
  client.end(true);
  await sleep(2100); // the window is over while the gateway is down

  const second = await spawnGateway(dataDir, { config });
  try {
    const list = await second.api('GET', '/v1/patients/P-SC/readings?limit=100');
    assert.equal(list.body.readings.length, 10);
    assert.ok(
      list.body.readings.every((r: any) => r.proof.status === 'sealed'),
      'sealed at start-up',
    );
    const minute = list.body.readings[0].proof.minute;
    const minutes = (await second.api('GET', '/v1/minutes?limit=10000')).body.minutes;
    assert.equal(minutes.filter((m: any) => m.minute === minute).length, 1);
    const holding = minutes.filter((m: any) => m.readings > 0);
    assert.equal(holding.length, 1, 'the readings are in exactly one sealed window');
    assert.equal(holding[0].readings, 10);
    second.child.kill('SIGTERM');
    assert.equal((await second.exited).code, 0);
    const third = await spawnGateway(dataDir, { config });
    const again = (await third.api('GET', '/v1/minutes?limit=10000')).body.minutes;
    assert.ok(again.length >= minutes.length);
    assert.deepEqual(
      again.slice(0, minutes.length).map((m: any) => m.signature),
      minutes.map((m: any) => m.signature),
      'a restart re-seals nothing',
    );
    third.child.kill('SIGTERM');
    await third.exited;
  } finally {
    second.child.kill('SIGKILL');
  }
});
