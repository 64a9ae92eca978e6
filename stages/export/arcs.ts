// Great-circle arcs between two map points (turf), as plain lon/lat paths split at the antimeridian,
// and lifted with altitude for KML so long edges arch over the globe.
import { greatCircle } from "@turf/great-circle";

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

/** The arc from `from` to `to` as one or more [lon, lat] paths (more than one where it crosses the antimeridian). */
export function arcPaths(from: { latitude: number; longitude: number }, to: { latitude: number; longitude: number }): number[][][] {
  const start = [from.longitude, from.latitude];
  const end = [to.longitude, to.latitude];
  if (start[0] === end[0] && start[1] === end[1]) return [[start, end]];
  let geometry;
  try {
    geometry = greatCircle(start, end, { npoints: ARC_POINTS }).geometry;
  } catch {
    return [[start, end]]; // antipodal points have no unique great circle: draw the chord
  }
  return geometry.type === "LineString" ? [geometry.coordinates] : geometry.coordinates;
}

/** The arc as [lon, lat, altitude m] points, altitude rising as sin(πt) to a peak proportional to length. */
export function liftedArc(from: { latitude: number; longitude: number }, to: { latitude: number; longitude: number }): [number, number, number][] {
  const points = arcPaths(from, to).flat();
  const peak = ARC_PEAK_RATIO * distanceMetres(from.latitude, from.longitude, to.latitude, to.longitude);
  const last = Math.max(1, points.length - 1);
  return points.map((p, i) => [p[0]!, p[1]!, Math.round(peak * Math.sin((Math.PI * i) / last))]);
}
