// Turns a run's nodes and edges into what a map draws: located points (a node, or a group at its members'
// centroid) and edges, either aggregated between city or country hubs (the default: what a map can show) or
// every node edge (`--edges all`), strongest first and capped.
import { groupKey, type ExportNode, type ExportRun, type GroupBy } from "./model.ts";

/** One placemark: a located node, or a group of located nodes drawn at their centroid. */
export interface MapPoint {
  /** Unique, XML-safe id (`n1`, `n2`, … for points, `h1`, … for edge hubs), stable for a given input order. */
  readonly id: string;
  readonly name: string;
  readonly latitude: number;
  readonly longitude: number;
  readonly members: readonly ExportNode[];
  /** Sum of the members' pagerank (0 when the run has no metrics). */
  readonly rank: number;
}

/** An edge between two points; `weight` counts the node edges it stands for. */
export interface MapEdge {
  readonly from: MapPoint;
  readonly to: MapPoint;
  readonly weight: number;
  /** Ordering key for --max-edges: weight, then the endpoints' rank. */
  readonly strength: number;
}

/** Which edges a map draws: none, node edges aggregated between cities or countries, or every node edge. */
export type EdgeMode = "none" | "city" | "country" | "all";
/** The accepted `--edges` values, default first. */
export const EDGE_MODES: readonly EdgeMode[] = ["city", "country", "all", "none"];

/** The drawable content of a map export. */
export interface MapLayer {
  readonly points: readonly MapPoint[];
  readonly edges: readonly MapEdge[];
  /** How the edges were drawn. */
  readonly edgeMode: EdgeMode;
  /** Edges dropped by the cap, and edges with an unlocated end (not drawable). */
  readonly edgesDropped: number;
  readonly edgesUnlocated: number;
}

/** Options of `buildLayer`. */
export interface LayerOptions {
  readonly groupBy: GroupBy;
  readonly edges: EdgeMode;
  readonly maxEdges: number;
}

const RAD = Math.PI / 180;

/** Spherical centroid (mean of unit vectors), so a group straddling the antimeridian lands in the right place. */
export function sphericalCentroid(points: readonly { latitude: number; longitude: number }[]): { latitude: number; longitude: number } {
  let x = 0;
  let y = 0;
  let z = 0;
  for (const p of points) {
    const lat = p.latitude * RAD;
    const lon = p.longitude * RAD;
    x += Math.cos(lat) * Math.cos(lon);
    y += Math.cos(lat) * Math.sin(lon);
    z += Math.sin(lat);
  }
  const hyp = Math.hypot(x, y);
  if (hyp < 1e-12 && Math.abs(z) < 1e-12) return { latitude: points[0]?.latitude ?? 0, longitude: points[0]?.longitude ?? 0 };
  return { latitude: Math.atan2(z, hyp) / RAD, longitude: Math.atan2(y, x) / RAD };
}

/** Where a group is drawn: its members' own coordinates when they all share one place (bit for bit as in
 * geo.parquet; a single node is never moved by trigonometry), their spherical centroid otherwise. */
export function groupCentre(members: readonly { latitude: number; longitude: number }[]): { latitude: number; longitude: number } {
  const first = members[0];
  if (first !== undefined && members.every((m) => m.latitude === first.latitude && m.longitude === first.longitude)) {
    return { latitude: first.latitude, longitude: first.longitude };
  }
  return sphericalCentroid(members);
}

/** Size class 1–5 of each point: log-scaled rank between the smallest and largest rank present (1 for every
 * point when not scaling, or when the run has no pagerank). KML icons and GeoJSON `rank_scale` use it. */
export function rankScales(points: readonly MapPoint[], byRank: boolean): Map<MapPoint, number> {
  const out = new Map<MapPoint, number>();
  let lo = Infinity;
  let hi = -Infinity;
  for (const p of points) {
    if (p.rank <= 0) continue;
    lo = Math.min(lo, Math.log(p.rank));
    hi = Math.max(hi, Math.log(p.rank));
  }
  for (const p of points) {
    if (!byRank || lo === Infinity || p.rank <= 0) out.set(p, 1);
    else if (hi - lo < 1e-12) out.set(p, 3);
    else out.set(p, 1 + Math.round((4 * (Math.log(p.rank) - lo)) / (hi - lo)));
  }
  return out;
}

function isLocated(node: ExportNode): node is ExportNode & { latitude: number; longitude: number } {
  return node.latitude !== null && node.longitude !== null;
}

/** Located nodes grouped under `groupBy` as points, and each node's point index (-1: not drawn). */
function groupPoints(run: ExportRun, groupBy: GroupBy, prefix: string): { points: MapPoint[]; pointIndex: Int32Array } {
  const groups = new Map<string, number[]>();
  run.nodes.forEach((node, i) => {
    if (!isLocated(node)) return;
    const key = groupKey(node, groupBy);
    if (key === null) return;
    const members = groups.get(key);
    if (members === undefined) groups.set(key, [i]);
    else members.push(i);
  });
  const points: MapPoint[] = [];
  const pointIndex = new Int32Array(run.nodes.length).fill(-1);
  for (const [name, indexes] of groups) {
    const members = indexes.map((i) => run.nodes[i]! as ExportNode & { latitude: number; longitude: number });
    const centre = groupCentre(members);
    for (const i of indexes) pointIndex[i] = points.length;
    points.push({
      id: `${prefix}${points.length + 1}`,
      name,
      latitude: centre.latitude,
      longitude: centre.longitude,
      members,
      rank: members.reduce((sum, m) => sum + (m.pagerank ?? 0), 0),
    });
  }
  return { points, pointIndex };
}

/** Builds the points and the capped edge list of a map export. */
export function buildLayer(run: ExportRun, options: LayerOptions): MapLayer {
  const { points, pointIndex: nodePoint } = groupPoints(run, options.groupBy, "n");
  if (options.edges === "none") return { points, edges: [], edgeMode: "none", edgesDropped: 0, edgesUnlocated: 0 };
  // edge ends: the drawn points themselves (all), or city/country hubs the node edges are summed between
  const hubs = options.edges === "all" ? { points, pointIndex: nodePoint } : groupPoints(run, options.edges, "h");
  const ends = hubs.points;
  const pointIndex = hubs.pointIndex;
  const stride = ends.length;
  const { from, to } = run.edges;
  const pairs = new Float64Array(from.length);
  const pairWeights = new Float64Array(from.length);
  let count = 0;
  let unlocated = 0;
  for (let e = 0; e < from.length; e++) {
    const a = pointIndex[from[e]!]!;
    const b = pointIndex[to[e]!]!;
    if (a < 0 || b < 0) {
      unlocated++;
      continue;
    }
    if (a === b) continue; // a group's internal edges (and self-announcements) are not drawable as arcs
    pairs[count] = a * stride + b;
    pairWeights[count++] = 1;
  }
  // with one point per node, distinct node edges are distinct point pairs; otherwise equal pairs are summed
  // (a typed-array sort and one pass: a million edges in a fraction of what a Map of pairs costs)
  if (!(options.edges === "all" && options.groupBy === "ip") && count > 0) {
    const sorted = pairs.subarray(0, count).sort();
    let distinct = 0;
    for (let i = 0; i < count; ) {
      let j = i + 1;
      while (j < count && sorted[j] === sorted[i]) j++;
      pairs[distinct] = sorted[i]!;
      pairWeights[distinct++] = j - i;
      i = j;
    }
    count = distinct;
  }
  const strengths = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const a = Math.floor(pairs[i]! / stride);
    strengths[i] = pairWeights[i]! + ends[a]!.rank + ends[pairs[i]! - a * stride]!.rank;
  }
  const keep = Math.min(options.maxEdges, count);
  // only the strongest `keep` need ordering: find the threshold with a numeric sort, then sort the candidates
  let threshold = -Infinity;
  if (keep < count) threshold = keep === 0 ? Infinity : Float64Array.from(strengths.subarray(0, count)).sort()[count - keep]!;
  const candidates: number[] = [];
  for (let i = 0; i < count; i++) if (strengths[i]! >= threshold) candidates.push(i);
  // strongest first; ties by point pair, so the output is deterministic
  candidates.sort((x, y) => strengths[y]! - strengths[x]! || pairs[x]! - pairs[y]!);
  const edges: MapEdge[] = candidates.slice(0, keep).map((i) => {
    const pair = pairs[i]!;
    const a = Math.floor(pair / stride);
    return { from: ends[a]!, to: ends[pair - a * stride]!, weight: pairWeights[i]!, strength: strengths[i]! };
  });
  return { points, edges, edgeMode: options.edges, edgesDropped: count - edges.length, edgesUnlocated: unlocated };
}
