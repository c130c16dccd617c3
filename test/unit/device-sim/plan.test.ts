import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planFleet } from '../../../device-sim/plan.ts';
import { idSchema } from '../../../src/telemetry/schemas.ts';

const base = {
  wearables: 200,
  drones: 20,
  seed: 4,
  idPrefix: 'sim-x1',
  disconnectRatio: 0.25,
  durationMs: 60_000,
};

describe('fleet plan', () => {
  it('is decided by the seed', () => {
    assert.deepEqual(planFleet(base), planFleet(base));
    assert.notDeepEqual(planFleet(base), planFleet({ ...base, seed: 5 }));
  });

  it('gives unique ids, valid patient ids, one patient per wearable', () => {
    const plan = planFleet(base);
    assert.equal(new Set(plan.map((d) => d.id)).size, 220);
    const wearables = plan.filter((d) => d.kind === 'wearable');
    assert.equal(wearables.length, 200);
    assert.equal(new Set(wearables.map((d) => d.patientId)).size, 200);
    for (const d of wearables) assert.ok(idSchema.safeParse(d.patientId).success);
    assert.ok(plan.filter((d) => d.kind === 'drone').every((d) => d.patientId === undefined));
  });

  it('mixes the profiles', () => {
    const profiles = new Set(planFleet(base).map((d) => d.profile));
    for (const p of ['healthy', 'elderly-hypertensive', 'diabetic', 'post-operative'])
      assert.ok(profiles.has(p as never));
  });

  it('drops the asked share of devices, mid-run, back before the end', () => {
    const drops = planFleet(base).filter((d) => d.drop);
    assert.equal(drops.length, 55);
    for (const { drop } of drops) {
      assert.ok(drop!.afterMs >= 0.15 * 60_000 && drop!.afterMs + drop!.forMs < 60_000);
    }
    assert.equal(planFleet({ ...base, disconnectRatio: 0 }).filter((d) => d.drop).length, 0);
  });
});
