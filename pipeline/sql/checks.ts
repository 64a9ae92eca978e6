// The invariants runner: every sql/checks/*.sql is a query whose rows are violations (zero rows = pass).
import { safeJsonStringify } from "../../lib/text.ts";
import type { DuckDBConnection } from "../duckdb.ts";
import { runSqlFile, type RowObject } from "../duckdb.ts";
import { listSqlFiles } from "./files.ts";
import { jsonValue } from "./format.ts";

/** Outcome of one check: its name, how many offending rows it returned, and the first few of them. */
export interface CheckResult {
  readonly name: string;
  readonly path: string;
  readonly offending: number;
  readonly sample: readonly RowObject[];
}

/** Runs every check against the session's views; `sampleSize` offending rows are kept per check. */
export async function runChecks(connection: DuckDBConnection, sampleSize = 3): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const file of await listSqlFiles("checks")) {
    const rows = await runSqlFile(connection, file.path);
    results.push({ name: file.name, path: file.path, offending: rows.length, sample: rows.slice(0, sampleSize) });
  }
  return results;
}

/** One line for a failed check: its name, how many rows offend, and the first of them as JSON. */
export function checkFailureLine(r: CheckResult): string {
  return `${r.name}: ${r.offending} offending row${r.offending === 1 ? "" : "s"}; first: ${safeJsonStringify(jsonValue(r.sample[0]))}`;
}
