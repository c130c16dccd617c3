/**
 * A page of readings is bounded in bytes as well as in count (docs/limits.md, `http.maxPageBytes`): large
 * ECG strips stop a page early, the cursor continues where it stopped, and a reading larger than the bound
 * still comes, alone.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  ADMIN_TOKEN,
  connectDevice,
  startTestGateway,
  type TestGateway,
  vitals,
} from '../helpers/gateway.ts';

const READINGS = 24;
const SAMPLES = 5000;

async function feed(t: TestGateway) {
  const secret = await t.provision('w-ecg', 'wearable', 'P-ECG');
  const client = await connectDevice(t.mqttUrl, { username: 'w-ecg', password: secret, clientId: 'w-ecg' });
  const base = Date.now() - 60_000;
  for (let i = 0; i < READINGS; i++) {
    const mv = Array.from({ length: SAMPLES }, (_, k) => Math.round(Math.sin(k + i) * 1000) / 1000);
    const reading = vitals('P-ECG', { seq: i, ts: base + i * 1000, ecg: { hz: 250, mv } });
    await client.publishAsync('tele/w-ecg/vitals', JSON.stringify(reading), { qos: 1 });
  }
  await client.endAsync();
}

async function pages(t: TestGateway, url: string) {
  const out: Array<{ count: number; bytes: number; seqs: number[] }> = [];
  let cursor: string | null = null;
  do {
    const res: Awaited<ReturnType<typeof t.gateway.api.inject>> = await t.gateway.api.inject({
      method: 'GET',
      url: `${url}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    out.push({
      count: body.readings.length,
      bytes: Buffer.byteLength(res.body),
      seqs: body.readings.map((r: any) => r.data.seq),
    });
    cursor = body.nextCursor;
  } while (cursor && out.length < 100);
  return out;
}

describe('page bytes', () => {
  let t: TestGateway;
  before(async () => {
    t = await startTestGateway({ overrides: { http: { maxPageBytes: 200_000 } } });
    await feed(t);
  });
  after(() => t.stop());

  test('a page of large readings stops at the byte bound and the cursor continues where it stopped', async () => {
    const got = await pages(t, '/v1/patients/P-ECG/readings?limit=1000');
    assert.ok(got.length > 1, `more than one page (${got.length})`);
    for (const page of got) {
      assert.ok(page.count >= 1);
      // The bound is on stored readings; the response adds a few hundred bytes of proof status per reading.
      assert.ok(page.bytes <= 200_000 + page.count * 1024, `page of ${page.bytes} bytes`);
    }
    const seqs = got.flatMap((p) => p.seqs);
    assert.deepEqual(
      seqs,
      Array.from({ length: READINGS }, (_, i) => i),
      'every reading once, in order',
    );
  });

  test('the count bound still applies to small readings', async () => {
    const got = await pages(t, '/v1/patients/P-ECG/readings?limit=2');
    assert.ok(got.every((p) => p.count <= 2));
    assert.equal(
      got.reduce((n, p) => n + p.count, 0),
      READINGS,
    );
  });
});

describe('a reading larger than the page bound', () => {
  let t: TestGateway;
  before(async () => {
    t = await startTestGateway({ overrides: { http: { maxPageBytes: 4096 } } });
    await feed(t);
  });
  after(() => t.stop());

  test('comes alone, one per page', async () => {
    const got = await pages(t, '/v1/patients/P-ECG/readings?limit=1000');
    assert.equal(got.length, READINGS);
    assert.ok(got.every((p) => p.count === 1));
    const metrics = await t.api('GET', '/metrics', { token: null });
    assert.match(metrics.body, /medgate_api_pages_cut_total \d+/);
  });
});
