/**
 * Delivery drone model, a pure step `(state, t, rng) → {state, flight, events}`. A cycle: dispatched at the
 * hospital, loading, takeoff, climb, cruise along great-circle waypoints, descent, arrived, hand-over,
 * delivered or failed, climb, cruise back, descent, returned, battery swap, and the next flight.
 * Phases may end anywhere inside a step; events carry the instant they happened.
 */
import type { DeliveryReading, FlightReading } from '../../src/telemetry/schemas.ts';
import type { Rng } from '../rng.ts';
import { bearingDeg, destination, distanceM, intermediate, type LatLon, normalizeHeading } from './geo.ts';
import {
  BASES,
  type Base,
  FAILURE_NOTES,
  FAMILY_NAMES,
  GIVEN_NAMES,
  PARCELS,
  type ParcelTemplate,
} from './places.ts';

export type FlightSample = Omit<FlightReading, 'seq'>;
export type DeliverySample = Omit<DeliveryReading, 'seq'>;
export type DronePhase = 'turnaround' | 'loading' | 'climb' | 'cruise' | 'descend' | 'handover';

export interface DroneState {
  readonly flightPrefix: string;
  readonly base: Base;
  /** Patients deliveries are for; drawn at random. */
  readonly patientIds: readonly string[];
  readonly cruiseSpeedMps: number;
  readonly cruiseAltM: number;
  readonly flightNo: number;
  readonly flightId: string;
  readonly phase: DronePhase;
  /** End of a timed phase (turnaround, loading, handover). */
  readonly phaseUntil: number;
  readonly outbound: boolean;
  /** Waypoints of the current direction, first = where it started, last = where it lands. */
  readonly route: readonly LatLon[];
  /** Index in `route` of the waypoint being flown to. */
  readonly nextWaypoint: number;
  readonly position: LatLon;
  readonly altM: number;
  readonly headingDeg: number;
  readonly batteryPct: number;
  readonly parcel: ParcelTemplate | null;
  readonly payloadTempC: number | null;
  readonly patientId: string;
  readonly recipient: { readonly name: string; readonly phone: string };
  readonly lastT: number;
}

export interface DroneOptions {
  /** Prefix of flight ids, e.g. the device id: flights are `{prefix}-F0001`, ... */
  readonly flightPrefix: string;
  readonly t0: number;
  readonly patientIds?: readonly string[];
  /** Index into BASES; random when absent. */
  readonly base?: number;
  /**
   * Start as if the drone had been flying for this long before t0 (events of that time are dropped), so
   * that a fleet starts spread over every phase instead of all loading at once.
   */
  readonly warmUpMs?: number;
}

export interface DroneStep {
  readonly state: DroneState;
  /** Telemetry at `t`; null while on the ground between flights. */
  readonly flight: FlightSample | null;
  /** Delivery events since the previous step, in order. */
  readonly events: DeliverySample[];
}

const CLIMB_MPS = 4;
const DESCENT_MPS = 3;
/** Battery use: % per second powered (hover, climb), % per metre of cruise, % per metre per kg. */
const DRAIN_PER_S = 0.05;
const DRAIN_PER_M = 0.0016;
const DRAIN_PER_M_KG = 0.0004;

const round = (v: number, digits: number): number => {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
};

export function createDrone(options: DroneOptions, rng: Rng): DroneState {
  const warmUp = Math.max(0, options.warmUpMs ?? 0);
  let state = coldDrone({ ...options, t0: options.t0 - warmUp }, rng);
  for (let t = state.lastT; t < options.t0; ) {
    t = Math.min(options.t0, t + 10_000);
    state = stepDrone(state, t, rng).state;
  }
  return state;
}

function coldDrone(options: DroneOptions, rng: Rng): DroneState {
  const base = options.base !== undefined ? BASES[options.base % BASES.length]! : rng.pick(BASES);
  if (!/^[A-Za-z0-9._-]{1,52}$/.test(options.flightPrefix)) {
    throw new RangeError(
      `flightPrefix must be 1..52 of [A-Za-z0-9._-], got ${JSON.stringify(options.flightPrefix)}`,
    );
  }
  return {
    flightPrefix: options.flightPrefix,
    base,
    patientIds: options.patientIds?.length ? options.patientIds : ['P-000001'],
    cruiseSpeedMps: rng.uniform(14, 22),
    cruiseAltM: rng.uniform(90, 140),
    flightNo: 0,
    flightId: `${options.flightPrefix}-F0000`,
    phase: 'turnaround',
    phaseUntil: options.t0 + rng.uniform(0, 2_000),
    outbound: true,
    route: [base, base],
    nextWaypoint: 1,
    position: { lat: base.lat, lon: base.lon },
    altM: 0,
    headingDeg: 0,
    batteryPct: rng.uniform(90, 100),
    parcel: null,
    payloadTempC: null,
    patientId: 'P-000001',
    recipient: { name: 'none', phone: '000' },
    lastT: options.t0,
  };
}

/** A route out: the hospital, one or two dog-leg waypoints (airspace, terrain), the drop point. */
function planRoute(base: LatLon, rng: Rng): LatLon[] {
  const bearing = rng.uniform(0, 360);
  const total = rng.uniform(2_000, 9_000);
  const dest = destination(base, bearing, total);
  const route: LatLon[] = [base];
  const legs = rng.int(1, 3);
  for (let i = 1; i < legs; i++) {
    const along = intermediate(base, dest, i / legs);
    route.push(destination(along, bearing + (rng.chance(0.5) ? 90 : -90), total * rng.uniform(0.03, 0.12)));
  }
  route.push(dest);
  return route;
}

function dispatch(s: DroneState, at: number, rng: Rng): DroneState {
  const flightNo = s.flightNo + 1;
  const parcel = rng.pick(PARCELS);
  const base = s.base;
  return {
    ...s,
    flightNo,
    flightId: `${s.flightPrefix}-F${String(flightNo).padStart(4, '0')}`,
    phase: 'loading',
    phaseUntil: at + rng.uniform(30_000, 120_000),
    outbound: true,
    route: planRoute(base, rng),
    nextWaypoint: 1,
    position: { lat: base.lat, lon: base.lon },
    altM: 0,
    parcel,
    payloadTempC: parcel.startC,
    patientId: rng.pick(s.patientIds),
    recipient: {
      name: `${rng.pick(GIVEN_NAMES)} ${rng.pick(FAMILY_NAMES)}`,
      phone: `${base.phonePrefix}${String(rng.int(0, 99_999_999)).padStart(8, '0')}`,
    },
  };
}

function event(s: DroneState, at: number, kind: DeliverySample['event']): DeliverySample {
  const e: DeliverySample = {
    ts: new Date(Math.round(at)).toISOString(),
    flightId: s.flightId,
    event: kind,
    patientId: s.patientId,
    position: { lat: round(s.position.lat, 6), lon: round(s.position.lon, 6), altM: round(s.altM, 1) },
  };
  if (s.parcel)
    e.payload = { kind: s.parcel.kind, description: s.parcel.description, quantity: s.parcel.quantity };
  if (kind === 'arrived' || kind === 'delivered' || kind === 'failed') e.recipient = { ...s.recipient };
  return e;
}

/** Metres left along the route from the current position. */
function remainingM(s: DroneState): number {
  let total = 0;
  let from = s.position;
  for (let i = s.nextWaypoint; i < s.route.length; i++) {
    total += distanceM(from, s.route[i]!);
    from = s.route[i]!;
  }
  return total;
}

/** Moves `metres` along the route, waypoint by waypoint, on great circles. */
function fly(s: DroneState, metres: number): DroneState {
  let position = s.position;
  let next = s.nextWaypoint;
  let heading = s.headingDeg;
  let left = metres;
  while (left > 0 && next < s.route.length) {
    const wp = s.route[next]!;
    const d = distanceM(position, wp);
    if (d > 1e-6) heading = bearingDeg(position, wp);
    if (left >= d) {
      position = wp;
      next++;
      left -= d;
    } else {
      position = intermediate(position, wp, left / d);
      left = 0;
    }
  }
  return { ...s, position, nextWaypoint: next, headingDeg: heading };
}

export function stepDrone(state: DroneState, t: number, rng: Rng): DroneStep {
  let s = state;
  let clock = s.lastT;
  // Time never runs backwards inside the model.
  const end = Math.max(t, clock);
  const events: DeliverySample[] = [];
  // Each pass consumes time up to the end of the current phase; a phase change may take no time.
  for (let guard = 0; clock < end || guard === 0; guard++) {
    if (guard > 10_000) throw new Error('drone model did not converge');
    const left = end - clock;
    let used = 0;
    let drain = 0;
    switch (s.phase) {
      case 'turnaround':
      case 'loading':
      case 'handover': {
        used = Math.min(left, Math.max(0, s.phaseUntil - clock));
        if (clock + used >= s.phaseUntil) s = endTimedPhase(s, clock + used, rng, events);
        break;
      }
      case 'climb': {
        const need = ((s.cruiseAltM - s.altM) / CLIMB_MPS) * 1000;
        used = Math.min(left, need);
        drain = DRAIN_PER_S * (used / 1000);
        s = { ...s, altM: Math.min(s.cruiseAltM, s.altM + (CLIMB_MPS * used) / 1000) };
        if (used >= need) s = { ...s, phase: 'cruise', altM: s.cruiseAltM };
        break;
      }
      case 'cruise': {
        const need = (remainingM(s) / s.cruiseSpeedMps) * 1000;
        used = Math.min(left, need);
        const metres = (s.cruiseSpeedMps * used) / 1000;
        drain = metres * (DRAIN_PER_M + DRAIN_PER_M_KG * (s.parcel?.kg ?? 0));
        s = fly(s, used >= need ? Number.POSITIVE_INFINITY : metres);
        if (used >= need) s = { ...s, phase: 'descend' };
        break;
      }
      case 'descend': {
        const need = (s.altM / DESCENT_MPS) * 1000;
        used = Math.min(left, need);
        drain = DRAIN_PER_S * 0.8 * (used / 1000);
        s = { ...s, altM: Math.max(0, s.altM - (DESCENT_MPS * used) / 1000) };
        if (used >= need) s = land({ ...s, altM: 0 }, clock + used, rng, events);
        break;
      }
    }
    s = { ...s, batteryPct: Math.max(0, s.batteryPct - drain), payloadTempC: drift(s, used) };
    clock += used;
    if (used === 0 && left <= 0) break;
  }
  s = { ...s, lastT: end };
  return { state: s, flight: s.phase === 'turnaround' ? null : telemetry(s, end, rng), events };
}

/** Cold chain: the gap to ambient shrinks exponentially with the box's insulation time constant. */
function drift(s: DroneState, ms: number): number | null {
  if (s.payloadTempC === null || !s.parcel) return null;
  const k = Math.exp(-ms / (s.parcel.insulationH * 3_600_000));
  return s.base.ambientC + (s.payloadTempC - s.base.ambientC) * k;
}

function endTimedPhase(s: DroneState, at: number, rng: Rng, events: DeliverySample[]): DroneState {
  if (s.phase === 'turnaround') {
    const next = dispatch(s, at, rng);
    events.push(event(next, at, 'dispatched'));
    return next;
  }
  if (s.phase === 'loading') {
    const next: DroneState = { ...s, phase: 'climb', headingDeg: bearingDeg(s.position, s.route[1]!) };
    events.push(event(next, at, 'takeoff'));
    return next;
  }
  // Hand-over done: delivered, or failed and the parcel flies back.
  const delivered = rng.chance(0.9);
  const done = event(s, at, delivered ? 'delivered' : 'failed');
  if (!delivered) done.notes = rng.pick(FAILURE_NOTES);
  events.push(done);
  return {
    ...s,
    phase: 'climb',
    outbound: false,
    route: [...s.route].reverse(),
    nextWaypoint: 1,
    parcel: delivered ? null : s.parcel,
    payloadTempC: delivered ? null : s.payloadTempC,
  };
}

function land(s: DroneState, at: number, rng: Rng, events: DeliverySample[]): DroneState {
  if (s.outbound) {
    events.push(event(s, at, 'arrived'));
    return { ...s, phase: 'handover', phaseUntil: at + rng.uniform(45_000, 240_000) };
  }
  events.push(event(s, at, 'returned'));
  // Battery swap during the turnaround.
  return {
    ...s,
    phase: 'turnaround',
    phaseUntil: at + rng.uniform(60_000, 300_000),
    batteryPct: rng.uniform(95, 100),
  };
}

function telemetry(s: DroneState, t: number, rng: Rng): FlightSample {
  const moving = s.phase === 'cruise';
  const speed = moving ? Math.max(0, s.cruiseSpeedMps + rng.gaussian(0, 0.4)) : 0;
  const sample: FlightSample = {
    ts: Math.round(t),
    flightId: s.flightId,
    position: { lat: round(s.position.lat, 6), lon: round(s.position.lon, 6), altM: round(s.altM, 1) },
    speedMps: round(speed, 1),
    headingDeg: roundHeading(s.headingDeg),
    batteryPct: round(s.batteryPct, 1),
  };
  if (s.payloadTempC !== null) sample.payloadTempC = round(s.payloadTempC + rng.gaussian(0, 0.05), 2);
  return sample;
}

/** To 0.1°, in [0, 360): rounding can carry 359.96 up to 360, which the schema refuses. */
function roundHeading(h: number): number {
  const r = round(normalizeHeading(h), 1);
  return r >= 360 ? 0 : r;
}
