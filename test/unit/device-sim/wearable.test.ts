import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PROFILE_NAMES, type ProfileName } from '../../../device-sim/models/profiles.ts';
import { createWearable, stepWearable, type VitalsSample } from '../../../device-sim/models/wearable.ts';
import { createRng } from '../../../device-sim/rng.ts';
import { readingSchemas } from '../../../src/telemetry/schemas.ts';
import { parse, T0 } from './helpers.ts';

const MIN = 60_000;

function simulate(profile: ProfileName, seed: number, steps: number, stepMs: number): VitalsSample[] {
  const rng = createRng(seed);
  let state = createWearable(
    { patientId: `P-${seed}`, profile, t0: T0, utcOffsetH: 5.5, ecgIntervalMs: 6 * 60 * MIN },
    rng,
  );
  const out: VitalsSample[] = [];
  for (let i = 0; i < steps; i++) {
    const step = stepWearable(state, T0 + i * stepMs, rng);
    state = step.state;
    out.push(step.reading);
  }
  return out;
}

/** Every reading passes the zod schema, and parsePayload accepts them in arrays of 500. */
function assertAllValid(readings: readonly VitalsSample[]): void {
  const withSeq = readings.map((r, i) => ({ seq: i + 1, ...r }));
  for (const r of withSeq) {
    const result = readingSchemas.vitals.safeParse(r);
    assert.ok(result.success, `${JSON.stringify(r)}: ${result.error?.message}`);
  }
  for (let i = 0; i < withSeq.length; i += 500) {
    const chunk = withSeq.slice(i, i + 500);
    const last = chunk.at(-1)!;
    const parsed = parse('vitals', chunk, Date.parse(last.ts as string));
    assert.equal(parsed.malformed, null);
    assert.deepEqual(parsed.invalid, []);
    assert.equal(parsed.valid.length, chunk.length);
  }
}

describe('wearable model', () => {
  for (const profile of PROFILE_NAMES) {
    it(`${profile}: every reading over 10 days and 6 seeds is valid and plausible`, () => {
      for (let seed = 1; seed <= 6; seed++) {
        const readings = simulate(profile, seed, 10 * 24 * 12, 5 * MIN);
        assertAllValid(readings);
        let steps = -1;
        for (const r of readings) {
          const v = r.vitals;
          assert.ok(v.systolic! > v.diastolic!);
          assert.ok(v.heartRate! >= 35 && v.heartRate! <= 210);
          assert.ok(v.spo2! >= 80 && v.spo2! <= 100);
          assert.ok(v.steps! >= steps, 'steps never go back');
          steps = v.steps!;
          assert.ok(r.battery! >= 0 && r.battery! <= 1);
          assert.equal(v.glucose !== undefined, profile === 'diabetic');
        }
      }
    });
  }

  it('is valid at 1 Hz too, ECG strips included', () => {
    for (const profile of PROFILE_NAMES) {
      const rng = createRng(99);
      let state = createWearable({ patientId: 'P-1', profile, t0: T0, ecgIntervalMs: 60_000 }, rng);
      const readings: VitalsSample[] = [];
      for (let i = 0; i < 2 * 3600; i++) {
        const step = stepWearable(state, T0 + i * 1000, rng);
        state = step.state;
        readings.push(step.reading);
      }
      assertAllValid(readings);
      const strips = readings.filter((r) => r.ecg);
      assert.equal(strips.length, 120);
      for (const r of strips) {
        assert.equal(r.ecg!.hz, 250);
        assert.equal(r.ecg!.mv.length, 500);
        // The R peak stands out of the strip.
        assert.ok(Math.max(...r.ecg!.mv) > 0.8);
      }
    }
  });

  it('has fevers in post-operative patients, meals in diabetics, dips in the elderly', () => {
    let fevers = 0;
    let meals = 0;
    let dips = 0;
    for (let seed = 1; seed <= 5; seed++) {
      const postOp = simulate('post-operative', seed, 14 * 24 * 12, 5 * MIN);
      if (postOp.some((r) => r.vitals.temperature! >= 38)) fevers++;
      const diabetic = simulate('diabetic', seed, 3 * 24 * 60, MIN);
      const g = diabetic.map((r) => r.vitals.glucose!);
      if (Math.max(...g) - Math.min(...g) > 50) meals++;
      const elderly = simulate('elderly-hypertensive', seed, 3 * 24 * 60, MIN);
      if (elderly.some((r) => r.vitals.spo2! <= 91)) dips++;
    }
    assert.ok(fevers >= 4, `fevers in ${fevers} of 5`);
    assert.equal(meals, 5);
    assert.ok(dips >= 4, `dips in ${dips} of 5`);
  });

  it('shows a circadian rhythm: night heart rate below the afternoon one', () => {
    const readings = simulate('healthy', 5, 7 * 24 * 60, MIN);
    const meanAt = (from: number, to: number): number => {
      const hr = readings
        .filter((r) => {
          const h = (Date.parse(r.ts as string) / 3_600_000 + 5.5) % 24; // local time of the patient
          return h >= from && h < to;
        })
        .map((r) => r.vitals.heartRate!);
      return hr.reduce((s, x) => s + x, 0) / hr.length;
    };
    assert.ok(meanAt(0, 4) + 4 < meanAt(14, 18), `${meanAt(0, 4)} vs ${meanAt(14, 18)}`);
  });

  it('is reproducible: same seed, same readings; another seed, others', () => {
    assert.deepEqual(simulate('diabetic', 11, 2000, 30_000), simulate('diabetic', 11, 2000, 30_000));
    assert.notDeepEqual(simulate('diabetic', 11, 200, 30_000), simulate('diabetic', 12, 200, 30_000));
  });

  it('does not mutate the state it is given', () => {
    const rng = createRng(1);
    const state = createWearable({ patientId: 'P-1', profile: 'healthy', t0: T0 }, rng);
    const before = JSON.stringify(state);
    stepWearable(state, T0 + 60_000, rng);
    assert.equal(JSON.stringify(state), before);
  });
});
