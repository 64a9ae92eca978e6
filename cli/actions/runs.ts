// `fluxture runs`: every run folder of the data folder with network, state and counts; unsealed runs marked.
import { stat } from "node:fs/promises";
import { DataError } from "../../pipeline/errors.ts";
import type { RunInfo } from "../../pipeline/runs.ts";
import { damagedRunLine, surveyRuns, type DamagedRun } from "../../pipeline/run-health.ts";
import { log } from "../../pipeline/log.ts";
import type { NetworkName } from "../../lib/bitcoin/networks.ts";
import { formatTable } from "../../pipeline/sql/format.ts";

/** Parsed flags of `fluxture runs`. */
export interface RunsCommandOptions {
  readonly data: string;
  readonly json?: boolean;
  readonly network?: NetworkName;
  /** Where the listing goes (default process.stdout). */
  readonly out?: NodeJS.WritableStream;
}

/** One run as `fluxture runs --json` prints it. `sealed` is true only for succeeded runs (the ones the views read). */
export interface RunListing {
  run_id: string;
  network: NetworkName;
  state: string;
  sealed: boolean;
  started_at: string;
  finished_at: string | null;
  duration_s: number | null;
  counts: Record<string, number>;
  stages: Record<string, string>;
  error: string | null;
  dir: string;
  /** Why the lake skips this run (bad manifest, a file that is not whole Parquet), or null for a healthy run. */
  damaged: string | null;
}

/** The listing of one run from its manifest. */
export function runListing(info: RunInfo): RunListing {
  const m = info.manifest;
  const started = Date.parse(m.started_at);
  const finished = m.finished_at === null ? NaN : Date.parse(m.finished_at);
  return {
    run_id: info.id,
    network: info.network,
    state: m.state,
    sealed: m.state === "succeeded",
    started_at: m.started_at,
    finished_at: m.finished_at,
    duration_s: Number.isFinite(started) && Number.isFinite(finished) ? (finished - started) / 1000 : null,
    counts: m.counts,
    stages: Object.fromEntries(Object.entries(m.stages).map(([name, s]) => [name, s.state])),
    error: m.error ?? null,
    dir: info.dir,
    damaged: null,
  };
}

/** The listing of a damaged run: its manifest's facts when it could be read, the folder's names otherwise. */
function damagedListing(d: DamagedRun, info: RunInfo | undefined): RunListing {
  if (info !== undefined) return { ...runListing(info), sealed: false, damaged: d.reason };
  return {
    run_id: d.id,
    network: d.network as NetworkName,
    state: "unknown",
    sealed: false,
    started_at: "",
    finished_at: null,
    duration_s: null,
    counts: {},
    stages: {},
    error: null,
    dir: d.dir,
    damaged: d.reason,
  };
}

/** Lists the runs (oldest first); a missing data folder is a DataError, an empty one prints an empty listing. */
export async function runRunsCommand(opts: RunsCommandOptions): Promise<RunListing[]> {
  const st = await stat(opts.data).catch(() => null);
  if (st === null || !st.isDirectory()) throw new DataError(`data folder ${opts.data} does not exist`);
  const survey = await surveyRuns(opts.data, opts.network ? { network: opts.network } : {});
  for (const d of survey.damaged) log("warn", damagedRunLine(d));
  const listings = [...survey.healthy.map(runListing), ...survey.damaged.map((d) => damagedListing(d, d.info))].sort((a, b) =>
    a.run_id === b.run_id ? a.network.localeCompare(b.network) : a.run_id < b.run_id ? -1 : 1,
  );
  const out = opts.out ?? process.stdout;
  if (opts.json) {
    out.write(`${JSON.stringify(listings, null, 2)}\n`);
    return listings;
  }
  const rows = listings.map((r) => ({
    run_id: r.run_id,
    network: r.network,
    state: r.damaged !== null ? `${r.state} (damaged: skipped by the lake)` : r.sealed ? r.state : `${r.state} (not sealed)`,
    started_at: r.started_at,
    finished_at: r.finished_at,
    duration_s: r.duration_s,
    counts: Object.entries(r.counts)
      .map(([k, v]) => `${k}=${v}`)
      .join(" "),
    stages: Object.entries(r.stages)
      .map(([k, v]) => `${k}:${v}`)
      .join(" "),
  }));
  out.write(formatTable(["run_id", "network", "state", "started_at", "finished_at", "duration_s", "counts", "stages"], rows));
  return listings;
}
