/**
 * NEWS2, the National Early Warning Score 2 (Royal College of Physicians, 2017, chart 1 "The NEWS scoring
 * system"), for the parameters a wearable reports: respiration rate, SpO2 on scale 1, systolic blood
 * pressure, pulse and temperature. Consciousness and supplemental oxygen are not in a reading: the patient
 * counts as alert and on air (0 points each), see docs/alarms.md. Pure.
 *
 * Bands are published on whole numbers (temperature to 0.1 °C). A value between two bands (e.g. a
 * respiration rate of 20.5) falls in the band above it: each band is written here by its inclusive upper bound.
 */

export const NEWS2_PARAMETERS = ['respRate', 'spo2', 'systolic', 'heartRate', 'temperature'] as const;
export type News2Parameter = (typeof NEWS2_PARAMETERS)[number];

/** `[upper bound (inclusive), points]`, ascending; values above the last bound score `above`. */
interface Bands {
  readonly bands: ReadonlyArray<readonly [number, number]>;
  readonly above: number;
}

export const NEWS2_TABLE: Readonly<Record<News2Parameter, Bands>> = {
  // ≤8: 3 · 9–11: 1 · 12–20: 0 · 21–24: 2 · ≥25: 3
  respRate: {
    bands: [
      [8, 3],
      [11, 1],
      [20, 0],
      [24, 2],
    ],
    above: 3,
  },
  // Scale 1: ≤91: 3 · 92–93: 2 · 94–95: 1 · ≥96: 0
  spo2: {
    bands: [
      [91, 3],
      [93, 2],
      [95, 1],
    ],
    above: 0,
  },
  // ≤90: 3 · 91–100: 2 · 101–110: 1 · 111–219: 0 · ≥220: 3
  systolic: {
    bands: [
      [90, 3],
      [100, 2],
      [110, 1],
      [219, 0],
    ],
    above: 3,
  },
  // ≤40: 3 · 41–50: 1 · 51–90: 0 · 91–110: 1 · 111–130: 2 · ≥131: 3
  heartRate: {
    bands: [
      [40, 3],
      [50, 1],
      [90, 0],
      [110, 1],
      [130, 2],
    ],
    above: 3,
  },
  // ≤35.0: 3 · 35.1–36.0: 1 · 36.1–38.0: 0 · 38.1–39.0: 1 · ≥39.1: 2
  temperature: {
    bands: [
      [35.0, 3],
      [36.0, 1],
      [38.0, 0],
      [39.0, 1],
    ],
    above: 2,
  },
};

/** Points of one parameter's value. */
export function news2Points(parameter: News2Parameter, value: number): number {
  const table = NEWS2_TABLE[parameter];
  if (!table) throw new RangeError(`parameter must be one of ${NEWS2_PARAMETERS.join(', ')}`);
  if (!Number.isFinite(value)) throw new RangeError(`value of ${parameter} must be a finite number`);
  const { bands } = table;
  // Indexed, not destructured: this runs for every parameter of every vitals reading.
  for (let i = 0; i < bands.length; i++) if (value <= bands[i]![0]) return bands[i]![1];
  return table.above;
}

export type News2Level = 'urgent' | 'emergency';

export interface News2Score {
  readonly score: number;
  /** Each parameter's value and points; null where no value was recent enough. */
  readonly parameters: Record<News2Parameter, { value: number; points: number } | null>;
  /** `emergency` at 7 or more; `urgent` at 5–6 or any single parameter at 3; null below. */
  readonly level: News2Level | null;
}

export function news2Level(score: number, maxPoints: number): News2Level | null {
  if (score >= 7) return 'emergency';
  if (score >= 5 || maxPoints >= 3) return 'urgent';
  return null;
}

/** The aggregate score of the parameters given (missing ones are null and score nothing). */
export function news2Score(values: Partial<Record<News2Parameter, number>>): News2Score {
  let score = 0;
  let max = 0;
  const parameters = {} as Record<News2Parameter, { value: number; points: number } | null>;
  for (const p of NEWS2_PARAMETERS) {
    const value = values[p];
    if (value === undefined) {
      parameters[p] = null;
      continue;
    }
    const points = news2Points(p, value);
    parameters[p] = { value, points };
    score += points;
    if (points > max) max = points;
  }
  return { score, parameters, level: news2Level(score, max) };
}
