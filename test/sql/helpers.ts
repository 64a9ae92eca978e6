// Test helpers for the SQL layer: run a query on a lake and get plain rows (bigint → number, Date → ISO).
import type { DuckDBConnection } from "../../pipeline/duckdb.ts";
import { queryRows } from "../../pipeline/duckdb.ts";

/** A row with JSON-friendly values, for deepEqual against hand-written expectations. */
export type PlainRow = Record<string, string | number | boolean | null | unknown[] | Record<string, unknown>>;

function plain(value: unknown): unknown {
  if (typeof value === "bigint") return Number(value);
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(plain);
  if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  return value;
}

/** Runs `sql` and returns its rows with plain values. */
export async function rows(connection: DuckDBConnection, sql: string): Promise<PlainRow[]> {
  return (await queryRows(connection, sql)).map((r) => plain(r) as PlainRow);
}

/** Rounds every number of every row to 6 decimals, so shares compare exactly with fractions written by hand. */
export function rounded(list: readonly PlainRow[]): PlainRow[] {
  return list.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === "number" ? Math.round(v * 1e6) / 1e6 : v])));
}

/** A fraction rounded like `rounded` does. */
export function frac(n: number, d: number): number {
  return Math.round((n / d) * 1e6) / 1e6;
}
