// KML 2.2 export, written by hand because tokml has no styles, altitude or altitude modes: a folder of node
// (or group) placemarks sized 1–5 by pagerank, and a folder of great-circle edge arcs lifted with altitude.
import { liftedArc } from "./arcs.ts";
import { rankScales, type MapEdge, type MapLayer, type MapPoint } from "./layer.ts";
import type { ExportNode, ExportRun, GroupBy } from "./model.ts";
import { escapeXml } from "./xml.ts";
import { pushAll } from "../../lib/arrays.ts";

/** Google Earth's own palette icon: a stable URL that Earth and Maps resolve. */
export const NODE_ICON_HREF = "http://maps.google.com/mapfiles/kml/shapes/shaded_dot.png";
/** Members listed in a group's description before it says "and N more". */
const MAX_LISTED_MEMBERS = 100;

/** Options of `buildKml`. */
export interface KmlOptions {
  readonly groupBy: GroupBy;
  readonly scaleByPagerank: boolean;
}

/** Line widths of edges, 1 to this, by weight (an aggregated edge stands for many node edges). */
const EDGE_WIDTHS = 5;

/** Line width 1–5 per edge: log-scaled weight between the lightest and heaviest drawn edge. */
export function edgeWidths(edges: readonly MapEdge[]): number[] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const e of edges) {
    lo = Math.min(lo, Math.log(e.weight));
    hi = Math.max(hi, Math.log(e.weight));
  }
  return edges.map((e) => (hi - lo < 1e-12 ? 1 : 1 + Math.round(((EDGE_WIDTHS - 1) * (Math.log(e.weight) - lo)) / (hi - lo))));
}

function field(label: string, value: string | number | null): string {
  return `${label}: ${value === null ? "unknown" : String(value)}`;
}

function nodeLines(n: ExportNode): string[] {
  return [
    field("user agent", n.userAgent),
    field("city", n.city),
    field("country", n.countryCode),
    field("ASN", n.asn === null ? null : `AS${n.asn}${n.asOrg === null ? "" : ` (${n.asOrg})`}`),
    field("rank (pagerank)", n.pagerank === null ? null : n.pagerank.toExponential(4)),
    field("outcome", n.outcome ?? "not attempted"),
  ];
}

function describe(point: MapPoint, groupBy: GroupBy): string {
  if (groupBy === "ip" && point.members.length === 1) return nodeLines(point.members[0]!).join("\n");
  const sorted = [...point.members].sort((a, b) => (b.pagerank ?? 0) - (a.pagerank ?? 0));
  const listed = sorted.slice(0, MAX_LISTED_MEMBERS).map((m) => {
    const where = `${m.address}:${m.port}`;
    return `${where}  ${m.userAgent ?? "(not crawled)"}  rank ${m.pagerank === null ? "unknown" : m.pagerank.toExponential(3)}`;
  });
  const more = sorted.length > MAX_LISTED_MEMBERS ? [`… and ${sorted.length - MAX_LISTED_MEMBERS} more`] : [];
  return [`${groupBy} group "${point.name}": ${point.members.length} nodes, rank ${point.rank.toExponential(4)}`, ...listed, ...more].join("\n");
}

function styles(): string[] {
  const out: string[] = [];
  for (let scale = 1; scale <= 5; scale++) {
    out.push(
      `<Style id="node-${scale}"><IconStyle><scale>${scale}</scale><Icon><href>${NODE_ICON_HREF}</href></Icon></IconStyle>` +
        `<LabelStyle><scale>0</scale></LabelStyle></Style>`,
    );
  }
  for (let width = 1; width <= EDGE_WIDTHS; width++) {
    out.push(`<Style id="edge-${width}"><LineStyle><color>9900a5ff</color><width>${width}</width></LineStyle></Style>`);
  }
  return out;
}

const EDGE_NOTE: Readonly<Record<MapLayer["edgeMode"], string>> = {
  none: "No edges drawn.",
  city: "Each arc sums the node edges from one city to another (width by count, strongest first).",
  country: "Each arc sums the node edges from one country to another (width by count, strongest first).",
  all: "Every node edge is drawn (strongest first).",
};

const coord = (n: number): string => String(Math.round(n * 1e6) / 1e6);

/** The whole KML document for a run's map layer. */
export function buildKml(run: ExportRun, layer: MapLayer, options: KmlOptions): string {
  const parts: string[] = [];
  const scales = rankScales(layer.points, options.scaleByPagerank);
  parts.push(`<?xml version="1.0" encoding="UTF-8"?>`);
  parts.push(`<kml xmlns="http://www.opengis.net/kml/2.2">`);
  parts.push(`<Document id="fluxture-${escapeXml(run.runId)}">`);
  parts.push(`<name>${escapeXml(`Fluxture ${run.network} run ${run.runId}`)}</name>`);
  parts.push(
    `<description>${escapeXml(
      `Nodes seen in the crawl, grouped by ${options.groupBy}. ${EDGE_NOTE[layer.edgeMode]} Edges are the advertised-address graph: A→B means B ` +
        `was in A's getaddr reply. This is who advertises whom, not who is connected to whom (Bitcoin hides that).`,
    )}</description>`,
  );
  pushAll(parts, styles());
  parts.push(`<Folder id="nodes"><name>Nodes (${layer.points.length})</name>`);
  for (const point of layer.points) {
    parts.push(
      `<Placemark id="${point.id}"><name>${escapeXml(point.name)}</name>` +
        `<description>${escapeXml(describe(point, options.groupBy))}</description>` +
        `<styleUrl>#node-${scales.get(point) ?? 1}</styleUrl>` +
        `<Point><coordinates>${coord(point.longitude)},${coord(point.latitude)}</coordinates></Point></Placemark>`,
    );
  }
  parts.push(`</Folder>`);
  if (layer.edges.length > 0) {
    const what = layer.edgeMode === "all" ? "Edges" : `Edges between ${layer.edgeMode === "city" ? "cities" : "countries"}`;
    parts.push(`<Folder id="edges"><name>${what} (${layer.edges.length})</name>`);
    const widths = edgeWidths(layer.edges);
    layer.edges.forEach((edge, i) => {
      const coords = liftedArc(edge.from, edge.to)
        .map(([lon, lat, alt]) => `${coord(lon)},${coord(lat)},${alt}`)
        .join(" ");
      const label = `${edge.from.name} → ${edge.to.name}${edge.weight > 1 ? ` (${edge.weight})` : ""}`;
      parts.push(
        `<Placemark id="e${i + 1}"><name>${escapeXml(label)}</name><styleUrl>#edge-${widths[i]}</styleUrl>` +
          `<LineString><altitudeMode>relativeToGround</altitudeMode><coordinates>${coords}</coordinates></LineString></Placemark>`,
      );
    });
    parts.push(`</Folder>`);
  }
  parts.push(`</Document>`, `</kml>`, ``);
  return parts.join("\n");
}
