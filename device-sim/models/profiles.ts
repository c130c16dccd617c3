/**
 * Patient profiles: the population parameters a wearable draws its patient's baselines from. Numbers are
 * textbook adult values, shifted where the condition shifts them (hypertension, recovery after surgery).
 */

export const PROFILE_NAMES = ['healthy', 'elderly-hypertensive', 'diabetic', 'post-operative'] as const;
export type ProfileName = (typeof PROFILE_NAMES)[number];

/** A normal draw: mean and standard deviation. */
export type Spread = readonly [mean: number, sd: number];

export interface Profile {
  readonly restingHr: Spread;
  /** Heart rate reached at full exertion. */
  readonly activeHr: Spread;
  /** Expected activity bursts per waking hour. */
  readonly burstsPerHour: number;
  readonly spo2: Spread;
  /** Expected desaturation dips per hour, and their depth in %. */
  readonly dipsPerHour: number;
  readonly dipDepth: readonly [min: number, max: number];
  readonly diastolic: Spread;
  /** Systolic minus diastolic; wide in the elderly (stiff arteries). */
  readonly pulsePressure: Spread;
  readonly temperature: Spread;
  /** Expected fever episodes per day, and the peak range in °C. */
  readonly feversPerDay: number;
  readonly feverPeak: readonly [min: number, max: number];
  readonly respRate: Spread;
  /** Fasting glucose in mg/dL, present only for diabetics. */
  readonly glucose: Spread | null;
  /** Rise of glucose after a meal, mg/dL. */
  readonly mealRise: readonly [min: number, max: number];
  /** Walking cadence at full activity, steps per minute. */
  readonly cadence: Spread;
}

export const PROFILES: Readonly<Record<ProfileName, Profile>> = {
  healthy: {
    restingHr: [64, 7],
    activeHr: [150, 12],
    burstsPerHour: 0.8,
    spo2: [98, 0.6],
    dipsPerHour: 0.05,
    dipDepth: [3, 5],
    diastolic: [76, 5],
    pulsePressure: [42, 5],
    temperature: [36.7, 0.15],
    feversPerDay: 0.02,
    feverPeak: [37.8, 39.0],
    respRate: [14, 1.5],
    glucose: null,
    mealRise: [20, 40],
    cadence: [112, 6],
  },
  'elderly-hypertensive': {
    restingHr: [72, 8],
    activeHr: [115, 10],
    burstsPerHour: 0.4,
    spo2: [95.5, 1],
    dipsPerHour: 0.5,
    dipDepth: [4, 9],
    diastolic: [90, 6],
    pulsePressure: [62, 8],
    temperature: [36.5, 0.15],
    feversPerDay: 0.05,
    feverPeak: [37.8, 39.2],
    respRate: [17, 2],
    glucose: null,
    mealRise: [20, 40],
    cadence: [90, 8],
  },
  diabetic: {
    restingHr: [74, 8],
    activeHr: [140, 12],
    burstsPerHour: 0.6,
    spo2: [97, 0.8],
    dipsPerHour: 0.1,
    dipDepth: [3, 6],
    diastolic: [84, 6],
    pulsePressure: [48, 6],
    temperature: [36.7, 0.15],
    feversPerDay: 0.04,
    feverPeak: [37.8, 39.0],
    respRate: [15, 1.5],
    glucose: [135, 18],
    mealRise: [50, 130],
    cadence: [105, 7],
  },
  'post-operative': {
    restingHr: [84, 9],
    activeHr: [120, 10],
    burstsPerHour: 0.15,
    spo2: [95.5, 1],
    dipsPerHour: 0.4,
    dipDepth: [4, 10],
    diastolic: [80, 7],
    pulsePressure: [44, 6],
    temperature: [37.0, 0.2],
    feversPerDay: 0.5,
    feverPeak: [38.0, 40.0],
    respRate: [18, 2],
    glucose: null,
    mealRise: [20, 40],
    cadence: [70, 8],
  },
};
