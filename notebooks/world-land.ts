// Prints the world's land outlines as GeoJSON on stdout (Natural Earth 1:110m from the world-atlas npm
// package, TopoJSON → GeoJSON with topojson-client), so the Jupyter notebook can draw its map offline.
// Usage: node --import tsx notebooks/world-land.ts [110m|50m]
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { Feature, FeatureCollection, MultiPolygon, Polygon } from "geojson";
import { feature } from "topojson-client";
import type { GeometryCollection, Topology } from "topojson-specification";

const require = createRequire(import.meta.url);

/** Land of the world at a world-atlas resolution, as one GeoJSON feature (or collection). */
export function worldLand(resolution: "110m" | "50m" = "110m"): Feature<Polygon | MultiPolygon> | FeatureCollection<Polygon | MultiPolygon> {
  const path = require.resolve(`world-atlas/land-${resolution}.json`);
  const topology = JSON.parse(readFileSync(path, "utf8")) as Topology<{ land: GeometryCollection }>;
  return feature(topology, topology.objects.land) as Feature<Polygon | MultiPolygon> | FeatureCollection<Polygon | MultiPolygon>;
}

if (process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  const arg = process.argv[2] ?? "110m";
  if (arg !== "110m" && arg !== "50m") {
    process.stderr.write(`world-land: unknown resolution '${arg}' (110m or 50m)\n`);
    process.exit(2);
  }
  process.stdout.write(JSON.stringify(worldLand(arg)));
}
