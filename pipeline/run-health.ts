// Damaged runs: a run folder whose manifest is unreadable or invalid, or one of whose Parquet files is not a
// whole Parquet file (a truncated copy, a crash of another tool). The lake leaves such runs out with one warning
// each, `fluxture runs` marks them, and every healthy run stays queryable.
import { existsSync } from "node:fs";
import { open } from "node:fs/promises";
import { join } from "node:path";
import { quotedString } from "@duckdb/node-api";
import { openDuckDB } from "./duckdb.ts";
import { DataError } from "./errors.ts";
import { DATASETS } from "./schema/index.ts";
import { listRuns, type RunInfo } from "./runs.ts";

/** A run folder the lake cannot read, and why. */
export interface DamagedRun {
  readonly dir: string;
  /** From the folder names (the manifest may be what is damaged). */
  readonly id: string;
  readonly network: string;
  readonly reason: string;
  /** The run as its manifest describes it, when the manifest itself is readable. */
  readonly info?: RunInfo;
}

/** Healthy and damaged runs of a data folder. */
export interface RunSurvey {
  readonly healthy: RunInfo[];
  readonly damaged: DamagedRun[];
}

const MAGIC = "PAR1";

/**
 * Why the file at `path` is not a whole Parquet file, or null: it must start and end with `PAR1` and its footer
 * length must fit in the file. This catches truncation and foreign files without decoding anything.
 */
export async function parquetProblem(path: string): Promise<string | null> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(path, "r");
    const { size } = await handle.stat();
    if (size < 12) return `${path} is not a Parquet file (${size} bytes)`;
    const head = Buffer.alloc(4);
    const tail = Buffer.alloc(8);
    await handle.read(head, 0, 4, 0);
    await handle.read(tail, 0, 8, size - 8);
    if (head.toString("latin1") !== MAGIC || tail.toString("latin1", 4) !== MAGIC) return `${path} is not a whole Parquet file (truncated or corrupt)`;
    if (tail.readUInt32LE(0) + 12 > size) return `${path} is not a whole Parquet file (footer longer than the file)`;
    return null;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return null;
    return `cannot read ${path}: ${code ?? String(err)}`;
  } finally {
    await handle?.close();
  }
}

/** Throws a DataError naming `path` when it exists but is not a whole Parquet file (a user's damaged run, exit 1). */
export async function assertWholeParquet(path: string): Promise<void> {
  const problem = await parquetProblem(path);
  if (problem !== null) throw new DataError(problem);
}

/** The crawl's datasets whose row counts the manifest records (`counts.visits`, `counts.addrs`). */
const COUNTED: Readonly<Record<string, string>> = { "visits.parquet": "visits", "addrs.parquet": "addrs" };

/**
 * Why the datasets a stage reads (`files`, names in the run folder) do not match what the run's manifest declares,
 * or null: a crawl dataset with a recorded count must exist and hold exactly that many rows; every present file must
 * be whole Parquet. A step is never called done over a run whose addrs.parquet was deleted or truncated.
 */
export async function datasetsProblem(run: RunInfo, files: readonly string[]): Promise<string | null> {
  for (const file of files) {
    const path = join(run.dir, file);
    const key = COUNTED[file];
    const declared = key === undefined ? undefined : run.manifest.counts[key];
    if (!existsSync(path)) {
      if (declared !== undefined) return `run ${run.id}: ${path} is missing, its manifest records ${declared} rows`;
      continue;
    }
    const problem = await parquetProblem(path);
    if (problem !== null) return `run ${run.id}: ${problem}`;
    if (declared === undefined) continue;
    const rows = await parquetRows(path);
    if (rows !== declared) return `run ${run.id}: ${path} holds ${rows} rows, its manifest records ${declared}`;
  }
  return null;
}

/** Rows of a Parquet file, from its footer. */
async function parquetRows(path: string): Promise<number> {
  const db = await openDuckDB({ threads: 1 });
  try {
    const reader = await db.connection.runAndReadAll(`select count(*)::bigint from read_parquet(${quotedString(path)})`);
    return Number(reader.getRowsJS()[0]?.[0] ?? 0);
  } finally {
    db.close();
  }
}

/** Why a run's dataset files cannot be read, or null when every present one is a whole Parquet file. */
export async function runProblem(dir: string): Promise<string | null> {
  for (const d of DATASETS) {
    const problem = await parquetProblem(join(dir, d.file));
    if (problem !== null) return problem;
  }
  return null;
}

function folderNames(dir: string): { id: string; network: string } {
  return {
    id: /run_id=([^/\\]+)[/\\]?$/.exec(dir)?.[1] ?? dir,
    network: /network=([^/\\]+)[/\\]run_id=/.exec(dir)?.[1] ?? "?",
  };
}

/** Sorts every run folder of `dataDir` into healthy and damaged (bad manifest, or a present file not whole Parquet). */
export async function surveyRuns(dataDir: string, opts: { network?: RunInfo["network"] } = {}): Promise<RunSurvey> {
  const damaged: DamagedRun[] = [];
  const runs = await listRuns(dataDir, {
    ...(opts.network ? { network: opts.network } : {}),
    onSkip: (dir, reason) => damaged.push({ dir, ...folderNames(dir), reason }),
  });
  const healthy: RunInfo[] = [];
  for (const run of runs) {
    const problem = await runProblem(run.dir);
    if (problem === null) healthy.push(run);
    else damaged.push({ dir: run.dir, id: run.id, network: run.network, reason: problem, info: run });
  }
  return { healthy, damaged };
}

/** The one warning line for a damaged run. */
export function damagedRunLine(d: DamagedRun): string {
  return `skipping damaged run ${d.network}/${d.id}: ${d.reason}`;
}
