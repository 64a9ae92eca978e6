// The shape of a dataset definition: the one place a column's name, type, nullability and meaning are written.
import { FluxtureError } from "../errors.ts";

/** DuckDB column types the datasets use; each maps to one JavaScript row-value type (see JsValueOf). */
export type ColumnType = "VARCHAR" | "INTEGER" | "UINTEGER" | "USMALLINT" | "BIGINT" | "UBIGINT" | "DOUBLE" | "BOOLEAN" | "TIMESTAMPTZ";

/** One column of a dataset: written by the snapshot writer, documented in docs/DATA.md, checked by sql/checks. */
export interface ColumnSpec {
  readonly name: string;
  readonly type: ColumnType;
  readonly nullable: boolean;
  readonly meaning: string;
}

/**
 * A dataset (one Parquet file per run). `Row` is a phantom type: the row object the writers accept and
 * readParts returns, keyed by column name (snake_case), so `SnapshotWriter.open(dir, VISITS)` infers VisitRow.
 */
export interface DatasetSchema<Row = unknown> {
  readonly name: string;
  readonly file: string;
  readonly description: string;
  readonly columns: readonly ColumnSpec[];
  readonly key: readonly string[];
  /** Never set at run time; carries the row type for inference only. */
  readonly __row?: Row;
}

/**
 * JavaScript value of each column type in a row object. Integers that fit a double are `number`;
 * 64-bit integers (`BIGINT`, `UBIGINT`, e.g. services) are `bigint`; timestamps are `Date` (UTC instants).
 */
export interface JsValueOf {
  VARCHAR: string;
  INTEGER: number;
  UINTEGER: number;
  USMALLINT: number;
  BIGINT: bigint;
  UBIGINT: bigint;
  DOUBLE: number;
  BOOLEAN: boolean;
  TIMESTAMPTZ: Date;
}

/** How each column type's JS value is written in docs/DATA.md. */
export const JS_TYPE_NAMES: Readonly<Record<ColumnType, string>> = {
  VARCHAR: "string",
  INTEGER: "number",
  UINTEGER: "number",
  USMALLINT: "number",
  BIGINT: "bigint",
  UBIGINT: "bigint",
  DOUBLE: "number",
  BOOLEAN: "boolean",
  TIMESTAMPTZ: "Date",
};

/** A row value that does not fit its column (null in NOT NULL, wrong JS type, out of range); names the column. */
export class RowValueError extends FluxtureError {
  readonly dataset: string;
  readonly column: string;
  constructor(dataset: string, column: string, problem: string) {
    super(`${dataset}.${column}: ${problem}`);
    this.dataset = dataset;
    this.column = column;
  }
}

/** Defines a dataset schema, checking names are unique snake_case and the key names real columns. */
export function defineDataset<Row>(spec: Omit<DatasetSchema<Row>, "__row">): DatasetSchema<Row> {
  const seen = new Set<string>();
  for (const column of spec.columns) {
    if (!/^[a-z][a-z0-9_]*$/.test(column.name)) throw new Error(`${spec.name}: bad column name '${column.name}'`);
    if (seen.has(column.name)) throw new Error(`${spec.name}: duplicate column '${column.name}'`);
    seen.add(column.name);
  }
  for (const k of spec.key) if (!seen.has(k)) throw new Error(`${spec.name}: key column '${k}' is not a column`);
  return spec;
}
