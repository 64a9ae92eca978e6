// `fluxture report --site DIR`: a static dashboard any file server (or file://) can show. index.html holds, per
// network, the newest run's figures and map, the trend charts and the list of runs; runs/<network>/<run_id>/
// holds that run's report page, its Parquet files and manifest (data/) and its exports (exports/), hard-linked
// from the lake when on the same file system, copied otherwise. Every link is relative.
import { copyFile, link, mkdir, readdir, rm } from "node:fs/promises";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../../pipeline/fsutil.ts";
import { listRuns, type RunInfo } from "../../pipeline/runs.ts";
import { openLake } from "../../pipeline/sql/lake.ts";
import { TOOL_VERSION } from "../../pipeline/version.ts";
import { renderHistory } from "./charts.ts";
import { escapeHtml as esc } from "./escape.ts";
import { pageHead, renderReport } from "./html.ts";
import { loadReportData } from "./load.ts";
import { renderWorldMap } from "./map.ts";
import { loadHistory, loadRunMarts } from "./marts.ts";
import type { History, ReportData } from "./model.ts";

/** The run's datasets published in its data/ folder, when present. */
const DATA_FILES = ["manifest.json", "visits.parquet", "addrs.parquet", "geo.parquet", "node_metrics.parquet", "nodes.parquet"];

async function publish(from: string, to: string): Promise<void> {
  await rm(to, { force: true });
  try {
    await link(from, to);
  } catch {
    await copyFile(from, to);
  }
}

/** Links (or copies) a run's datasets and exports into its site folder; returns the published paths, relative. */
async function publishFiles(run: RunInfo, dir: string): Promise<string[]> {
  const out: string[] = [];
  await mkdir(join(dir, "data"), { recursive: true });
  for (const name of DATA_FILES) {
    if (!existsSync(join(run.dir, name))) continue;
    await publish(join(run.dir, name), join(dir, "data", name));
    out.push(`data/${name}`);
  }
  const exports = join(run.dir, "exports");
  if (existsSync(exports)) {
    await mkdir(join(dir, "exports"), { recursive: true });
    for (const entry of await readdir(exports, { withFileTypes: true })) {
      if (!entry.isFile() || entry.name === "report.html" || entry.name.startsWith(".")) continue;
      await publish(join(exports, entry.name), join(dir, "exports", entry.name));
      out.push(`exports/${entry.name}`);
    }
  }
  return out;
}

const runPath = (run: RunInfo) => `runs/${run.network}/${run.id}`;
const int = (n: number) => n.toLocaleString("en-US");

function runNav(files: readonly string[]): string {
  const links = files.map((f) => `<a href="${esc(f)}">${esc(f.replace(/^(data|exports)\//, ""))}</a>`).join("");
  return `<nav class="site"><a href="../../../index.html" data-link="index">← all runs</a> Files: ${links || "none"}</nav>`;
}

function networkSection(network: string, pages: readonly { run: RunInfo; data: ReportData; files: readonly string[] }[], history: History | null): string {
  const newest = pages[pages.length - 1]!;
  const rows = [...pages]
    .reverse()
    .map(({ run, data, files }) => {
      const maps = files.filter((f) => /\.(kml|kmz|geojson)$/.test(f));
      return (
        `<tr data-run="${esc(run.id)}"><td class="name"><a href="${esc(`${runPath(run)}/index.html`)}">${esc(run.id)}</a></td>` +
        `<td class="num">${int(data.reachable)}</td><td class="num">${int(data.attempted)}</td>` +
        `<td class="num">${data.countryConcentration?.nakamoto ?? "–"}</td><td class="num">${data.asnConcentration?.nakamoto ?? "–"}</td>` +
        `<td>${maps.map((f) => `<a href="${esc(`${runPath(run)}/${f}`)}">${esc(f.replace("exports/", ""))}</a>`).join(" ")}</td></tr>`
      );
    })
    .join("");
  const map = newest.data.hasGeo
    ? renderWorldMap(
        newest.data.places.flatMap((p) => [
          ...(p.reachable > 0
            ? [{ latitude: p.latitude, longitude: p.longitude, count: p.reachable, reachable: true, label: `${p.label}: ${p.reachable} reachable` }]
            : []),
          ...(p.unreachable > 0
            ? [{ latitude: p.latitude, longitude: p.longitude, count: p.unreachable, reachable: false, label: `${p.label}: ${p.unreachable} not reachable` }]
            : []),
        ]),
      )
    : `<p class="note">The newest run is not geolocated.</p>`;
  return (
    `<section data-network="${esc(network)}"><h2>${esc(network)}: ${pages.length} sealed run${pages.length === 1 ? "" : "s"}</h2>` +
    `<p class="note">Newest: <a href="${esc(`${runPath(newest.run)}/index.html`)}">${esc(newest.run.id)}</a>, ` +
    `<b data-figure="${esc(network)}-reachable">${int(newest.data.reachable)}</b> reachable nodes.</p>${map}` +
    (history === null ? "" : renderHistory(history)) +
    `<h3>Runs</h3><table data-table="runs-${esc(network)}"><tr><td class="name"><b>run</b></td><td class="num"><b>reachable</b></td>` +
    `<td class="num"><b>attempted</b></td><td class="num"><b>Nakamoto (countries)</b></td><td class="num"><b>Nakamoto (ASes)</b></td><td><b>map</b></td></tr>${rows}</table></section>`
  );
}

/** Writes the site for every sealed run in `dataDir` into `outDir`; trend charts cover runs since `since`. */
export async function writeSite(dataDir: string, outDir: string, since: Date | null): Promise<void> {
  const runs = (await listRuns(dataDir)).filter((r) => r.manifest.state === "succeeded");
  const networks = new Map<string, RunInfo[]>();
  for (const run of runs) {
    const list = networks.get(run.network) ?? [];
    list.push(run);
    networks.set(run.network, list);
  }
  await mkdir(outDir, { recursive: true });
  const sections: string[] = [];
  const lake = await openLake(dataDir, { materializeMartInputs: true }); // every run of the lake reads the marts
  try {
    for (const [network, list] of networks) {
      list.sort((a, b) => a.manifest.started_at.localeCompare(b.manifest.started_at) || a.id.localeCompare(b.id));
      const history = await loadHistory(lake.connection, network, since);
      const shown = history.runs.length >= 2 ? history : null;
      const pages: { run: RunInfo; data: ReportData; files: string[] }[] = [];
      for (const run of list) {
        const marts = await loadRunMarts(lake.connection, run.network, run.id);
        const data = await loadReportData(dataDir, run, since, { marts, history: shown });
        const dir = join(outDir, runPath(run));
        const files = await publishFiles(run, dir);
        await writeFileAtomic(join(dir, "index.html"), renderReport(data, new Date(), TOOL_VERSION, runNav(files)));
        pages.push({ run, data, files });
      }
      sections.push(networkSection(network, pages, shown));
    }
  } finally {
    await lake.close();
  }
  const body = sections.length === 0 ? `<p class="note">No sealed run in ${esc(dataDir)} yet: crawl, then write the site again.</p>` : sections.join("");
  await writeFileAtomic(
    join(outDir, "index.html"),
    `${pageHead("Fluxture: the crawled networks over time")}<h1>Fluxture: the crawled networks over time</h1>` +
      `<p class="sub">${int(runs.length)} sealed run${runs.length === 1 ? "" : "s"}${since === null ? "" : `; charts since ${esc(since.toISOString().slice(0, 10))}`}.</p>` +
      `${body}<footer>Written by Fluxture ${esc(TOOL_VERSION)} at ${esc(new Date().toISOString())}. Map: Natural Earth via world-atlas.</footer></main></body></html>\n`,
  );
}
