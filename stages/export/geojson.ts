// RFC 7946 GeoJSON export built with turf helpers: a Point per node (or group) carrying every node property,
// and with edges, great-circle LineStrings split at the antimeridian (MultiLineString there, as RFC 7946 §3.1.9 asks).
import { featureCollection, lineString, multiLineString, point } from "@turf/helpers";
import type { Feature, FeatureCollection, Geometry } from "geojson";
import { arcPaths } from "./arcs.ts";
import { rankScales, type MapLayer, type MapPoint } from "./layer.ts";
import type { ExportNode, GroupBy } from "./model.ts";

/** What a map shows of a node (the full per-node table, at full precision, is `fluxture export --format
 * jsonl|csv`): position is the geometry, so latitude and longitude are not repeated; pagerank, which only
 * sizes the point, keeps 6 significant digits. */
export function nodeProperties(n: ExportNode): Record<string, string | number | boolean | null> {
  return {
    address: n.address,
    port: n.port,
    network_type: n.networkType,
    outcome: n.outcome,
    is_reachable: n.isReachable,
    user_agent: n.userAgent,
    country_code: n.countryCode,
    city: n.city,
    asn: n.asn,
    as_org: n.asOrg,
    pagerank: n.pagerank === null ? null : Number(n.pagerank.toPrecision(6)),
  };
}

/** Arc vertices are interpolated, not data: 6 decimals (about 0.1 m) keep a thousand arcs small. */
const micro = (x: number): number => Math.round(x * 1e6) / 1e6;

function pointFeature(p: MapPoint, groupBy: GroupBy, rankScale: number): Feature {
  // the point's own numbers, never recomputed: a node's position equals its geo.parquet row bit for bit
  const position = [p.longitude, p.latitude];
  if (groupBy === "ip" && p.members.length === 1) {
    return point(position, { kind: "node", rank_scale: rankScale, ...nodeProperties(p.members[0]!) }, { id: p.id });
  }
  return point(
    position,
    {
      kind: "group",
      group_by: groupBy,
      name: p.name,
      size: p.members.length,
      rank: p.rank,
      rank_scale: rankScale,
      members: p.members.map((m) => `${m.address.includes(":") ? `[${m.address}]` : m.address}:${m.port}`),
    },
    { id: p.id },
  );
}

/** The FeatureCollection for a map layer (edges included when the layer has them); `rank_scale` (1–5, by
 * pagerank) is the same size class the KML export draws. */
export function buildGeoJson(layer: MapLayer, groupBy: GroupBy, scaleByPagerank = true): FeatureCollection<Geometry> {
  const scales = rankScales(layer.points, scaleByPagerank);
  const features: Feature[] = layer.points.map((p) => pointFeature(p, groupBy, scales.get(p) ?? 1));
  layer.edges.forEach((edge, i) => {
    const paths = arcPaths(edge.from, edge.to).map((path) => path.map(([lon, lat]) => [micro(lon!), micro(lat!)]));
    const properties = {
      kind: "edge",
      edges: layer.edgeMode,
      from: edge.from.name,
      to: edge.to.name,
      from_id: edge.from.id,
      to_id: edge.to.id,
      weight: edge.weight,
    };
    const id = `e${i + 1}`;
    features.push(paths.length === 1 ? lineString(paths[0]!, properties, { id }) : multiLineString(paths, properties, { id }));
  });
  return featureCollection(features) as FeatureCollection<Geometry>;
}
