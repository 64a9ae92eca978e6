// Per-column plan of a dataset: how values are buffered in JS (Kind) and the DuckDB type the appender fills,
// which is the declared type itself (no conversion step between staging and the published file).
import { BIGINT, BOOLEAN, DOUBLE, INTEGER, TIMESTAMPTZ, UBIGINT, UINTEGER, USMALLINT, VARCHAR, type DuckDBType } from "@duckdb/node-api";
import { quotedIdentifier } from "@duckdb/node-api";
import type { ColumnSpec, ColumnType, DatasetSchema } from "../schema/types.ts";

/** How a column's values are buffered in JS (typed array or strings). */
export const Kind = { Varchar: 0, I32: 1, U32: 2, U16: 3, I64: 4, U64: 5, F64: 6, Bool: 7, TsMs: 8 } as const;
/** One of Kind's values. */
export type Kind = (typeof Kind)[keyof typeof Kind];

// TIMESTAMPTZ is buffered as epoch milliseconds (a Date's precision) and written to the vector as int64 epoch
// microseconds, which is what TIMESTAMPTZ stores: a UTC instant, independent of any session time zone.
const KINDS: Record<ColumnType, readonly [Kind, DuckDBType]> = {
  VARCHAR: [Kind.Varchar, VARCHAR],
  INTEGER: [Kind.I32, INTEGER],
  UINTEGER: [Kind.U32, UINTEGER],
  USMALLINT: [Kind.U16, USMALLINT],
  BIGINT: [Kind.I64, BIGINT],
  UBIGINT: [Kind.U64, UBIGINT],
  DOUBLE: [Kind.F64, DOUBLE],
  BOOLEAN: [Kind.Bool, BOOLEAN],
  TIMESTAMPTZ: [Kind.TsMs, TIMESTAMPTZ],
};

/** A compiled column: its spec, JS buffering kind and DuckDB type. */
export interface CompiledColumn {
  readonly spec: ColumnSpec;
  readonly kind: Kind;
  readonly staging: DuckDBType;
}

/** A dataset compiled for writing: its columns and the SQL around them. */
export interface CompiledSchema {
  readonly schema: DatasetSchema;
  readonly columns: readonly CompiledColumn[];
  /** `create table` body for the staging table (the declared types). */
  readonly stagingDdl: string;
  /** Select list casting a table's or Parquet file's columns to the declared types, in schema order. */
  readonly castSelect: string;
}

/** Compiles a schema once: buffering kinds, staging DDL and the casting select list. */
export function compileSchema(schema: DatasetSchema): CompiledSchema {
  const columns = schema.columns.map((spec): CompiledColumn => ({ spec, kind: KINDS[spec.type][0], staging: KINDS[spec.type][1] }));
  const stagingDdl = schema.columns.map((c) => `${quotedIdentifier(c.name)} ${c.type}`).join(", ");
  const castSelect = schema.columns.map((c) => `cast(${quotedIdentifier(c.name)} as ${c.type}) as ${quotedIdentifier(c.name)}`).join(", ");
  return { schema, columns, stagingDdl, castSelect };
}
