// The export commands' implementations: pick the run, load it once, render, write atomically (or to stdout).
import { safeJsonStringify } from "../../lib/text.ts";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { DataError } from "../../pipeline/errors.ts";
import { writeFileAtomic } from "../../pipeline/fsutil.ts";
import { log } from "../../pipeline/log.ts";
import { findRun, type RunInfo } from "../../pipeline/runs.ts";
import { runStage, type StageDefinition, type StageOptions, type StageOutcome } from "../../pipeline/stage.ts";
import type { NetworkName } from "../../lib/bitcoin/networks.ts";
import { renderBitnodes } from "./bitnodes.ts";
import { buildGeoJson } from "./geojson.ts";
import { buildKml } from "./kml.ts";
import { kmz } from "./kmz.ts";
import { buildLayer, type EdgeMode, type MapLayer } from "./layer.ts";
import { loadRun } from "./load.ts";
import type { ExportRun, GroupBy } from "./model.ts";
import { renderTable, type TableFormat } from "./table.ts";

/** Arcs drawn by default between cities or countries: the strongest, which is what a map can show. */
export const DEFAULT_AGGREGATED_EDGES = 1_000;
/** Above this many arcs (`--edges all`), the writer warns: files reach tens of MB and viewers struggle. */
export const LARGE_EDGE_COUNT = 20_000;

/** Selection flags shared by the map exports. */
export interface MapExportOptions {
  readonly data: string;
  readonly run?: string;
  /** With no run: the newest succeeded run of this network. */
  readonly network?: NetworkName;
  readonly groupBy: GroupBy;
  readonly edges: EdgeMode;
  /** Cap on drawn arcs, strongest first; default DEFAULT_AGGREGATED_EDGES when aggregated, none for `all`. */
  readonly maxEdges?: number;
  readonly pagerank: boolean;
  /** KML only: write a zipped KMZ (doc.kml inside), as Google Earth users exchange them. */
  readonly kmz?: boolean;
}

/** Writes `text` to `output`, or to stdout when it is `-`. */
export async function writeOutput(output: string, text: string | Uint8Array): Promise<void> {
  if (output === "-") {
    await new Promise<void>((resolve, reject) => process.stdout.write(text, (err) => (err ? reject(err) : resolve())));
    return;
  }
  await writeFileAtomic(output, text);
}

function requireGeo(run: ExportRun): void {
  if (!run.hasGeo) {
    throw new DataError(`run ${run.runId} is not geolocated, so it has no coordinates to map: run \`fluxture geolocate --run ${run.runId}\` first`);
  }
}

/** Map selection options, without the run selection. */
export type MapOptions = Omit<MapExportOptions, "data" | "run">;

/** The arc cap in effect for the options. */
export function edgeCap(options: MapOptions): number {
  return options.maxEdges ?? (options.edges === "all" ? Number.MAX_SAFE_INTEGER : DEFAULT_AGGREGATED_EDGES);
}

/** The map layer of a loaded run (points and capped edges); a run without geography is a clear error. */
export function layerOf(run: ExportRun, options: MapOptions): MapLayer {
  requireGeo(run);
  const layer = buildLayer(run, { groupBy: options.groupBy, edges: options.edges, maxEdges: edgeCap(options) });
  if (layer.edgesDropped > 0)
    log("info", `exports: drawing the ${layer.edges.length} strongest edges of ${layer.edges.length + layer.edgesDropped} (--max-edges)`);
  if (layer.edgeMode === "all" && layer.edges.length > LARGE_EDGE_COUNT)
    log(
      "warn",
      `exports: --edges all draws ${layer.edges.length} arcs (about ${Math.round((layer.edges.length * 900) / 1e6)} MB); ` +
        `Google Earth, QGIS and browsers struggle with that: --edges city (the default) sums them between cities`,
    );
  return layer;
}

/** The KML document of a loaded run (from its layer, when the caller already built it). */
export function kmlOf(run: ExportRun, options: MapOptions, layer: MapLayer = layerOf(run, options)): string {
  return buildKml(run, layer, { groupBy: options.groupBy, scaleByPagerank: options.pagerank && run.hasMetrics });
}

/** The GeoJSON document of a loaded run (from its layer, when the caller already built it). */
export function geojsonOf(run: ExportRun, options: MapOptions, layer: MapLayer = layerOf(run, options)): string {
  return `${safeJsonStringify(buildGeoJson(layer, options.groupBy, options.pagerank && run.hasMetrics))}\n`;
}

/** Every per-node export format of `fluxture export`. */
export type ExportFormat = TableFormat | "bitnodes";

/** The per-node table or bitnodes snapshot of a loaded run. */
export function tableOf(run: ExportRun, format: ExportFormat): string {
  return format === "bitnodes" ? renderBitnodes(run) : renderTable(run.nodes, format, `fluxture-${run.network}-${run.runId}`);
}

async function selectRun(data: string, run?: string, network?: NetworkName): Promise<RunInfo> {
  return findRun(data, { run, network });
}

/** `fluxture kml` / `fluxture geojson`. */
export async function runMapExport(kind: "kml" | "geojson", output: string, options: MapExportOptions): Promise<void> {
  const run = await loadRun(await selectRun(options.data, options.run, options.network), { withEdges: options.edges !== "none" });
  if (kind === "geojson") await writeOutput(output, geojsonOf(run, options));
  else if (options.kmz === true) await writeOutput(output, kmz(kmlOf(run, options)));
  else await writeOutput(output, kmlOf(run, options));
}

/** `fluxture export --format …`. */
export async function runTableExport(
  format: ExportFormat,
  output: string,
  data: string,
  runId: string | undefined,
  onlyCrawled: boolean,
  network?: NetworkName,
): Promise<void> {
  const run = await loadRun(await selectRun(data, runId, network), { onlyCrawled, withEdges: false, withMutual: true });
  await writeOutput(output, tableOf(run, format));
}

/** The datasets and stages every per-run export reads (the report's too). */
export const EXPORT_INPUTS = {
  datasets: ["visits.parquet", "addrs.parquet", "geo.parquet", "node_metrics.parquet"],
  stages: ["crawl", "geolocate", "topology"],
} as const;

const exportsStage: StageDefinition<string[]> = {
  name: "exports",
  inputs: EXPORT_INPUTS,
  outputs: ["exports/bitnodes.json", "exports/nodes.csv", "exports/nodes.arff", "exports/nodes.jsonl"],
  async body({ run }) {
    const files = await writeAllExports(run);
    return { result: files, detail: files.join(", "), counts: { files: files.length }, details: { files } };
  },
};

/** `run<Stage>` of exports: every export into the run's exports/ through runStage, redone when geo or metrics change. */
export function runExports(run: RunInfo, opts: StageOptions = {}): Promise<StageOutcome<string[]>> {
  return runStage(run, exportsStage, opts);
}

/** Files `writeAllExports` produces in a run's exports/ folder. */
export const EXPORT_FILES = ["nodes.kml", "nodes.geojson", "bitnodes.json", "nodes.csv", "nodes.arff", "nodes.jsonl"] as const;

/** Writes every export of a run into `<run>/exports/` (used by `fluxture analyze`); maps only when geolocated. */
export async function writeAllExports(info: RunInfo): Promise<string[]> {
  const run = await loadRun(info, { withMutual: true });
  const dir = join(info.dir, "exports");
  await mkdir(dir, { recursive: true });
  const written: string[] = [];
  const put = async (name: string, text: string) => {
    await writeFileAtomic(join(dir, name), text);
    written.push(name);
  };
  const mapOptions: MapOptions = { groupBy: "ip", edges: "city", pagerank: true };
  if (run.hasGeo) {
    const layer = layerOf(run, mapOptions);
    await put("nodes.kml", kmlOf(run, mapOptions, layer));
    await put("nodes.geojson", geojsonOf(run, mapOptions, layer));
  } else {
    log("info", `exports: run ${run.runId} is not geolocated: skipping nodes.kml and nodes.geojson`);
  }
  await put("bitnodes.json", tableOf(run, "bitnodes"));
  for (const format of ["csv", "arff", "jsonl"] as const) await put(`nodes.${format}`, tableOf(run, format));
  return written;
}
