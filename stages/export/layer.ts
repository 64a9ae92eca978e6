// Turns a run's nodes and edges into what a map draws: located points (a node, or a group at its members'
// centroid) and the edges between them, strongest first and capped.
import { groupKey, type ExportNode, type ExportRun, type GroupBy } from "./model.ts";

/** One placemark: a located node, or a group of located nodes drawn at their centroid. */
export interface MapPoint {
  /** Unique, XML-safe id (`n1`, `n2`, …), stable for a given input order. */
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

/** The drawable content of a map export. */
export interface MapLayer {
  readonly points: readonly MapPoint[];
  readonly edges: readonly MapEdge[];
  /** Edges dropped by the cap, and edges with an unlocated end (not drawable). */
  readonly edgesDropped: number;
  readonly edgesUnlocated: number;
}

/** Options of `buildLayer`. */
export interface LayerOptions {
  readonly groupBy: GroupBy;
  readonly withEdges: boolean;
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

function isLocated(node: ExportNode): node is ExportNode & { latitude: number; longitude: number } {
  return node.latitude !== null && node.longitude !== null;
}

/** Builds the points and (optionally) the capped edge list of a map export. */
export function buildLayer(run: ExportRun, options: LayerOptions): MapLayer {
  const groups = new Map<string, ExportNode[]>();
  for (const node of run.nodes) {
    if (!isLocated(node)) continue;
    const key = groupKey(node, options.groupBy);
    if (key === null) continue;
    const members = groups.get(key);
    if (members === undefined) groups.set(key, [node]);
    else members.push(node);
  }
  const points: MapPoint[] = [];
  const pointOfNode = new Map<ExportNode, number>();
  let seq = 0;
  for (const [name, members] of groups) {
    const located = members.filter(isLocated);
    const centre = sphericalCentroid(located);
    const point: MapPoint = {
      id: `n${++seq}`,
      name,
      latitude: centre.latitude,
      longitude: centre.longitude,
      members,
      rank: members.reduce((sum, m) => sum + (m.pagerank ?? 0), 0),
    };
    for (const m of members) pointOfNode.set(m, points.length);
    points.push(point);
  }
  if (!options.withEdges) return { points, edges: [], edgesDropped: 0, edgesUnlocated: 0 };

  // node index → point index (-1: not drawable), then edge weights per point pair, keyed by a number
  const pointIndex = new Int32Array(run.nodes.length).fill(-1);
  run.nodes.forEach((n, i) => (pointIndex[i] = pointOfNode.get(n) ?? -1));
  const stride = points.length;
  const { from, to } = run.edges;
  const pairs = new Float64Array(from.length);
  const pairWeights = new Float64Array(from.length);
  let count = 0;
  let unlocated = 0;
  // with one point per node, distinct node edges are distinct point pairs: no aggregation needed
  const weights = options.groupBy === "ip" ? null : new Map<number, number>();
  for (let e = 0; e < from.length; e++) {
    const a = pointIndex[from[e]!]!;
    const b = pointIndex[to[e]!]!;
    if (a < 0 || b < 0) {
      unlocated++;
      continue;
    }
    if (a === b) continue; // a group's internal edges (and self-announcements) are not drawable as arcs
    const pair = a * stride + b;
    if (weights === null) {
      pairs[count] = pair;
      pairWeights[count++] = 1;
    } else {
      weights.set(pair, (weights.get(pair) ?? 0) + 1);
    }
  }
  if (weights !== null) {
    for (const [pair, weight] of weights) {
      pairs[count] = pair;
      pairWeights[count++] = weight;
    }
  }
  const strengths = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const a = Math.floor(pairs[i]! / stride);
    strengths[i] = pairWeights[i]! + points[a]!.rank + points[pairs[i]! - a * stride]!.rank;
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
    return { from: points[a]!, to: points[pair - a * stride]!, weight: pairWeights[i]!, strength: strengths[i]! };
  });
  return { points, edges, edgesDropped: count - edges.length, edgesUnlocated: unlocated };
}
