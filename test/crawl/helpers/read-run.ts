// Reads a sealed run's visits and addrs back with DuckDB (the real reader the rest of the pipeline uses).
import { join } from "node:path";
import { quotedString } from "@duckdb/node-api";
import { openDuckDB, queryRows, type RowObject } from "../../../pipeline/duckdb.ts";

/** Rows of visits.parquet and addrs.parquet of a run folder, sorted for comparison. */
export async function readRun(runDir: string): Promise<{ visits: RowObject[]; addrs: RowObject[] }> {
  const db = await openDuckDB({ threads: 1 });
  try {
    const visits = await queryRows(db.connection, `select * from read_parquet(${quotedString(join(runDir, "visits.parquet"))}) order by address, port`);
    const addrs = await queryRows(
      db.connection,
      `select * from read_parquet(${quotedString(join(runDir, "addrs.parquet"))}) order by source_address, source_port, address, port`,
    );
    return { visits, addrs };
  } finally {
    db.close();
  }
}

/** `address:port outcome` lines of visits, sorted. */
export function visitLines(visits: readonly RowObject[]): string[] {
  return visits.map((v) => `${String(v.address)}:${String(v.port)} ${String(v.outcome)}`).sort();
}

/** `source:port -> address:port` lines of addrs, sorted. */
export function edgeLines(addrs: readonly RowObject[]): string[] {
  return addrs.map((a) => `${String(a.source_address)}:${String(a.source_port)} -> ${String(a.address)}:${String(a.port)}`).sort();
}
