/**
 * Reading sources: a model with its state, behind `next(t)`. The device adds the sequence number.
 */
import type { ReadingKind } from '../src/telemetry/schemas.ts';
import { createDrone, type DroneOptions, stepDrone } from './models/drone.ts';
import { createWearable, stepWearable, type WearableOptions } from './models/wearable.ts';
import type { Rng } from './rng.ts';

export interface Emission {
  readonly kind: ReadingKind;
  /** The reading without its `seq`. */
  readonly body: object;
}

export interface ReadingSource {
  next(t: number): Emission[];
}

export function wearableSource(options: WearableOptions, rng: Rng): ReadingSource {
  let state = createWearable(options, rng);
  return {
    next(t) {
      const step = stepWearable(state, t, rng);
      state = step.state;
      return [{ kind: 'vitals', body: step.reading }];
    },
  };
}

export function droneSource(options: DroneOptions, rng: Rng): ReadingSource {
  let state = createDrone(options, rng);
  return {
    next(t) {
      const step = stepDrone(state, t, rng);
      state = step.state;
      const out: Emission[] = step.events.map((body) => ({ kind: 'delivery', body }));
      if (step.flight) out.push({ kind: 'flight', body: step.flight });
      return out;
    },
  };
}
