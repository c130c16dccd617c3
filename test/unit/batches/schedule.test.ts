import assert from 'node:assert/strict';
import { test } from 'node:test';
import cron from 'node-cron';
import { windowCron } from '../../../src/anchoring/schedule.ts';

test('window cron expressions fire just after each boundary', () => {
  assert.equal(windowCron(60, 2), '2 * * * * *');
  assert.equal(windowCron(10, 2), '2,12,22,32,42,52 * * * * *');
  assert.equal(windowCron(300, 2), '2 0-59/5 * * * *');
  assert.equal(windowCron(3600, 0), '0 0 * * * *');
  for (const w of [1, 2, 5, 10, 15, 30, 60, 120, 300, 900, 3600, 40, 90]) {
    assert.ok(cron.validate(windowCron(w, 2)), `window ${w}: ${windowCron(w, 2)}`);
  }
  assert.throws(() => windowCron(7, 0), RangeError);
});
