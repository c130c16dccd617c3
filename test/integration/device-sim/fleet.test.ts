/**
 * The simulator against a real gateway process: what it counts as acknowledged is what the gateway
 * stored, what it spoils is rejected, and what it buffers offline all arrives after reconnection.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runFleet } from '../../../device-sim/fleet.ts';
import { fetchAll, type GatewayProcess, type StoredReading, startGatewayProcess } from './gateway-process.ts';

const NEXT: Record<string, readonly string[]> = {
  dispatched: ['takeoff'],
  takeoff: ['arrived'],
  arrived: ['delivered', 'failed'],
  delivered: ['returned'],
  failed: ['returned'],
};

/** Seqs 1..last, minus the spoiled ones. */
const expectedSeqs = (last: number, bad: readonly number[]): number[] => {
  const skip = new Set(bad);
  return Array.from({ length: last }, (_, i) => i + 1).filter((s) => !skip.has(s));
};

describe('device-sim against the gateway', { timeout: 180_000 }, () => {
  let gw: GatewayProcess;
  before(async () => {
    gw = await startGatewayProcess();
  });
  after(async () => {
    await gw?.stop();
  });

  it('wearables: acked = stored, spoiled readings rejected, offline buffers delivered', async () => {
    const summary = await runFleet({
      mqtt: gw.mqttUrl,
      api: gw.apiUrl,
      adminToken: gw.adminToken,
      wearables: 8,
      drones: 0,
      rateHz: 5,
      durationS: 6,
      badRatio: 0.15,
      disconnectRatio: 0.5,
      seed: 11,
      ecgIntervalS: 2,
      idPrefix: 'itw',
    });
    assert.equal(summary.details.unsent, 0, 'everything drained');
    assert.ok(summary.sent > 150, `sent ${summary.sent}`);
    assert.ok(summary.details.badSent > 0);
    assert.equal(summary.rejected, summary.details.badSent, 'every spoiled reading was reported');
    assert.ok(summary.buffered > 0 && summary.details.arrays > 0, 'some devices went offline and flushed');
    assert.ok(summary.latencyMs.p50 > 0 && summary.latencyMs.p99 >= summary.latencyMs.p50);

    let stored = 0;
    for (const device of summary.devices) {
      const readings = await fetchAll(gw, `/v1/patients/${device.patientId}/readings`);
      stored += readings.length;
      assert.ok(
        readings.every((r) => r.deviceId === device.id && r.kind === 'vitals'),
        'readings are the device’s own',
      );
      const seqs = readings.map((r) => r.data.seq).sort((a, b) => a - b);
      // Every valid reading arrived exactly once, buffered ones included; no spoiled one was stored.
      assert.deepEqual(seqs, expectedSeqs(device.lastSeq, device.badSeqs), device.id);
    }
    assert.equal(summary.acked, stored, 'acked equals stored');
    const offline = summary.devices.filter((d) => d.buffered > 0);
    assert.ok(offline.length >= 2, `${offline.length} devices buffered`);
    assert.ok(offline.every((d) => d.flushes > 0));
  });

  it('drones: flight telemetry and a valid delivery sequence, every acked reading stored', async () => {
    const summary = await runFleet({
      mqtt: gw.mqttUrl,
      api: gw.apiUrl,
      adminToken: gw.adminToken,
      wearables: 2,
      drones: 4,
      rateHz: 4,
      durationS: 5,
      disconnectRatio: 0.5,
      seed: 5,
      idPrefix: 'itd',
    });
    assert.equal(summary.details.unsent, 0);
    assert.equal(summary.rejected, 0);
    let stored = 0;
    const drones = summary.devices.filter((d) => d.kind === 'drone');
    for (const drone of drones) {
      // Flights are numbered from 1; a warm start may already be a few flights in.
      const readings: StoredReading[] = [];
      for (let n = 1; n <= 12; n++) {
        readings.push(...(await fetchAll(gw, `/v1/flights/${drone.id}-F${String(n).padStart(4, '0')}`)));
      }
      assert.deepEqual(
        readings.map((r) => r.data.seq).sort((a, b) => a - b),
        expectedSeqs(drone.lastSeq, []),
        drone.id,
      );
      const events = readings.filter((r) => r.kind === 'delivery').sort((a, b) => a.data.seq - b.data.seq);
      for (let i = 1; i < events.length; i++) {
        const [a, b] = [events[i - 1]!.data, events[i]!.data];
        if (a['flightId'] === b['flightId'])
          assert.ok(NEXT[a['event'] as string]?.includes(b['event'] as string));
      }
      const flight = readings.filter((r) => r.kind === 'flight');
      assert.ok(flight.every((r) => r.deviceId === drone.id));
      stored += readings.length;
    }
    for (const w of summary.devices.filter((d) => d.kind === 'wearable')) {
      const readings = await fetchAll(gw, `/v1/patients/${w.patientId}/readings?kind=vitals`);
      stored += readings.length;
    }
    assert.ok(
      drones.some((d) => d.sent > 0),
      'some drone flew',
    );
    assert.equal(summary.acked, stored, 'acked equals stored');
  });

  it('a spoiled reading is still acknowledged, never stored, and counted once', async () => {
    const summary = await runFleet({
      mqtt: gw.mqttUrl,
      api: gw.apiUrl,
      adminToken: gw.adminToken,
      wearables: 2,
      drones: 0,
      rateHz: 10,
      durationS: 2,
      badRatio: 1,
      seed: 2,
      idPrefix: 'itb',
    });
    assert.ok(summary.sent > 10);
    assert.equal(summary.details.ackedRaw, summary.sent);
    assert.equal(summary.acked, 0);
    assert.equal(summary.rejected, summary.sent);
    for (const d of summary.devices) {
      assert.deepEqual(await fetchAll(gw, `/v1/patients/${d.patientId}/readings`), []);
    }
  });
});
