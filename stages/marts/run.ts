// The marts and checks stages of `fluxture analyze`: each mart's rows for a run as exports/marts/<mart>.csv,
// and the sql/checks invariants over every sealed run. Both read the whole lake, so their inputs are the
// runs the lake holds (and the stages that shape each run's rows), not only this run's files.
import { createHash } from "node:crypto";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { quotedIdentifier, quotedString } from "@duckdb/node-api";
import { queryRows } from "../../pipeline/duckdb.ts";
import { writeFileAtomic } from "../../pipeline/fsutil.ts";
import { log } from "../../pipeline/log.ts";
import { listRuns, type RunInfo } from "../../pipeline/runs.ts";
import { checkFailureLine, runChecks } from "../../pipeline/sql/checks.ts";
import { ChecksFailedError } from "../../pipeline/sql/errors.ts";
import { listSqlFiles, martViewName } from "../../pipeline/sql/files.ts";
import { csvLines } from "../../pipeline/sql/format.ts";
import { openLake } from "../../pipeline/sql/lake.ts";
import { runStage, type StageDefinition, type StageOptions, type StageOutcome } from "../../pipeline/stage.ts";

/** Folder (in the run folder) of the per-run mart CSV files. */
export const MARTS_DIR = join("exports", "marts");

/** The stages whose records shape a run's rows in the lake. */
const LAKE_STAGES = ["crawl", "geolocate", "topology", "nodes"] as const;

/** One fingerprint of every run the lake reads: its state and the finish times of the stages that shape its rows. */
async function lakeFingerprint(_run: RunInfo, dataDir: string): Promise<Record<string, string>> {
  const hash = createHash("sha256");
  for (const r of await listRuns(dataDir, { onSkip: () => undefined })) {
    const stages = LAKE_STAGES.map((s) => `${s}=${r.manifest.stages[s]?.state ?? ""}@${r.manifest.stages[s]?.finished_at ?? ""}`);
    hash.update(`${r.network}/${r.id}:${r.manifest.state}:${stages.join(",")}\n`);
  }
  return { lake: hash.digest("hex").slice(0, 16) };
}

/** Writes each mart's rows for the run (cross-run marts whole) as CSV; returns the written paths. */
async function writeMartCsvs(run: RunInfo, dataDir: string): Promise<string[]> {
  const lake = await openLake(dataDir, { materializeMartInputs: true });
  try {
    const dir = join(run.dir, MARTS_DIR);
    await mkdir(dir, { recursive: true });
    const written: string[] = [];
    for (const mart of await listSqlFiles("marts")) {
      const view = quotedIdentifier(martViewName(mart.name));
      const columns = (await queryRows(lake.connection, `select column_name from (describe select * from ${view})`)).map((r) => String(r.column_name));
      // per-run marts are cut to this run; cross-run marts (reliability per node) are written whole
      const where = columns.includes("run_id") ? ` where run_id = ${quotedString(run.id)}` : "";
      const rows = await queryRows(lake.connection, `select * from ${view}${where}`);
      await writeFileAtomic(join(dir, `${mart.name}.csv`), csvLines(columns, rows, true));
      written.push(`marts/${mart.name}.csv`);
    }
    return written;
  } finally {
    await lake.close();
  }
}

const martsStage: StageDefinition<string[]> = {
  name: "marts",
  inputs: { stages: ["nodes"] },
  outputs: [MARTS_DIR],
  moreInputs: lakeFingerprint,
  async body({ run, dataDir }) {
    const files = await writeMartCsvs(run, dataDir);
    return { result: files, detail: files.join(", "), counts: { files: files.length }, details: { files } };
  },
};

/** `run<Stage>` of marts: the run's exports/marts/*.csv through runStage, redone when any run of the lake changed. */
export function runMarts(run: RunInfo, opts: StageOptions = {}): Promise<StageOutcome<string[]>> {
  return runStage(run, martsStage, opts);
}

const checksStage: StageDefinition<number> = {
  name: "checks",
  inputs: {},
  outputs: [],
  moreInputs: lakeFingerprint,
  currentBecause: (previous) => `the invariants held over the same runs at ${previous.finished_at}`,
  async body({ dataDir }) {
    const lake = await openLake(dataDir, { marts: false });
    try {
      const results = await runChecks(lake.connection);
      const failed = results.filter((r) => r.offending > 0);
      for (const f of failed) log("error", `check ${checkFailureLine(f)}`);
      if (failed.length > 0) throw new ChecksFailedError(failed.length, results.length);
      return { result: results.length, detail: `${results.length} invariants hold over every sealed run`, counts: { checks: results.length } };
    } finally {
      await lake.close();
    }
  },
};

/** `run<Stage>` of checks: every sql/checks invariant over the lake through runStage; ChecksFailedError on a violation. */
export function runChecksStage(run: RunInfo, opts: StageOptions = {}): Promise<StageOutcome<number>> {
  return runStage(run, checksStage, opts);
}
