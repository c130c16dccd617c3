/**
 * The fleet, decided by the seed alone: device ids, patients, profiles, which devices drop and when.
 */
import type { ProfileName } from './models/profiles.ts';
import type { DeviceSpec } from './provision.ts';
import { createRng, deriveSeed } from './rng.ts';

export interface PlannedDevice extends DeviceSpec {
  readonly index: number;
  readonly profile?: ProfileName;
  /** When set, the device drops `dropAfterMs` into the run for `dropForMs`. */
  readonly drop?: { readonly afterMs: number; readonly forMs: number };
}

/** Share of each profile among the wearables. */
const PROFILE_MIX: readonly (readonly [ProfileName, number])[] = [
  ['healthy', 0.4],
  ['elderly-hypertensive', 0.25],
  ['diabetic', 0.2],
  ['post-operative', 0.15],
];

export interface PlanOptions {
  readonly wearables: number;
  readonly drones: number;
  readonly seed: number;
  readonly idPrefix: string;
  readonly disconnectRatio: number;
  readonly durationMs: number;
}

export function planFleet(options: PlanOptions): PlannedDevice[] {
  const rng = createRng(deriveSeed(options.seed, 'plan'));
  const devices: PlannedDevice[] = [];
  const width = String(Math.max(options.wearables, options.drones, 1)).length;
  for (let i = 0; i < options.wearables; i++) {
    const profile = pickProfile(rng.next());
    devices.push({
      index: devices.length,
      id: `${options.idPrefix}-w${String(i).padStart(width, '0')}`,
      kind: 'wearable',
      patientId: `P-${options.idPrefix}-${String(i).padStart(width, '0')}`,
      profile,
    });
  }
  for (let i = 0; i < options.drones; i++) {
    devices.push({
      index: devices.length,
      id: `${options.idPrefix}-d${String(i).padStart(width, '0')}`,
      kind: 'drone',
    });
  }
  // Drops happen in the middle of the run and end before it, so every buffer is flushed while it runs.
  const dropCount = Math.round(options.disconnectRatio * devices.length);
  const order = devices.map((d) => d.index);
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const d = options.durationMs;
  for (const index of order.slice(0, dropCount)) {
    const afterMs = d * rng.uniform(0.15, 0.35);
    const forMs = Math.min(60_000, Math.max(1000, d * rng.uniform(0.2, 0.35)));
    devices[index] = { ...devices[index]!, drop: { afterMs, forMs } };
  }
  return devices;
}

/** Walks the cumulative shares with u in [0, 1). */
function pickProfile(u: number): ProfileName {
  let left = u;
  for (const [name, share] of PROFILE_MIX) {
    left -= share;
    if (left < 0) return name;
  }
  return 'healthy';
}
