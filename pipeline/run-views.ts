// One run's datasets as DuckDB views for the stages that read a single run (exports, report): a dataset the run
// does not have yet becomes an empty view with the schema's columns, so queries need no hand-written stand-ins.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { quotedIdentifier, quotedString } from "@duckdb/node-api";
import type { DuckDBConnection } from "./duckdb.ts";
import { assertWholeParquet } from "./run-health.ts";
import { ADDRS, GEO, NODE_METRICS, VISITS, type DatasetSchema } from "./schema/index.ts";

/** Which of a run's datasets exist as files (the views exist either way). */
export type RunDatasets = Record<"visits" | "addrs" | "geo" | "node_metrics", boolean>;

/** An empty relation with exactly the schema's columns and types. */
function emptyRelation(schema: DatasetSchema): string {
  const columns = schema.columns.map((c) => `null::${c.type} as ${quotedIdentifier(c.name)}`).join(", ");
  return `select ${columns} where false`;
}

/** A dataset file read with every column of the schema: a column the file predates (e.g. addrs.in_reply) is null. */
export function readDatasetSql(schema: DatasetSchema, path: string): string {
  return `select * from (${emptyRelation(schema)} union all by name select * from read_parquet(${quotedString(path)}))`;
}

/** The predicate that keeps the getaddr-reply entries of addrs (the advertised-address graph); runs written
 * before the column existed have null there and count every row, as they did then. */
export const IN_REPLY = "coalesce(in_reply, true)";

/** Creates temp views `visits`, `addrs`, `geo`, `node_metrics` over the run folder's Parquet files. */
export async function createRunViews(connection: DuckDBConnection, runDirPath: string): Promise<RunDatasets> {
  const present = {} as RunDatasets;
  for (const schema of [VISITS, ADDRS, GEO, NODE_METRICS]) {
    const path = join(runDirPath, schema.file);
    const exists = existsSync(path);
    if (exists) await assertWholeParquet(path);
    present[schema.name as keyof RunDatasets] = exists;
    const body = exists ? readDatasetSql(schema, path) : emptyRelation(schema);
    await connection.run(`create or replace temp view ${quotedIdentifier(schema.name)} as ${body}`);
  }
  return present;
}
