/** Great-circle geometry on a spherical Earth: good to ~0.5 % at delivery ranges, which is plenty here. */

export interface LatLon {
  readonly lat: number;
  readonly lon: number;
}

const R = 6_371_008.8; // mean Earth radius, metres
const rad = (deg: number): number => (deg * Math.PI) / 180;
const deg = (r: number): number => (r * 180) / Math.PI;

/** Haversine distance in metres. */
export function distanceM(a: LatLon, b: LatLon): number {
  const dLat = rad(b.lat - a.lat);
  const dLon = rad(b.lon - a.lon);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.sin(dLon / 2) ** 2;
  return 2 * R * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** Heading in [0, 360): the rounding guard matters, the schema refuses 360. */
export function normalizeHeading(h: number): number {
  const n = ((h % 360) + 360) % 360;
  return n >= 360 ? 0 : n;
}

/** Initial bearing from a to b, degrees in [0, 360). */
export function bearingDeg(a: LatLon, b: LatLon): number {
  const φ1 = rad(a.lat);
  const φ2 = rad(b.lat);
  const Δλ = rad(b.lon - a.lon);
  const y = Math.sin(Δλ) * Math.cos(φ2);
  const x = Math.cos(φ1) * Math.sin(φ2) - Math.sin(φ1) * Math.cos(φ2) * Math.cos(Δλ);
  return normalizeHeading(deg(Math.atan2(y, x)));
}

/** The point reached from `from` after `distance` metres on the initial bearing `bearing` (degrees). */
export function destination(from: LatLon, bearing: number, distance: number): LatLon {
  const δ = distance / R;
  const θ = rad(bearing);
  const φ1 = rad(from.lat);
  const λ1 = rad(from.lon);
  const φ2 = Math.asin(Math.sin(φ1) * Math.cos(δ) + Math.cos(φ1) * Math.sin(δ) * Math.cos(θ));
  const λ2 =
    λ1 + Math.atan2(Math.sin(θ) * Math.sin(δ) * Math.cos(φ1), Math.cos(δ) - Math.sin(φ1) * Math.sin(φ2));
  return { lat: deg(φ2), lon: normalizeLon(deg(λ2)) };
}

/** The point at fraction f (0..1) of the great circle from a to b. */
export function intermediate(a: LatLon, b: LatLon, f: number): LatLon {
  const d = distanceM(a, b) / R;
  if (d < 1e-12) return { lat: a.lat, lon: a.lon };
  const φ1 = rad(a.lat);
  const λ1 = rad(a.lon);
  const φ2 = rad(b.lat);
  const λ2 = rad(b.lon);
  const A = Math.sin((1 - f) * d) / Math.sin(d);
  const B = Math.sin(f * d) / Math.sin(d);
  const x = A * Math.cos(φ1) * Math.cos(λ1) + B * Math.cos(φ2) * Math.cos(λ2);
  const y = A * Math.cos(φ1) * Math.sin(λ1) + B * Math.cos(φ2) * Math.sin(λ2);
  const z = A * Math.sin(φ1) + B * Math.sin(φ2);
  return { lat: deg(Math.atan2(z, Math.hypot(x, y))), lon: normalizeLon(deg(Math.atan2(y, x))) };
}

function normalizeLon(lon: number): number {
  return ((((lon + 180) % 360) + 360) % 360) - 180;
}

/** Total length of a polyline in metres. */
export function pathLengthM(points: readonly LatLon[]): number {
  let total = 0;
  for (let i = 1; i < points.length; i++) total += distanceM(points[i - 1]!, points[i]!);
  return total;
}
