/**
 * NEWS2 scoring against the published chart (Royal College of Physicians, 2017, chart 1): every band's
 * edges on both sides, and the aggregate levels (docs/alarms.md).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { news2Level, news2Points, news2Score } from '../../../src/alarms/news2.ts';

// [parameter, value, points]: each band's lowest and highest value as printed on the chart.
const EDGES: Array<[Parameters<typeof news2Points>[0], number, number]> = [
  // Respiration rate: ≤8 → 3, 9–11 → 1, 12–20 → 0, 21–24 → 2, ≥25 → 3
  ['respRate', 2, 3],
  ['respRate', 8, 3],
  ['respRate', 9, 1],
  ['respRate', 11, 1],
  ['respRate', 12, 0],
  ['respRate', 20, 0],
  ['respRate', 21, 2],
  ['respRate', 24, 2],
  ['respRate', 25, 3],
  ['respRate', 80, 3],
  // SpO2 scale 1: ≤91 → 3, 92–93 → 2, 94–95 → 1, ≥96 → 0
  ['spo2', 50, 3],
  ['spo2', 91, 3],
  ['spo2', 92, 2],
  ['spo2', 93, 2],
  ['spo2', 94, 1],
  ['spo2', 95, 1],
  ['spo2', 96, 0],
  ['spo2', 100, 0],
  // Systolic: ≤90 → 3, 91–100 → 2, 101–110 → 1, 111–219 → 0, ≥220 → 3
  ['systolic', 40, 3],
  ['systolic', 90, 3],
  ['systolic', 91, 2],
  ['systolic', 100, 2],
  ['systolic', 101, 1],
  ['systolic', 110, 1],
  ['systolic', 111, 0],
  ['systolic', 219, 0],
  ['systolic', 220, 3],
  ['systolic', 300, 3],
  // Pulse: ≤40 → 3, 41–50 → 1, 51–90 → 0, 91–110 → 1, 111–130 → 2, ≥131 → 3
  ['heartRate', 20, 3],
  ['heartRate', 40, 3],
  ['heartRate', 41, 1],
  ['heartRate', 50, 1],
  ['heartRate', 51, 0],
  ['heartRate', 90, 0],
  ['heartRate', 91, 1],
  ['heartRate', 110, 1],
  ['heartRate', 111, 2],
  ['heartRate', 130, 2],
  ['heartRate', 131, 3],
  ['heartRate', 300, 3],
  // Temperature: ≤35.0 → 3, 35.1–36.0 → 1, 36.1–38.0 → 0, 38.1–39.0 → 1, ≥39.1 → 2
  ['temperature', 25, 3],
  ['temperature', 35.0, 3],
  ['temperature', 35.1, 1],
  ['temperature', 36.0, 1],
  ['temperature', 36.1, 0],
  ['temperature', 38.0, 0],
  ['temperature', 38.1, 1],
  ['temperature', 39.0, 1],
  ['temperature', 39.1, 2],
  ['temperature', 45, 2],
];

test('every band edge of the NEWS2 chart scores as published', () => {
  for (const [parameter, value, points] of EDGES) {
    assert.equal(news2Points(parameter, value), points, `${parameter} ${value}`);
  }
});

test('a value between two whole-number bands falls in the band above it', () => {
  assert.equal(news2Points('respRate', 8.5), 1);
  assert.equal(news2Points('respRate', 20.5), 2);
  assert.equal(news2Points('spo2', 91.5), 2);
  assert.equal(news2Points('heartRate', 130.5), 3);
  assert.equal(news2Points('temperature', 35.05), 1);
});

test('levels: urgent at 5–6 or any single 3, emergency at 7 or more', () => {
  assert.equal(news2Level(4, 2), null);
  assert.equal(news2Level(3, 3), 'urgent');
  assert.equal(news2Level(5, 2), 'urgent');
  assert.equal(news2Level(6, 2), 'urgent');
  assert.equal(news2Level(7, 2), 'emergency');
  assert.equal(news2Level(0, 0), null);
});

test('the aggregate score names each parameter with its value and points', () => {
  const healthy = news2Score({ respRate: 16, spo2: 97, systolic: 120, heartRate: 72, temperature: 36.8 });
  assert.equal(healthy.score, 0);
  assert.equal(healthy.level, null);
  const sick = news2Score({ respRate: 22, spo2: 93, systolic: 105, heartRate: 115, temperature: 38.5 });
  assert.deepEqual(sick.parameters, {
    respRate: { value: 22, points: 2 },
    spo2: { value: 93, points: 2 },
    systolic: { value: 105, points: 1 },
    heartRate: { value: 115, points: 2 },
    temperature: { value: 38.5, points: 1 },
  });
  assert.equal(sick.score, 8);
  assert.equal(sick.level, 'emergency');
  const partial = news2Score({ respRate: 7 });
  assert.equal(partial.score, 3);
  assert.equal(partial.level, 'urgent');
  assert.equal(partial.parameters.spo2, null);
});

test('inputs are checked at the door', () => {
  assert.throws(() => news2Points('respRate', Number.NaN), RangeError);
  assert.throws(() => news2Points('glucose' as never, 5), RangeError);
});
