// Great-circle arcs between two map points, as lon/lat paths split at the antimeridian for GeoJSON, and lifted
// with altitude for KML so long edges arch over the globe. Interpolated here (slerp) rather than with
// @turf/great-circle, which is ~20× slower per arc; the tests check every point against turf.

/** Points per arc, as fluxture drew them. */
export const ARC_POINTS = 20;
/** Peak altitude of an arc as a fraction of its great-circle length (a 10,000 km edge peaks at 1,500 km). */
export const ARC_PEAK_RATIO = 0.15;
const EARTH_RADIUS_M = 6_371_008.8;

/** Great-circle distance in metres (haversine). */
export function distanceMetres(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const rad = Math.PI / 180;
  const dLat = (lat2 - lat1) * rad;
  const dLon = (lon2 - lon1) * rad;
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(a)));
}

type Located = { readonly latitude: number; readonly longitude: number };
const pathCache = new WeakMap<Located, WeakMap<Located, number[][][]>>();
const RAD = Math.PI / 180;

/** The arc from `from` to `to` as one or more [lon, lat] paths (more than one where it crosses the antimeridian);
 * memoised per pair of point objects, since KML and GeoJSON draw the same edges. */
export function arcPaths(from: Located, to: Located): number[][][] {
  let inner = pathCache.get(from);
  if (inner === undefined) pathCache.set(from, (inner = new WeakMap()));
  let paths = inner.get(to);
  if (paths === undefined) inner.set(to, (paths = splitAtAntimeridian(greatCirclePoints(from, to, ARC_POINTS))));
  return paths;
}

/** `n` points along the great circle from `from` to `to` (spherical linear interpolation of unit vectors), as
 * [lon, lat]; the chord when the ends coincide or are antipodal (no unique great circle). Checked against turf. */
export function greatCirclePoints(from: Located, to: Located, n: number): number[][] {
  const lat1 = from.latitude * RAD;
  const lon1 = from.longitude * RAD;
  const lat2 = to.latitude * RAD;
  const lon2 = to.longitude * RAD;
  const a = [Math.cos(lat1) * Math.cos(lon1), Math.cos(lat1) * Math.sin(lon1), Math.sin(lat1)] as const;
  const b = [Math.cos(lat2) * Math.cos(lon2), Math.cos(lat2) * Math.sin(lon2), Math.sin(lat2)] as const;
  const dot = Math.max(-1, Math.min(1, a[0] * b[0] + a[1] * b[1] + a[2] * b[2]));
  const omega = Math.acos(dot);
  const sinOmega = Math.sin(omega);
  const out: number[][] = [];
  for (let i = 0; i < n; i++) {
    const t = i / (n - 1);
    if (sinOmega < 1e-9) {
      // coincident or antipodal ends: straight interpolation in lon/lat
      out.push([from.longitude + t * (to.longitude - from.longitude), from.latitude + t * (to.latitude - from.latitude)]);
      continue;
    }
    const wa = Math.sin((1 - t) * omega) / sinOmega;
    const wb = Math.sin(t * omega) / sinOmega;
    const x = wa * a[0] + wb * b[0];
    const y = wa * a[1] + wb * b[1];
    const z = wa * a[2] + wb * b[2];
    out.push([Math.atan2(y, x) / RAD, Math.atan2(z, Math.hypot(x, y)) / RAD]);
  }
  out[0] = [from.longitude, from.latitude];
  out[n - 1] = [to.longitude, to.latitude];
  return out;
}

/** Splits a [lon, lat] path where it crosses ±180°, adding the crossing point to both sides (RFC 7946 §3.1.9). */
export function splitAtAntimeridian(points: readonly number[][]): number[][][] {
  const paths: number[][][] = [[points[0]!]];
  for (let i = 1; i < points.length; i++) {
    const [lon0, lat0] = points[i - 1] as [number, number];
    const [lon1, lat1] = points[i] as [number, number];
    const current = paths[paths.length - 1]!;
    if (Math.abs(lon1 - lon0) > 180) {
      const edge = lon0 > 0 ? 180 : -180; // the side the path leaves from
      const unwrapped = lon1 + (lon0 > 0 ? 360 : -360);
      const f = (edge - lon0) / (unwrapped - lon0);
      const lat = lat0 + f * (lat1 - lat0);
      current.push([edge, lat]);
      paths.push([[-edge, lat], points[i]!]);
    } else {
      current.push(points[i]!);
    }
  }
  return paths;
}

/** The arc as [lon, lat, altitude m] points, altitude rising as sin(πt) to a peak proportional to length. */
export function liftedArc(from: Located, to: Located): [number, number, number][] {
  const points = greatCirclePoints(from, to, ARC_POINTS);
  const peak = ARC_PEAK_RATIO * distanceMetres(from.latitude, from.longitude, to.latitude, to.longitude);
  const last = points.length - 1;
  return points.map((p, i) => [p[0]!, p[1]!, Math.round(peak * Math.sin((Math.PI * i) / last))]);
}
