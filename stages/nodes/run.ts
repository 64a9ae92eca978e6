// A run's nodes.parquet: int_joined_nodes computed once per run by `fluxture analyze`, so the marts over many runs
// read one narrow file per run instead of de-duplicating and joining every run's visits and geo each time.
import { existsSync } from "node:fs";
import { unlink } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { quotedString } from "@duckdb/node-api";
import { queryRows } from "../../pipeline/duckdb.ts";
import { DataError } from "../../pipeline/errors.ts";
import { publishFile, tempPathFor } from "../../pipeline/fsutil.ts";
import type { Manifest } from "../../pipeline/manifest.ts";
import type { RunInfo } from "../../pipeline/runs.ts";
import { GEO } from "../../pipeline/schema/geo.ts";
import { NODES } from "../../pipeline/schema/nodes.ts";
import { runStage, type StageDefinition, type StageOptions, type StageOutcome } from "../../pipeline/stage.ts";
import { openLake } from "../../pipeline/sql/lake.ts";

/** Name of the manifest stage that records a run's nodes.parquet. */
export const NODES_STAGE = "nodes";

/**
 * The geolocate stage a nodes.parquet built now derives from: that stage's started_at when it succeeded, else
 * null. sql/views.sql (runs_with_current_nodes) compares it with the value recorded when the file was built.
 */
export function geolocateProvenance(manifest: Manifest): string | null {
  const geolocate = manifest.stages.geolocate;
  return geolocate?.state === "succeeded" ? geolocate.started_at : null;
}

/** Whether the run's nodes.parquet is current: the rule of views.sql's runs_with_current_nodes, and the file exists. */
export function nodesCurrent(info: RunInfo): boolean {
  const stage = info.manifest.stages[NODES_STAGE];
  if (stage?.state !== "succeeded" || !existsSync(join(info.dir, NODES.file))) return false;
  const builtFrom = stage.details?.geolocate_started_at ?? null;
  return builtFrom === geolocateProvenance(info.manifest);
}

/** The nodes stage: visits and geo → nodes.parquet, for succeeded (sealed) runs only. */
const nodesStage: StageDefinition<number> = {
  name: NODES_STAGE,
  inputs: { datasets: ["visits.parquet", GEO.file], stages: ["crawl", "geolocate"] },
  outputs: [NODES.file],
  unavailable: (run) => (run.manifest.state === "succeeded" ? null : `the run is ${run.manifest.state}: only succeeded runs are in the marts`),
  // the rule of views.sql's runs_with_current_nodes: built from the run's present geolocate stage
  stale: (previous, run) =>
    (previous.details?.geolocate_started_at ?? null) === geolocateProvenance(run.manifest) ? null : "built from another geolocate stage",
  currentBecause: (previous) => `nodes.parquet current since ${previous.finished_at}`,
  async body({ run }) {
    const details = { geolocate_started_at: geolocateProvenance(run.manifest) };
    const count = await writeNodes(run);
    return { result: count, detail: `${count} nodes`, counts: { nodes: count }, details };
  },
};

/**
 * `run<Stage>` of nodes: writes the run's nodes.parquet (atomically) from int_joined_nodes through runStage, which
 * records the geolocate stage it derives from. While the stage is running the views ignore the file and join
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
