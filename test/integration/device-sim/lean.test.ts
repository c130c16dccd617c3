/**
 * The simulator's lean publish path (`--lean`, device-sim/lean.ts) against a real gateway process: raw
 * sockets, one reading in flight per device, and still every acknowledged reading is stored, in order.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runFleet } from '../../../device-sim/fleet.ts';
import { fetchAll, type GatewayProcess, startGatewayProcess } from './gateway-process.ts';

describe('device-sim --lean against the gateway', { timeout: 120_000 }, () => {
  let gw: GatewayProcess;
  before(async () => {
    gw = await startGatewayProcess();
  });
  after(async () => {
    await gw?.stop();
  });

  it('wearables and drones on raw sockets: acked = stored, seqs 1..last for each device', async () => {
    const summary = await runFleet({
      mqtt: gw.mqttUrl,
      api: gw.apiUrl,
      adminToken: gw.adminToken,
      wearables: 30,
      drones: 2,
      rateHz: 4,
      durationS: 3,
      seed: 5,
      ecgIntervalS: 0,
      rampPerSec: 1000,
      idPrefix: 'lean',
      lean: true,
    });
    assert.equal(typeof summary.details.lateTicks, 'number', 'the lean path counted its ticks');
    assert.equal(summary.details.connectFailures, 0);
    assert.equal(summary.details.unsent, 0, 'everything drained');
    assert.equal(summary.details.messages, summary.sent, 'one reading per message');
    assert.ok(summary.sent >= 30 * 4, `sent ${summary.sent}`);
    assert.equal(summary.acked, summary.sent);
    assert.ok(summary.latencyMs.p50 > 0 && summary.latencyMs.p99 >= summary.latencyMs.p50);
    let stored = 0;
    for (const device of summary.devices.filter((d) => d.kind === 'wearable')) {
      // A patient's readings include the drones' deliveries to them: only the wearable's own count here.
      const readings = (await fetchAll(gw, `/v1/patients/${device.patientId}/readings`)).filter(
        (r) => r.deviceId === device.id,
      );
      stored += readings.length;
      const seqs = readings.map((r) => r.data.seq).sort((a, b) => a - b);
      assert.deepEqual(
        seqs,
        Array.from({ length: device.lastSeq }, (_, i) => i + 1),
        device.id,
      );
    }
    const wearableAcks = summary.devices
      .filter((d) => d.kind === 'wearable')
      .reduce((n, d) => n + d.acked, 0);
    assert.equal(stored, wearableAcks, 'every acknowledged vitals reading is stored');
  });

  it('refuses what the lean path does not simulate', async () => {
    await assert.rejects(
      runFleet({
        mqtt: gw.mqttUrl,
        api: gw.apiUrl,
        adminToken: gw.adminToken,
        wearables: 1,
        drones: 0,
        rateHz: 1,
        durationS: 1,
        disconnectRatio: 0.5,
        lean: true,
      }),
      /lean: no spoiled readings nor drops/,
    );
  });
});
