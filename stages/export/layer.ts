// Turns a run's nodes and edges into what a map draws: located points (a node, or a group at its members'
// centroid) and the edges between them, strongest first and capped.
import { groupKey, nodeKey, type ExportNode, type ExportRun, type GroupBy } from "./model.ts";

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
  const pointOfNode = new Map<string, MapPoint>();
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
    points.push(point);
    for (const m of members) pointOfNode.set(nodeKey(m.address, m.port), point);
  }
  if (!options.withEdges) return { points, edges: [], edgesDropped: 0, edgesUnlocated: 0 };

  const byPair = new Map<string, { from: MapPoint; to: MapPoint; weight: number }>();
  let unlocated = 0;
  for (const edge of run.edges) {
    const from = pointOfNode.get(edge.from);
    const to = pointOfNode.get(edge.to);
    if (from === undefined || to === undefined) {
      unlocated++;
      continue;
    }
    if (from === to) continue; // a group's internal edges are not drawable as arcs
    const pair = `${from.id}>${to.id}`;
    const existing = byPair.get(pair);
    if (existing === undefined) byPair.set(pair, { from, to, weight: 1 });
    else existing.weight++;
  }
  const all: MapEdge[] = [...byPair.values()].map((e) => ({ ...e, strength: e.weight + e.from.rank + e.to.rank }));
  all.sort((a, b) => b.strength - a.strength || (a.from.id < b.from.id ? -1 : a.from.id > b.from.id ? 1 : a.to.id < b.to.id ? -1 : 1));
  const edges = all.slice(0, options.maxEdges);
  return { points, edges, edgesDropped: all.length - edges.length, edgesUnlocated: unlocated };
}
