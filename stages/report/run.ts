// `fluxture report`: the run's figures, rendered to one self-contained HTML file written atomically.
import { join } from "node:path";
import { mkdir } from "node:fs/promises";
import { writeFileAtomic } from "../../pipeline/fsutil.ts";
import { findRun, type RunInfo } from "../../pipeline/runs.ts";
import { TOOL_VERSION } from "../../pipeline/version.ts";
import { renderReport } from "./html.ts";
import { loadReportData } from "./load.ts";

/** Writes the report of `run` to `output`, or to stdout when output is `-`. */
export async function writeReport(dataDir: string, run: RunInfo, output: string): Promise<void> {
  const html = renderReport(await loadReportData(dataDir, run), new Date(), TOOL_VERSION);
  if (output === "-") process.stdout.write(html);
  else await writeFileAtomic(output, html);
}

/** `fluxture report [--data DIR] [--run RUN_ID] OUTPUT.html`. */
export async function runReport(dataDir: string, runId: string | undefined, output: string): Promise<void> {
  await writeReport(dataDir, await findRun(dataDir, runId === undefined ? {} : { run: runId }), output);
}

/** The report in the run's exports/ folder (used by `fluxture analyze`). */
export async function writeRunReport(dataDir: string, run: RunInfo): Promise<string> {
  const dir = join(run.dir, "exports");
  await mkdir(dir, { recursive: true });
  const path = join(dir, "report.html");
  await writeReport(dataDir, run, path);
  return path;
}
