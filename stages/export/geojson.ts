// RFC 7946 GeoJSON export built with turf helpers: a Point per node (or group) carrying every node property,
// and with edges, great-circle LineStrings split at the antimeridian (MultiLineString there, as RFC 7946 §3.1.9 asks).
import { featureCollection, lineString, multiLineString, point } from "@turf/helpers";
import type { Feature, FeatureCollection, Geometry } from "geojson";
import { arcPaths } from "./arcs.ts";
import type { MapLayer, MapPoint } from "./layer.ts";
import type { ExportNode, GroupBy } from "./model.ts";

/** GeoJSON has no 64-bit integers: services travel as a decimal string, timestamps as ISO 8601. */
export function nodeProperties(n: ExportNode): Record<string, string | number | boolean | null> {
  return {
    address: n.address,
    port: n.port,
    network_type: n.networkType,
    outcome: n.outcome,
    is_reachable: n.isReachable,
    protocol_version: n.protocolVersion,
    user_agent: n.userAgent,
    services: n.services === null ? null : n.services.toString(),
    start_height: n.startHeight,
    attempted_at: n.attemptedAt === null ? null : n.attemptedAt.toISOString(),
    continent_code: n.continentCode,
    country_code: n.countryCode,
    city: n.city,
    latitude: n.latitude,
    longitude: n.longitude,
    time_zone: n.timeZone,
    asn: n.asn,
    as_org: n.asOrg,
    in_degree: n.inDegree,
    out_degree: n.outDegree,
    mutual_neighbours: n.mutualNeighbours,
    pagerank: n.pagerank,
    weighted_pagerank: n.weightedPagerank,
  };
}

function pointFeature(p: MapPoint, groupBy: GroupBy): Feature {
  const position = [p.longitude, p.latitude];
  if (groupBy === "ip" && p.members.length === 1) {
    return point(position, { kind: "node", ...nodeProperties(p.members[0]!) }, { id: p.id });
  }
  return point(
    position,
    {
      kind: "group",
      group_by: groupBy,
      name: p.name,
      size: p.members.length,
      rank: p.rank,
      members: p.members.map((m) => `${m.address.includes(":") ? `[${m.address}]` : m.address}:${m.port}`),
    },
    { id: p.id },
  );
}

/** The FeatureCollection for a map layer (edges included when the layer has them). */
export function buildGeoJson(layer: MapLayer, groupBy: GroupBy): FeatureCollection<Geometry> {
  const features: Feature[] = layer.points.map((p) => pointFeature(p, groupBy));
  layer.edges.forEach((edge, i) => {
    const paths = arcPaths(edge.from, edge.to);
    const properties = { kind: "edge", from: edge.from.name, to: edge.to.name, from_id: edge.from.id, to_id: edge.to.id, weight: edge.weight };
    const id = `e${i + 1}`;
    features.push(paths.length === 1 ? lineString(paths[0]!, properties, { id }) : multiLineString(paths, properties, { id }));
  });
  return featureCollection(features) as FeatureCollection<Geometry>;
}
