// `fluxture report`: the run's figures, rendered to one self-contained HTML file written atomically; and
// `fluxture report --site DIR`, the static dashboard (stages/report/site.ts).
import { join } from "node:path";
import { mkdir } from "node:fs/promises";
import { writeFileAtomic } from "../../pipeline/fsutil.ts";
import { findRun, listRuns, type RunInfo } from "../../pipeline/runs.ts";
import { runStage, type StageDefinition, type StageOptions, type StageOutcome } from "../../pipeline/stage.ts";
import type { NetworkName } from "../../lib/bitcoin/networks.ts";
import { TOOL_VERSION } from "../../pipeline/version.ts";
import { renderReport } from "./html.ts";
import { loadReportData } from "./load.ts";
import { writeSite } from "./site.ts";

/** Writes the report of `run` to `output`, or to stdout when output is `-`; trend charts cover runs since `since`. */
export async function writeReport(dataDir: string, run: RunInfo, output: string, since: Date | null = null): Promise<void> {
  const html = renderReport(await loadReportData(dataDir, run, since), new Date(), TOOL_VERSION);
  if (output === "-") process.stdout.write(html);
  else await writeFileAtomic(output, html);
}

/** Options of `fluxture report`. */
export interface ReportOptions {
  readonly runId?: string;
  /** With no runId: the newest succeeded run of this network. */
  readonly network?: NetworkName;
  /** Trend charts cover sealed runs started at or after this time (all when null). */
  readonly since: Date | null;
  /** Write the static site into this folder instead of one report. */
  readonly site?: string;
}

/** `fluxture report [--data DIR] [--run RUN_ID] [--since AGE] OUTPUT.html` or `--site DIR`. */
export async function runReport(dataDir: string, output: string | undefined, options: ReportOptions): Promise<void> {
  if (options.site !== undefined) {
    await writeSite(dataDir, options.site, options.since);
    return;
  }
  await writeReport(dataDir, await findRun(dataDir, { run: options.runId, network: options.network }), output ?? "-", options.since);
}

/** The report in the run's exports/ folder (used by `fluxture analyze`). */
export async function writeRunReport(dataDir: string, run: RunInfo): Promise<string> {
  const dir = join(run.dir, "exports");
  await mkdir(dir, { recursive: true });
  const path = join(dir, "report.html");
  await writeReport(dataDir, run, path);
  return path;
}

/** The previous succeeded run of the network (the report's "changes" section compares with it), as a fingerprint. */
async function previousRunInput(run: RunInfo, dataDir: string): Promise<Record<string, string>> {
  const earlier = (await listRuns(dataDir, { network: run.network, onSkip: () => undefined })).filter((r) => r.id < run.id && r.manifest.state === "succeeded");
  const prev = earlier[earlier.length - 1];
  return { previous_run: prev === undefined ? "none" : `${prev.id}@${prev.manifest.finished_at}` };
}

const reportStage: StageDefinition<string> = {
  name: "report",
  inputs: { datasets: ["visits.parquet", "addrs.parquet", "geo.parquet", "node_metrics.parquet"], stages: ["crawl", "geolocate", "topology"] },
  outputs: [join("exports", "report.html")],
  moreInputs: previousRunInput,
  async body({ run, dataDir }) {
    const path = await writeRunReport(dataDir, run);
    return { result: path, detail: path, counts: { files: 1 }, details: { files: [path] } };
  },
};

/** `run<Stage>` of report: exports/report.html through runStage, redone when geo, metrics or the previous run change. */
export function runReportStage(run: RunInfo, opts: StageOptions = {}): Promise<StageOutcome<string>> {
  return runStage(run, reportStage, opts);
}
