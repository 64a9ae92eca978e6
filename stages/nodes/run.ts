// A run's nodes.parquet: int_joined_nodes computed once per run by `fluxture analyze`, so the marts over many runs
// read one narrow file per run instead of de-duplicating and joining every run's visits and geo each time.
import { existsSync } from "node:fs";
import { unlink } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { quotedString } from "@duckdb/node-api";
import { queryRows } from "../../pipeline/duckdb.ts";
import { DataError } from "../../pipeline/errors.ts";
import { publishFile, tempPathFor } from "../../pipeline/fsutil.ts";
import type { RunInfo } from "../../pipeline/runs.ts";
import { NODES, NODES_INPUTS } from "../../pipeline/schema/nodes.ts";
import { runStage, type StageDefinition, type StageOptions, type StageOutcome, whyStale } from "../../pipeline/stage.ts";
import { openLake } from "../../pipeline/sql/lake.ts";

/** Name of the manifest stage that records a run's nodes.parquet. */
export const NODES_STAGE = "nodes";

/** The nodes stage: visits and geo → nodes.parquet, for succeeded (sealed) runs only. */
const nodesStage: StageDefinition<number> = {
  name: NODES_STAGE,
  // the rule views.sql's runs_with_current_nodes also reads: the fingerprints of these inputs, recorded at success
  inputs: NODES_INPUTS,
  outputs: [NODES.file],
  unavailable: (run) => (run.manifest.state === "succeeded" ? null : `the run is ${run.manifest.state}: only succeeded runs are in the marts`),
  currentBecause: (previous) => `nodes.parquet current since ${previous.finished_at}`,
  async body({ run }) {
    const count = await writeNodes(run);
    return { result: count, detail: `${count} nodes`, counts: { nodes: count } };
  },
};

/** Why the run's nodes.parquet would be rebuilt now (null: it is current), by runStage's rule over NODES_INPUTS. */
export function nodesStale(info: RunInfo): Promise<string | null> {
  return whyStale(info, nodesStage as StageDefinition<unknown>);
}

/**
 * `run<Stage>` of nodes: writes the run's nodes.parquet (atomically) from int_joined_nodes through runStage, which
 * records the fingerprints of its inputs (NODES_INPUTS). While the stage is running the views ignore the file and join
 * visits and geo. A run that is not succeeded is skipped: it has no nodes in the marts.
 */
export function runNodes(info: RunInfo, opts: StageOptions = {}): Promise<StageOutcome<number>> {
  return runStage(info, nodesStage, opts);
}

/** Writes the run's nodes.parquet now (current or not) and returns its node count; DataError for an unsealed run. */
export async function prepareRunNodes(info: RunInfo, opts: StageOptions = {}): Promise<number> {
  if (info.manifest.state !== "succeeded") {
    throw new DataError(`run ${info.id} is ${info.manifest.state}: only a succeeded run's nodes are in the marts`);
  }
  return (await runNodes(info, { ...opts, force: true })).result!;
}

async function writeNodes(info: RunInfo): Promise<number> {
  const target = join(info.dir, NODES.file);
  const tmp = tempPathFor(target);
  try {
    const lake = await openLake(dirname(dirname(dirname(resolve(info.dir)))), { marts: false, runDir: info.dir });
    let count: number;
    try {
      const select = NODES.columns.map((c) => `cast(${c.name} as ${c.type}) as ${c.name}`).join(", ");
      const where = `network = ${quotedString(info.network)} and run_id = ${quotedString(info.id)}`;
      await lake.connection.run(`copy (select ${select} from int_joined_nodes where ${where}) to ${quotedString(tmp)} (format parquet, compression zstd)`);
      const [row] = await queryRows(lake.connection, `select count(*)::bigint as n from read_parquet(${quotedString(tmp)})`);
      count = Number(row?.n ?? 0);
      // cross-check against the run's visits read directly, not through the views: one row per (address, port)
      const visits = resolve(info.dir, "visits.parquet");
      const expected = existsSync(visits)
        ? Number(
            (
              await queryRows(lake.connection, `select count(*)::bigint as n from (select distinct address, port from read_parquet(${quotedString(visits)}))`)
            )[0]?.n ?? 0,
          )
        : 0;
      if (count !== expected)
        throw new DataError(`nodes.parquet of run ${info.id} would hold ${count} nodes but its visits.parquet has ${expected}: not written`);
    } finally {
      await lake.close();
    }
    await publishFile(tmp, target);
    return count;
  } finally {
    if (existsSync(tmp)) await unlink(tmp).catch(() => undefined);
  }
}
