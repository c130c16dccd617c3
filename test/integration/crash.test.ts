/**
 * docs/devices.md: "the PUBACK is sent only after every reading of the message is durably committed. A crash
 * after a PUBACK loses nothing." A gateway process under QoS 1 load is killed with SIGKILL; after a
 * restart on the same data dir every acknowledged reading is there exactly once.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import mqtt from 'mqtt';
import { tempDir } from '../helpers/gateway.ts';
import { spawnGateway } from '../helpers/process.ts';

const dir = tempDir('medgate-crash-');
after(() => dir.remove());

test('every reading acknowledged before SIGKILL is present exactly once after restart', async () => {
  const dataDir = `${dir.path}/data`;
  const first = await spawnGateway(dataDir);
  const devices = ['c1', 'c2', 'c3', 'c4'];
  const secrets = new Map<string, string>();
  for (const [i, id] of devices.entries()) {
    const res = await first.api('POST', '/v1/devices', { id, kind: 'wearable', patientId: `P-C${i}` });
    assert.equal(res.status, 201);
    secrets.set(id, res.body.secret);
  }
  const acked = new Map<string, Set<number>>(devices.map((id) => [id, new Set()]));
  const clients = devices.map((id) =>
    mqtt.connect(`mqtt://127.0.0.1:${first.mqttPort}`, {
      username: id,
      password: secrets.get(id)!,
      clientId: id,
      protocolVersion: 4,
      reconnectPeriod: 0,
    }),
  );
  await Promise.all(clients.map((c) => new Promise((resolve) => c.once('connect', resolve))));
  // Each client keeps 20 QoS 1 messages in flight; some are single readings, some offline buffers.
  let stop = false;
  const load = clients.map(async (client, i) => {
    const id = devices[i]!;
    let seq = 0;
    const inflight = new Set<Promise<void>>();
    while (!stop) {
      const batch = seq % 3 === 0 ? 5 : 1;
      const readings = Array.from({ length: batch }, () => ({
        seq: seq++,
        ts: Date.now(),
        patientId: `P-C${i}`,
        vitals: { heartRate: 60 + (seq % 40) },
      }));
      const p = new Promise<void>((resolve) => {
        client.publish(
          `tele/${id}/vitals`,
          JSON.stringify(batch === 1 ? readings[0] : readings),
          { qos: 1 },
          (err) => {
            if (!err) for (const r of readings) acked.get(id)!.add(r.seq);
            resolve();
          },
        );
      });
      inflight.add(p);
      p.then(() => inflight.delete(p));
      if (inflight.size >= 20) await Promise.race(inflight);
    }
  });
  await new Promise((r) => setTimeout(r, 1500));
  first.child.kill('SIGKILL');
  const { signal } = await first.exited;
  stop = true;
  for (const c of clients) c.end(true);
  await Promise.all(load);
  assert.equal(signal, 'SIGKILL');
  const totalAcked = [...acked.values()].reduce((n, s) => n + s.size, 0);
  assert.ok(totalAcked > 200, `load was real: ${totalAcked} readings acknowledged before the kill`);

  const second = await spawnGateway(dataDir);
  try {
    for (const [i, id] of devices.entries()) {
      const seqs: number[] = [];
      let cursor: string | null = null;
      do {
        const q: string = cursor ? `&cursor=${cursor}` : '';
        const res = await second.api('GET', `/v1/patients/P-C${i}/readings?limit=1000${q}`);
        assert.equal(res.status, 200);
        seqs.push(...res.body.readings.map((r: any) => r.data.seq));
        cursor = res.body.nextCursor;
      } while (cursor);
      const counts = new Map<number, number>();
      for (const s of seqs) counts.set(s, (counts.get(s) ?? 0) + 1);
      for (const s of acked.get(id)!)
        assert.equal(counts.get(s), 1, `${id} seq ${s} acknowledged, stored once`);
      assert.ok(
        [...counts.values()].every((n) => n === 1),
        `${id}: no reading stored twice`,
      );
    }
  } finally {
    second.child.kill('SIGTERM');
    await second.exited;
  }
});
