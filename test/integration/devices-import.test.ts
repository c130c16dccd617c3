/** `gateway devices import FILE.csv` end to end: a real gateway over HTTP, the CLI as a child process. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import mqtt from 'mqtt';
import { ADMIN_TOKEN, startTestGateway, type TestGateway, tempDir } from '../helpers/gateway.ts';

const run = promisify(execFile);
let t: TestGateway;
const dir = tempDir('medgate-import-');
before(async () => {
  t = await startTestGateway();
});
after(async () => {
  await t.stop();
  dir.remove();
});

async function importFile(name: string, csv: string, extra: string[] = []) {
  const file = join(dir.path, name);
  writeFileSync(file, csv);
  const args = [
    'src/main.ts',
    'devices',
    'import',
    file,
    '--url',
    t.httpUrl,
    '--token',
    ADMIN_TOKEN,
    ...extra,
  ];
  return run(process.execPath, args).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (err: { code: number; stdout: string; stderr: string }) => err,
  );
}

const ids = async () => new Set((await t.api('GET', '/v1/devices')).body.devices.map((d: any) => d.id));

test('a CSV file is provisioned in requests of --batch, each secret printed once as CSV', async () => {
  const csv = 'id,kind,patientId,shared\nimp-1,wearable,P-IMP1,\nimp-2,wearable,,true\n\nimp-3,drone,,\n';
  const out = await importFile('fleet.csv', csv, ['--batch', '2']);
  assert.equal(out.code, 0, out.stderr);
  const lines = out.stdout.trim().split('\n');
  assert.equal(lines[0], 'id,kind,patientId,shared,secret');
  const rows = lines.slice(1).map((l) => l.split(','));
  assert.deepEqual(
    rows.map((r) => r.slice(0, 4)),
    [
      ['imp-1', 'wearable', 'P-IMP1', 'false'],
      ['imp-2', 'wearable', '', 'true'],
      ['imp-3', 'drone', '', 'false'],
    ],
  );
  assert.equal(new Set(rows.map((r) => r[4])).size, 3);
  assert.match(out.stderr, /3 devices provisioned/);
  const client = await mqtt.connectAsync(t.mqttUrl, {
    clientId: 'imp-1',
    username: 'imp-1',
    password: rows[0]?.[4] as string,
    reconnectPeriod: 0,
  });
  await client.endAsync();
});

test('a bad row refuses the file by its line; nothing is provisioned', async () => {
  const before = await ids();
  for (const [csv, message] of [
    ['id,kind,patientId,shared\nbad-1,drone,,\nbad 2,drone,,\n', /line 3: id/],
    ['id,kind\nbad-3,toaster\n', /line 2: kind/],
    ['id,kind\nbad-4,drone\nbad-4,drone\n', /line 3: device bad-4 is already on line 2/],
    ['name,type\nbad-5,drone\n', /line 1: the header/],
    ['id,kind,patientId,shared\nbad-6,drone,P-1,\n', /refused \(400: body\[0\]\.patientId/],
    ['id,kind\nbad-7,drone\nimp-1,drone\n', /refused \(409: body\[1\]\.id: device imp-1 already exists/],
  ] as const) {
    const out = await importFile('bad.csv', csv);
    assert.equal(out.code, 1, csv);
    assert.match(out.stderr, message);
  }
  assert.deepEqual(await ids(), before);
});
