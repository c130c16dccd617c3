import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  createDrone,
  type DeliverySample,
  type DroneState,
  type FlightSample,
  stepDrone,
} from '../../../device-sim/models/drone.ts';
import { distanceM } from '../../../device-sim/models/geo.ts';
import { createRng } from '../../../device-sim/rng.ts';
import { readingSchemas } from '../../../src/telemetry/schemas.ts';
import { parse, T0, tsOf } from './helpers.ts';

type Out = { kind: 'flight'; r: FlightSample } | { kind: 'delivery'; r: DeliverySample };

function simulate(seed: number, durationMs: number, stepMs: number, warmUpMs = 0) {
  const rng = createRng(seed);
  let state: DroneState = createDrone(
    { flightPrefix: `D${seed}`, t0: T0, patientIds: ['P-000001', 'P-000002'], warmUpMs },
    rng,
  );
  const base = state.base;
  const out: Out[] = [];
  for (let t = T0; t <= T0 + durationMs; t += stepMs) {
    const step = stepDrone(state, t, rng);
    state = step.state;
    for (const r of step.events) out.push({ kind: 'delivery', r });
    if (step.flight) out.push({ kind: 'flight', r: step.flight });
  }
  return { out, base };
}

const NEXT: Record<string, readonly string[]> = {
  dispatched: ['takeoff'],
  takeoff: ['arrived'],
  arrived: ['delivered', 'failed'],
  delivered: ['returned'],
  failed: ['returned'],
};

describe('drone model', () => {
  it('produces only valid readings over whole days of flights, at 1 s and 1 min steps', () => {
    for (let seed = 1; seed <= 8; seed++) {
      for (const [duration, step] of [
        [6 * 3_600_000, 1000],
        [3 * 24 * 3_600_000, 60_000],
      ] as const) {
        const { out } = simulate(seed, duration, step);
        for (const [i, o] of out.entries()) {
          const r = { seq: i + 1, ...o.r };
          const result = readingSchemas[o.kind].safeParse(r);
          assert.ok(result.success, `${JSON.stringify(r)}: ${result.error?.message}`);
        }
        for (const kind of ['flight', 'delivery'] as const) {
          const all = out.filter((o) => o.kind === kind).map((o, i) => ({ seq: i + 1, ...o.r }));
          for (let i = 0; i < all.length; i += 500) {
            const chunk = all.slice(i, i + 500);
            const parsed = parse(kind, chunk, tsOf(chunk.at(-1)!));
            assert.deepEqual(parsed.invalid, []);
            assert.equal(parsed.valid.length, chunk.length);
          }
        }
      }
    }
  });

  it('follows dispatched → takeoff → arrived → delivered|failed → returned, flight after flight', () => {
    let flights = 0;
    let failed = 0;
    for (let seed = 1; seed <= 10; seed++) {
      const { out, base } = simulate(seed, 24 * 3_600_000, 5000);
      const events = out.filter((o) => o.kind === 'delivery').map((o) => o.r as DeliverySample);
      const byFlight = Map.groupBy(events, (e) => e.flightId);
      for (const [flightId, list] of byFlight) {
        const names = list.map((e) => e.event);
        assert.equal(names[0], 'dispatched', flightId);
        for (let i = 1; i < names.length; i++) {
          assert.ok(NEXT[names[i - 1]!]?.includes(names[i]!), `${flightId}: ${names.join(' → ')}`);
        }
        const last = list.at(-1)!;
        if (last.event !== 'returned') continue; // the day ended mid-flight
        flights++;
        if (names.includes('failed')) failed++;
        assert.equal(names.length, 5);
        // Leaves from and comes back to the hospital; delivers 2..9 km away.
        const home = distanceM(base, last.position!);
        assert.ok(home < 1, `returned ${home} m from base`);
        const dest = distanceM(base, list[2]!.position!);
        assert.ok(dest > 1900 && dest < 9100, `destination ${dest} m away`);
        const delivered = list[3]!;
        assert.deepEqual(delivered.position, list[2]!.position);
        assert.ok(delivered.recipient?.name && delivered.recipient.phone);
        assert.ok(delivered.payload?.kind);
        for (let i = 1; i < list.length; i++) assert.ok(tsOf(list[i]!) >= tsOf(list[i - 1]!));
      }
    }
    assert.ok(flights > 100, `${flights} complete flights`);
    assert.ok(failed > 0 && failed < flights / 4, `${failed} failed of ${flights}`);
  });

  it('moves along its route: steady speed in cruise, never jumps, battery only drains in flight', () => {
    for (let seed = 1; seed <= 5; seed++) {
      const { out } = simulate(seed, 4 * 3_600_000, 1000);
      const flight = out.filter((o) => o.kind === 'flight').map((o) => o.r as FlightSample);
      for (let i = 1; i < flight.length; i++) {
        const a = flight[i - 1]!;
        const b = flight[i]!;
        if (a.flightId !== b.flightId) continue;
        const dt = (tsOf(b) - tsOf(a)) / 1000;
        const moved = distanceM(a.position, b.position);
        assert.ok(moved <= 25 * dt + 0.5, `jumped ${moved} m in ${dt} s`);
        assert.ok(b.batteryPct! <= a.batteryPct!, 'battery does not recharge mid-flight');
        if (a.speedMps! > 0 && b.speedMps! > 0) assert.ok(moved > 5 * dt, 'cruising drones move');
        assert.ok(b.headingDeg! >= 0 && b.headingDeg! < 360);
        assert.ok(b.batteryPct! > 10, 'plans flights within range');
      }
    }
  });

  it('gets closer to the drop point while cruising out, and back home after', () => {
    const { out } = simulate(4, 3 * 3_600_000, 1000);
    const events = out.filter((o) => o.kind === 'delivery').map((o) => o.r as DeliverySample);
    const arrived = events.find((e) => e.event === 'arrived')!;
    const takeoff = events.find((e) => e.event === 'takeoff' && e.flightId === arrived.flightId)!;
    const cruise = out
      .filter((o) => o.kind === 'flight')
      .map((o) => o.r as FlightSample)
      .filter((f) => f.flightId === arrived.flightId && tsOf(f) > tsOf(takeoff) && tsOf(f) < tsOf(arrived));
    assert.ok(cruise.length > 60);
    const d = cruise.map((f) => distanceM(f.position, arrived.position!));
    // Dog-legs may bend the path, but the distance left to go shrinks overall and ends near zero.
    assert.ok(d.at(-1)! < 50 && d[0]! > d.at(-1)!);
    const climbing = cruise.filter((f) => f.speedMps === 0 && f.position.altM! > 0);
    assert.ok(climbing.length > 0, 'climbs and descends vertically');
  });

  it('keeps cold-chain parcels cold, drifting slowly towards ambient', () => {
    const { out } = simulate(2, 12 * 3_600_000, 10_000);
    const temps = out
      .filter((o) => o.kind === 'flight')
      .map((o) => (o.r as FlightSample).payloadTempC)
      .filter((x): x is number => x !== undefined);
    assert.ok(temps.length > 100);
    assert.ok(Math.min(...temps) >= 2 && Math.max(...temps) < 30);
  });

  it('warm start: the fleet begins mid-cycle, and what follows is still a valid sequence', () => {
    const phases = new Set<string>();
    for (let seed = 1; seed <= 40; seed++) {
      const rng = createRng(seed);
      phases.add(
        createDrone({ flightPrefix: 'D', t0: T0, warmUpMs: rng.uniform(0, 30 * 60_000) }, rng).phase,
      );
    }
    assert.ok(phases.size >= 4, [...phases].join());
    const { out } = simulate(3, 3 * 3_600_000, 1000, 17 * 60_000);
    const events = out.filter((o) => o.kind === 'delivery').map((o) => o.r as DeliverySample);
    for (let i = 1; i < events.length; i++) {
      const [a, b] = [events[i - 1]!, events[i]!];
      if (a.flightId === b.flightId) assert.ok(NEXT[a.event]?.includes(b.event), `${a.event} → ${b.event}`);
      else assert.equal(b.event, 'dispatched');
    }
  });

  it('is reproducible: same seed, same readings', () => {
    assert.deepEqual(simulate(9, 3_600_000, 1000).out, simulate(9, 3_600_000, 1000).out);
    assert.notDeepEqual(simulate(9, 600_000, 1000).out, simulate(10, 600_000, 1000).out);
  });
});
