/** docs/configuration.md: SIGTERM drains and exits 0; a restart resumes without loss or duplicates; bad configs stop the start. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { after, test } from 'node:test';
import { promisify } from 'node:util';
import mqtt from 'mqtt';
import { tempDir } from '../helpers/gateway.ts';
import { spawnGateway } from '../helpers/process.ts';

const run = promisify(execFile);
const dir = tempDir('medgate-life-');
after(() => dir.remove());

async function publishAll(port: number, id: string, secret: string, payloads: unknown[]) {
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, {
    username: id,
    password: secret,
    clientId: id,
    protocolVersion: 4,
    reconnectPeriod: 0,
  });
  for (const p of payloads) await client.publishAsync(`tele/${id}/vitals`, JSON.stringify(p), { qos: 1 });
  await client.endAsync();
}

test('SIGTERM exits 0; after a restart old seqs are not stored again and new ones are', async () => {
  const dataDir = `${dir.path}/data`;
  const first = await spawnGateway(dataDir);
  const res = await first.api('POST', '/v1/devices', { id: 'life-1', kind: 'wearable', patientId: 'P-L' });
  const secret = res.body.secret as string;
  const reading = (seq: number) => ({ seq, ts: Date.now(), patientId: 'P-L', vitals: { heartRate: 70 } });
  await publishAll(first.mqttPort, 'life-1', secret, [reading(1), [reading(2), reading(3)]]);
  first.child.kill('SIGTERM');
  const exit = await first.exited;
  assert.equal(exit.code, 0, first.output());
  assert.match(first.output(), /SIGTERM: draining/);
  assert.match(first.output(), /stopped/);

  const second = await spawnGateway(dataDir);
  try {
    // The device resends what it is unsure about, plus new readings.
    await publishAll(second.mqttPort, 'life-1', secret, [[reading(2), reading(3), reading(4)], reading(1)]);
    const page = await second.api('GET', '/v1/patients/P-L/readings?limit=100');
    assert.equal(page.status, 200);
    const seqs = page.body.readings.map((r: any) => r.data.seq).sort();
    assert.deepEqual(seqs, [1, 2, 3, 4]);
    const ids = page.body.readings.map((r: any) => r.id);
    assert.equal(new Set(ids).size, 4, 'ids continue after restart, never reused');
  } finally {
    second.child.kill('SIGTERM');
    assert.equal((await second.exited).code, 0);
  }
});

test('a bad config file stops the start and lists every problem with its path', async () => {
  const file = `${dir.path}/bad.json`;
  writeFileSync(
    file,
    JSON.stringify({
      gatewayId: 'no spaces',
      mqtt: { port: 'eighteen', colour: 'red' },
      http: { port: 70000 },
    }),
  );
  const err = await run(process.execPath, ['src/main.ts', 'start', '--config', file]).then(
    () => assert.fail('the start should fail'),
    (e: { code: number; stderr: string }) => e,
  );
  assert.equal(err.code, 78);
  for (const path of ['gatewayId', 'mqtt.port', 'mqtt.colour', 'http.port']) {
    assert.match(err.stderr, new RegExp(`- ${path.replace('.', '\\.')}: `), path);
  }
  writeFileSync(file, '{ not json');
  const notJson = await run(process.execPath, ['src/main.ts', 'check-config', file]).catch((e) => e);
  assert.equal(notJson.code, 78);
  assert.match(notJson.stderr, /not valid JSON/);
  const missing = await run(process.execPath, [
    'src/main.ts',
    'start',
    '--config',
    `${dir.path}/nope.json`,
  ]).catch((e) => e);
  assert.match(missing.stderr, /cannot read/);
});

test('GATEWAY_* environment overrides are validated like the file', async () => {
  const err = await run(process.execPath, ['src/main.ts', 'start'], {
    env: { ...process.env, GATEWAY_MQTT_PORT: 'abc', GATEWAY_DATA_DIR: `${dir.path}/env` },
  }).catch((e) => e);
  assert.equal(err.code, 78);
  assert.match(err.stderr, /mqtt\.port/);
});
