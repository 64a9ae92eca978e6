// A run's nodes.parquet: int_joined_nodes computed once per run by `fluxture analyze`, so the marts over many runs
// read one narrow file per run instead of de-duplicating and joining every run's visits and geo each time.
import { existsSync } from "node:fs";
import { unlink } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { queryRows, sqlString } from "../../pipeline/duckdb.ts";
import { DataError, errorMessage } from "../../pipeline/errors.ts";
import { publishFile, tempPathFor } from "../../pipeline/fsutil.ts";
import type { Manifest } from "../../pipeline/manifest.ts";
import { Run, type RunInfo } from "../../pipeline/runs.ts";
import { NODES } from "../../pipeline/schema/nodes.ts";
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

/**
 * Writes the run's nodes.parquet (atomically) from int_joined_nodes and records the `nodes` stage with the
 * geolocate stage it derives from; returns the number of nodes. The stage is marked running first, so while
 * the file is rewritten the views ignore it and join visits and geo. A run that is not succeeded (sealed) has
 * no nodes in the marts: DataError.
 */
export async function prepareRunNodes(info: RunInfo): Promise<number> {
  if (info.manifest.state !== "succeeded") {
    throw new DataError(`run ${info.id} is ${info.manifest.state}: only a succeeded run's nodes are in the marts`);
  }
  const run = Run.attach(info);
  const startedAt = new Date().toISOString();
  const details = { geolocate_started_at: geolocateProvenance(info.manifest) };
  await run.recordStage(NODES_STAGE, { state: "running", started_at: startedAt, finished_at: null, details });
  const target = join(info.dir, NODES.file);
  const tmp = tempPathFor(target);
  try {
    const lake = await openLake(dirname(dirname(dirname(resolve(info.dir)))), { marts: false, runDir: info.dir });
    let count: number;
    try {
      const select = NODES.columns.map((c) => `cast(${c.name} as ${c.type}) as ${c.name}`).join(", ");
      const where = `network = ${sqlString(info.network)} and run_id = ${sqlString(info.id)}`;
      await lake.connection.run(`copy (select ${select} from int_joined_nodes where ${where}) to ${sqlString(tmp)} (format parquet, compression zstd)`);
      const [row] = await queryRows(lake.connection, `select count(*)::bigint as n from read_parquet(${sqlString(tmp)})`);
      count = Number(row?.n ?? 0);
      // cross-check against the run's visits read directly, not through the views: one row per (address, port)
      const visits = resolve(info.dir, "visits.parquet");
      const expected = existsSync(visits)
        ? Number(
            (await queryRows(lake.connection, `select count(*)::bigint as n from (select distinct address, port from read_parquet(${sqlString(visits)}))`))[0]
              ?.n ?? 0,
          )
        : 0;
      if (count !== expected)
        throw new DataError(`nodes.parquet of run ${info.id} would hold ${count} nodes but its visits.parquet has ${expected}: not written`);
    } finally {
      await lake.close();
    }
    await publishFile(tmp, target);
    await run.recordStage(NODES_STAGE, { state: "succeeded", started_at: startedAt, finished_at: new Date().toISOString(), counts: { nodes: count }, details });
    return count;
  } catch (err) {
    await run
      .recordStage(NODES_STAGE, {
        state: "failed",
        started_at: startedAt,
        finished_at: new Date().toISOString(),
        details: { ...details, error: errorMessage(err) },
      })
      .catch(() => undefined);
    throw err;
  } finally {
    if (existsSync(tmp)) await unlink(tmp).catch(() => undefined);
  }
}
