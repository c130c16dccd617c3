/**
 * Wearable model: one patient's vital signs, as a pure step `(state, t, rng) → {state, reading}`.
 * Time comes in as `t` (epoch ms) and may advance by any step, from 1 ms to hours: episodes (activity,
 * desaturation, fever, meals) start as Poisson events over the elapsed interval.
 */
import type { VitalsReading } from '../../src/telemetry/schemas.ts';
import type { Rng } from '../rng.ts';
import { ecgStrip } from './ecg.ts';
import { PROFILES, type ProfileName, type Spread } from './profiles.ts';

export type VitalsSample = Omit<VitalsReading, 'seq'>;

const MIN = 60_000;
const HOUR = 60 * MIN;

interface Meal {
  readonly at: number;
  readonly rise: number;
  readonly peakMs: number;
}

interface Fever {
  readonly start: number;
  readonly peakC: number;
  readonly riseMs: number;
  readonly plateauMs: number;
  readonly fallMs: number;
}

export interface WearableState {
  readonly patientId: string;
  readonly profile: ProfileName;
  /** Local time offset, for the circadian rhythm and meal times. */
  readonly utcOffsetH: number;
  /** Personal baselines, drawn once from the profile. */
  readonly base: {
    readonly restingHr: number;
    readonly activeHr: number;
    readonly spo2: number;
    readonly systolic: number;
    readonly diastolic: number;
    readonly temperature: number;
    readonly respRate: number;
    readonly glucose: number | null;
    readonly cadence: number;
  };
  /** Include an ECG strip at most this often (null: never). */
  readonly ecgIntervalMs: number | null;
  readonly lastT: number | null;
  readonly lastEcgT: number | null;
  /** Exertion 0..1, moving towards `activityTarget` until `activityUntil`, then back to rest. */
  readonly activity: number;
  readonly activityTarget: number;
  readonly activityUntil: number;
  /** AR(1) noise of the heart rate, so that it wanders rather than jitters. */
  readonly hrNoise: number;
  readonly dipUntil: number;
  readonly dipDepth: number;
  readonly fever: Fever | null;
  readonly meals: readonly Meal[];
  readonly nextMealAt: number;
  /** Fractional step counter; the reading carries its floor, so it never goes back. */
  readonly steps: number;
  readonly battery: number;
}

export interface WearableOptions {
  readonly patientId: string;
  readonly profile: ProfileName;
  /** Start of the simulation, epoch ms. */
  readonly t0: number;
  readonly utcOffsetH?: number;
  readonly ecgIntervalMs?: number | null;
}

const draw = (rng: Rng, [mean, sd]: Spread): number => rng.gaussian(mean, sd);
const clamp = (v: number, min: number, max: number): number => Math.min(max, Math.max(min, v));
const round = (v: number, digits = 0): number => {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
};
/** Probability that a Poisson event of `ratePerMs` happens within `dt`. */
const happens = (rng: Rng, ratePerMs: number, dt: number): boolean =>
  rng.chance(1 - Math.exp(-ratePerMs * dt));
/** Local hour of day, 0..24. */
const localHour = (t: number, offsetH: number): number => (((t / HOUR + offsetH) % 24) + 24) % 24;
const asleep = (hour: number): boolean => hour >= 23 || hour < 6.5;

export function createWearable(options: WearableOptions, rng: Rng): WearableState {
  const p = PROFILES[options.profile];
  const restingHr = clamp(draw(rng, p.restingHr), 45, 100);
  const diastolic = clamp(draw(rng, p.diastolic), 55, 110);
  const utcOffsetH = options.utcOffsetH ?? 0;
  return {
    patientId: options.patientId,
    profile: options.profile,
    utcOffsetH,
    base: {
      restingHr,
      activeHr: clamp(draw(rng, p.activeHr), restingHr + 25, 185),
      spo2: clamp(draw(rng, p.spo2), 92, 99.5),
      systolic: diastolic + clamp(draw(rng, p.pulsePressure), 25, 80),
      diastolic,
      temperature: clamp(draw(rng, p.temperature), 36.1, 37.3),
      respRate: clamp(draw(rng, p.respRate), 10, 24),
      glucose: p.glucose ? clamp(draw(rng, p.glucose), 90, 220) : null,
      cadence: clamp(draw(rng, p.cadence), 50, 130),
    },
    ecgIntervalMs: options.ecgIntervalMs ?? null,
    lastT: null,
    lastEcgT: null,
    activity: 0,
    activityTarget: 0,
    activityUntil: options.t0,
    hrNoise: 0,
    dipUntil: options.t0,
    dipDepth: 0,
    fever: null,
    meals: [],
    nextMealAt: nextMeal(options.t0, utcOffsetH, rng),
    steps: rng.int(0, 3000),
    battery: round(rng.uniform(0.6, 1), 3),
  };
}

/** Breakfast, lunch and dinner at about 7:30, 12:30 and 19:00 local time, ±40 min. */
function nextMeal(after: number, offsetH: number, rng: Rng): number {
  const dayStart = after - localHour(after, offsetH) * HOUR;
  for (let day = 0; day < 3; day++) {
    for (const h of [7.5, 12.5, 19]) {
      // Nominal times are compared before the jitter, so that a jittered meal is never repeated.
      const nominal = dayStart + (day * 24 + h) * HOUR;
      if (nominal > after + 2 * HOUR) return nominal + rng.gaussian(0, 20 * MIN);
    }
  }
  return after + 6 * HOUR;
}

/** Fever curve: linear rise, plateau, exponential-looking fall back to normal; °C above baseline. */
function feverExcess(f: Fever, t: number, baseline: number): number {
  const dt = t - f.start;
  const amp = f.peakC - baseline;
  if (dt < 0) return 0;
  if (dt < f.riseMs) return amp * (dt / f.riseMs);
  if (dt < f.riseMs + f.plateauMs) return amp;
  const fall = (dt - f.riseMs - f.plateauMs) / f.fallMs;
  return fall >= 1 ? 0 : amp * (1 - fall) ** 2;
}

const feverEnd = (f: Fever): number => f.start + f.riseMs + f.plateauMs + f.fallMs;

/** Glucose excursion after a meal: a gamma-like curve peaking at `peakMs`. */
function mealExcess(m: Meal, t: number): number {
  const x = (t - m.at) / m.peakMs;
  return x <= 0 ? 0 : m.rise * x * Math.exp(1 - x);
}

export function stepWearable(
  state: WearableState,
  t: number,
  rng: Rng,
): { state: WearableState; reading: VitalsSample } {
  const p = PROFILES[state.profile];
  const b = state.base;
  const dt = state.lastT === null ? 0 : Math.max(0, t - state.lastT);
  const hour = localHour(t, state.utcOffsetH);
  const sleeping = asleep(hour);

  // Activity bursts: walking, stairs, exercise; rare while asleep.
  let { activity, activityTarget, activityUntil } = state;
  if (t >= activityUntil) {
    activityTarget = 0;
    const rate = (p.burstsPerHour * (sleeping ? 0.03 : 1)) / HOUR;
    if (happens(rng, rate, dt)) {
      activityTarget = rng.uniform(0.25, 1);
      activityUntil = t + rng.exponential(8 * MIN) + MIN;
    }
  }
  const tau = activityTarget > activity ? 30_000 : 120_000;
  activity = activityTarget + (activity - activityTarget) * Math.exp(-dt / tau);

  // Fever episodes.
  let fever = state.fever && t < feverEnd(state.fever) ? state.fever : null;
  if (!fever && happens(rng, p.feversPerDay / (24 * HOUR), dt)) {
    fever = {
      start: t,
      peakC: rng.uniform(p.feverPeak[0], p.feverPeak[1]),
      riseMs: rng.uniform(1, 3) * HOUR,
      plateauMs: rng.uniform(3, 20) * HOUR,
      fallMs: rng.uniform(2, 6) * HOUR,
    };
  }
  const feverC = fever ? feverExcess(fever, t, b.temperature) : 0;

  // Desaturation dips, more frequent at night (sleep apnoea).
  let { dipUntil, dipDepth } = state;
  if (t >= dipUntil) {
    dipDepth = 0;
    if (happens(rng, (p.dipsPerHour * (sleeping ? 2 : 1)) / HOUR, dt)) {
      dipDepth = rng.uniform(p.dipDepth[0], p.dipDepth[1]);
      dipUntil = t + rng.uniform(20_000, 120_000);
    }
  }

  // Meals (diabetics only carry a glucose sensor).
  let meals = state.meals;
  let nextMealAt = state.nextMealAt;
  if (b.glucose !== null) {
    while (t >= nextMealAt) {
      meals = [
        ...meals,
        {
          at: nextMealAt,
          rise: rng.uniform(p.mealRise[0], p.mealRise[1]),
          peakMs: rng.uniform(40, 80) * MIN,
        },
      ];
      nextMealAt = nextMeal(nextMealAt, state.utcOffsetH, rng);
    }
    meals = meals.filter((m) => t - m.at < 6 * HOUR);
  }

  // Circadian rhythm: lowest in the early morning (~4 h), highest in the late afternoon.
  const circ = Math.sin((2 * Math.PI * (hour - 10)) / 24);
  const hrNoise = state.hrNoise * Math.exp(-dt / 20_000) + rng.gaussian(0, 1.5);
  const heartRate = clamp(
    b.restingHr + 5 * circ + activity * (b.activeHr - b.restingHr) + 9 * feverC + hrNoise,
    38,
    200,
  );
  const spo2 = clamp(b.spo2 - dipDepth - 0.3 * feverC + rng.gaussian(0, 0.6), 80, 100);
  const nightDip = sleeping ? 0.9 : 1;
  const diastolic = clamp((b.diastolic + 3 * circ + 5 * activity) * nightDip + rng.gaussian(0, 3), 40, 130);
  const systolic = clamp(
    (b.systolic + 6 * circ + 25 * activity) * nightDip + rng.gaussian(0, 4),
    diastolic + 20,
    230,
  );
  const temperature = clamp(b.temperature + 0.25 * circ + feverC + rng.gaussian(0, 0.05), 35, 41.5);
  const respRate = clamp(b.respRate + 10 * activity + 2.5 * feverC + rng.gaussian(0, 0.8), 8, 40);

  const steps = state.steps + (b.cadence * activity * dt) / MIN;

  // Battery: a few % an hour, more with ECG; recharged in the evening when low, or when flat.
  const ecgDue =
    state.ecgIntervalMs !== null && (state.lastEcgT === null || t - state.lastEcgT >= state.ecgIntervalMs);
  let battery = state.battery - (dt / HOUR) * 0.03 - (ecgDue ? 0.0005 : 0);
  if (battery <= 0.02 || (battery < 0.2 && hour >= 21 && hour < 23)) battery = 1;
  battery = clamp(battery, 0, 1);

  const vitals: VitalsSample['vitals'] = {
    heartRate: Math.round(heartRate),
    spo2: Math.round(spo2),
    systolic: Math.round(systolic),
    diastolic: Math.round(diastolic),
    temperature: round(temperature, 1),
    respRate: Math.round(respRate),
    steps: Math.floor(steps),
  };
  if (b.glucose !== null) {
    const dawn = 10 * Math.exp(-(((hour - 6) / 2) ** 2)); // dawn phenomenon
    const mealsUp = meals.reduce((sum, m) => sum + mealExcess(m, t), 0);
    vitals.glucose = Math.round(
      clamp(b.glucose + dawn + mealsUp - 15 * activity + rng.gaussian(0, 4), 45, 450),
    );
  }
  const reading: VitalsSample = {
    ts: new Date(t).toISOString(),
    patientId: state.patientId,
    vitals,
    battery: round(battery, 3),
  };
  if (ecgDue) reading.ecg = ecgStrip(heartRate, 2, 250, rng);

  const next: WearableState = {
    ...state,
    lastT: t,
    lastEcgT: ecgDue ? t : state.lastEcgT,
    activity,
    activityTarget,
    activityUntil,
    hrNoise,
    dipUntil,
    dipDepth,
    fever,
    meals,
    nextMealAt,
    steps,
    battery,
  };
  return { state: next, reading };
}
