/**
 * Synthetic ECG: each beat is a sum of Gaussian waves P, Q, R, S, T (the morphology of McSharry et al.'s
 * ECGSYN, without its dynamical system), plus baseline wander and noise. Amplitudes in millivolts.
 */
import type { Rng } from '../rng.ts';

// [offset from the R peak as a fraction of the RR interval, amplitude mV, width as a fraction of RR]
const WAVES: readonly (readonly [number, number, number])[] = [
  [-0.22, 0.12, 0.035], // P
  [-0.035, -0.12, 0.012], // Q
  [0, 1.15, 0.014], // R
  [0.035, -0.25, 0.014], // S
  [0.3, 0.3, 0.06], // T
];

export interface EcgStrip {
  readonly hz: number;
  readonly mv: number[];
}

/** A strip of `seconds` at `hz` for the given heart rate; the phase of the first beat is random. */
export function ecgStrip(heartRate: number, seconds: number, hz: number, rng: Rng): EcgStrip {
  const n = Math.max(1, Math.min(5000, Math.round(seconds * hz)));
  const rr = 60 / heartRate;
  const phase = rng.uniform(0, rr);
  const wander = rng.uniform(0, 2 * Math.PI);
  const mv = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const t = i / hz + phase;
    // Position within the current beat, centred on the R peak.
    let x = (t % rr) / rr;
    if (x > 0.5) x -= 1;
    let v = 0;
    for (const [offset, amplitude, width] of WAVES) {
      const d = x - offset;
      v += amplitude * Math.exp(-(d * d) / (2 * width * width));
    }
    v += 0.05 * Math.sin(2 * Math.PI * 0.25 * (i / hz) + wander) + rng.gaussian(0, 0.01);
    mv[i] = Math.round(v * 1000) / 1000;
  }
  return { hz, mv };
}
