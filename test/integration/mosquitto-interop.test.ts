/** An outside MQTT client (Debian's mosquitto_pub / mosquitto_sub) against the gateway (docs/devices.md). */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { allReadings, startTestGateway, type TestGateway } from '../helpers/gateway.ts';

const run = promisify(execFile);

describe('interop with mosquitto clients', () => {
  let t: TestGateway;
  let secret: string;
  let port: string;

  before(async () => {
    t = await startTestGateway();
    secret = await t.provision('mq-1', 'wearable', 'P-MQ');
    port = String(t.gateway.mqttPort());
  });
  after(() => t.stop());

  const auth = (clientId = 'mq-1') => [
    '-h',
    '127.0.0.1',
    '-p',
    port,
    '-i',
    clientId,
    '-u',
    'mq-1',
    '-P',
    secret,
  ];

  test('mosquitto_pub publishes readings at QoS 1 and 2; they come back through the API', async () => {
    const one = {
      seq: 1,
      ts: new Date().toISOString(),
      patientId: 'P-MQ',
      vitals: { heartRate: 71, spo2: 98 },
    };
    const two = { seq: 2, ts: Date.now(), patientId: 'P-MQ', vitals: { glucose: 140 } };
    await run('mosquitto_pub', [...auth(), '-q', '1', '-t', 'tele/mq-1/vitals', '-m', JSON.stringify(one)]);
    await run('mosquitto_pub', [...auth(), '-q', '2', '-t', 'tele/mq-1/vitals', '-m', JSON.stringify([two])]);
    const stored = await allReadings(t, 'P-MQ');
    assert.deepEqual(
      stored.map((r) => r.data),
      [one, two],
    );
  });

  test('mosquitto_sub receives the error report of a rejected reading', async () => {
    const sub = spawn('mosquitto_sub', [
      ...auth('mq-1:sub'),
      '-q',
      '1',
      '-t',
      'tele/mq-1/errors',
      '-C',
      '1',
      '-W',
      '10',
    ]);
    let out = '';
    sub.stdout.on('data', (chunk) => {
      out += chunk;
    });
    // 'close', not 'exit': stdout may still hold the report when the process has exited.
    const exited = new Promise<number | null>((resolve) => sub.on('close', resolve));
    // Give the subscription time to be in place before publishing.
    await new Promise((r) => setTimeout(r, 500));
    const bad = { seq: 77, ts: Date.now(), patientId: 'P-MQ', vitals: { spo2: 20 } };
    await run('mosquitto_pub', [...auth(), '-q', '1', '-t', 'tele/mq-1/vitals', '-m', JSON.stringify(bad)]);
    assert.equal(await exited, 0);
    const report = JSON.parse(out.trim());
    assert.equal(report.seq, 77);
    assert.equal(report.errors[0].path, 'vitals.spo2');
  });

  test('mosquitto_pub with a wrong secret is refused', async () => {
    await assert.rejects(
      run('mosquitto_pub', [
        '-h',
        '127.0.0.1',
        '-p',
        port,
        '-i',
        'mq-1',
        '-u',
        'mq-1',
        '-P',
        'wrong',
        '-q',
        '1',
        '-t',
        'tele/mq-1/vitals',
        '-m',
        '{}',
      ]),
      (err: { stderr: string }) => /bad user name or password/i.test(err.stderr),
    );
  });
});
