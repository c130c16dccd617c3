import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BAD_KINDS, JSON_BAD_KINDS, spoil } from '../../../device-sim/bad-readings.ts';
import { createRng } from '../../../device-sim/rng.ts';
import { droneSource, wearableSource } from '../../../device-sim/sources.ts';
import type { ReadingKind } from '../../../src/telemetry/schemas.ts';
import { parse, T0 } from './helpers.ts';

/** A few valid readings of each topic, from the models themselves. */
function samples(): Record<ReadingKind, object[]> {
  const out: Record<ReadingKind, object[]> = { vitals: [], flight: [], delivery: [] };
  const w = wearableSource({ patientId: 'P-1', profile: 'diabetic', t0: T0 }, createRng(1));
  const d = droneSource({ flightPrefix: 'D1', t0: T0 }, createRng(2));
  let seq = 1;
  for (let t = T0; t < T0 + 3 * 3_600_000; t += 10_000) {
    for (const e of [...w.next(t), ...d.next(t)]) out[e.kind].push({ seq: seq++, ...e.body });
  }
  return out;
}

describe('bad readings', () => {
  const valid = samples();

  it('the untouched samples are valid', () => {
    for (const kind of ['vitals', 'flight', 'delivery'] as const) {
      assert.ok(valid[kind].length > 5);
      for (const r of valid[kind]) assert.equal(parse(kind, r, T0 + 4 * 3_600_000).valid.length, 1);
    }
  });

  for (const bad of BAD_KINDS) {
    it(`${bad}: always rejected by parsePayload, for every topic`, () => {
      const rng = createRng(5);
      for (const kind of ['vitals', 'flight', 'delivery'] as const) {
        for (const reading of valid[kind]) {
          const now = T0 + 4 * 3_600_000;
          const spoiled = spoil(bad, kind, reading, now, rng);
          assert.equal(spoiled.kind, bad);
          const parsed = parse(kind, spoiled.text, now);
          assert.equal(parsed.valid.length, 0, `${bad} accepted: ${spoiled.text}`);
          assert.ok(parsed.malformed || parsed.invalid.length === 1);
          if (bad === 'not-json') assert.ok(parsed.malformed);
          else {
            assert.equal(parsed.malformed, null);
            assert.equal(
              parsed.invalid[0]!.seq,
              (reading as { seq: number }).seq,
              'the report can name the seq',
            );
          }
        }
      }
    });
  }

  it('a spoiled reading inside an array costs none of its valid siblings', () => {
    const rng = createRng(8);
    const now = T0 + 4 * 3_600_000;
    for (const bad of JSON_BAD_KINDS) {
      const [a, b, c] = valid.vitals as [object, object, object];
      const array = [a, spoil(bad, 'vitals', b, now, rng).value, c];
      const parsed = parse('vitals', array, now);
      assert.equal(parsed.valid.length, 2);
      assert.equal(parsed.invalid.length, 1);
      assert.equal(parsed.invalid[0]!.index, 1);
    }
  });

  it('never touches the reading it spoils', () => {
    const reading = valid.vitals[0]!;
    const before = JSON.stringify(reading);
    for (const bad of BAD_KINDS) spoil(bad, 'vitals', reading, T0, createRng(1));
    assert.equal(JSON.stringify(reading), before);
  });
});
