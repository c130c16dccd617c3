// NEWS2 (Royal College of Physicians, 2017): each parameter's points from the published table, from the
// latest value no older than 5 minutes; air and alert assumed (the readings do not carry them).

const bands = {
  respRate: (v) => (v <= 8 ? 3 : v <= 11 ? 1 : v <= 20 ? 0 : v <= 24 ? 2 : 3),
  spo2: (v) => (v <= 91 ? 3 : v <= 93 ? 2 : v <= 95 ? 1 : 0),
  systolic: (v) => (v <= 90 ? 3 : v <= 100 ? 2 : v <= 110 ? 1 : v <= 219 ? 0 : 3),
  heartRate: (v) => (v <= 40 ? 3 : v <= 50 ? 1 : v <= 90 ? 0 : v <= 110 ? 1 : v <= 130 ? 2 : 3),
  temperature: (v) => (v <= 35.0 ? 3 : v <= 36.0 ? 1 : v <= 38.0 ? 0 : v <= 39.0 ? 1 : 2),
};

const MAX_AGE_MS = 5 * 60_000;

/** `readings`: vitals readings as the API gives them (ts ISO, data.vitals). */
export function news2(readings, now) {
  const parameters = {};
  for (const key of Object.keys(bands)) {
    let best = null;
    for (const r of readings) {
      const value = r.data?.vitals?.[key];
      const ts = Date.parse(r.ts);
      if (typeof value !== 'number' || now - ts > MAX_AGE_MS) continue;
      if (!best || ts >= best.ts) best = { ts, value };
    }
    parameters[key] = best ? { value: best.value, points: bands[key](best.value) } : null;
  }
  const points = Object.values(parameters)
    .filter(Boolean)
    .map((p) => p.points);
  const score = points.reduce((a, b) => a + b, 0);
  const level = score >= 7 ? 'emergency' : score >= 5 || points.includes(3) ? 'urgent' : 'none';
  return { score, level, parameters, complete: points.length === Object.keys(bands).length };
}
