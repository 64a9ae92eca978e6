// A world map of located nodes rendered to inline SVG on the server (d3-geo + world-atlas), so the report
// needs no script, no tiles and no network to show it.
import { createRequire } from "node:module";
import { geoNaturalEarth1, geoPath, geoGraticule10 } from "d3-geo";
import { feature } from "topojson-client";
import type { FeatureCollection, Geometry } from "geojson";
import type { GeometryCollection, Topology } from "topojson-specification";
import { escapeHtml } from "./escape.ts";
import { maxOf } from "../../lib/arrays.ts";

/** A dot on the map; `reachable` picks its colour. */
export interface MapDot {
  readonly latitude: number;
  readonly longitude: number;
  readonly count: number;
  readonly reachable: boolean;
  readonly label: string;
}

const WIDTH = 960;
const HEIGHT = 500;
const PAD = 10;

let countries: FeatureCollection<Geometry> | undefined;
function worldCountries(): FeatureCollection<Geometry> {
  if (countries === undefined) {
    const require = createRequire(import.meta.url);
    const topology = require("world-atlas/countries-110m.json") as Topology<{ countries: GeometryCollection }>;
    countries = feature(topology, topology.objects.countries) as FeatureCollection<Geometry>;
  }
  return countries;
}

/** The map as an `<svg>` element: countries, graticule, and one circle per located place sized by node count. */
export function renderWorldMap(dots: readonly MapDot[]): string {
  // a margin around the sphere, so neither its outline nor a dot at the poles is cut by the viewBox
  const projection = geoNaturalEarth1().fitExtent(
    [
      [PAD, PAD],
      [WIDTH - PAD, HEIGHT - PAD],
    ],
    { type: "Sphere" },
  );
  const path = geoPath(projection);
  const parts: string[] = [];
  parts.push(`<svg id="world-map" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="World map of located nodes" xmlns="http://www.w3.org/2000/svg">`);
  parts.push(`<path class="sphere" d="${path({ type: "Sphere" }) ?? ""}"/>`);
  parts.push(`<path class="graticule" d="${path(geoGraticule10()) ?? ""}"/>`);
  parts.push(`<g class="countries">`);
  for (const country of worldCountries().features) {
    const d = path(country);
    if (d) parts.push(`<path d="${d}"/>`);
  }
  parts.push(`</g><g class="dots">`);
  const maxCount = maxOf(
    dots.map((d) => d.count),
    1,
  );
  // larger circles first, so a small circle (of either colour) is never hidden under a larger one; at equal
  // size the grey one comes last, since it has the outline
  const ordered = [...dots].sort((a, b) => b.count - a.count || Number(b.reachable) - Number(a.reachable));
  for (const dot of ordered) {
    const xy = projection([dot.longitude, dot.latitude]);
    if (xy === null) continue;
    const r = 1.5 + 6 * Math.sqrt(dot.count / maxCount);
    parts.push(
      `<circle class="${dot.reachable ? "reachable" : "unreachable"}" cx="${xy[0].toFixed(1)}" cy="${xy[1].toFixed(1)}" r="${r.toFixed(1)}">` +
        `<title>${escapeHtml(dot.label)}</title></circle>`,
    );
  }
  parts.push(`</g></svg>`);
  return parts.join("");
}
