// Per-column-type plan: how values are stored in JS, the staging type the appender fills, and the SQL that
// turns a staged column into its declared type.
import { BIGINT, BOOLEAN, DOUBLE, INTEGER, TIMESTAMPTZ, UBIGINT, UINTEGER, USMALLINT, VARCHAR, type DuckDBType } from "@duckdb/node-api";
import { sqlIdent } from "../duckdb.ts";
import type { ColumnSpec, ColumnType, DatasetSchema } from "../schema/types.ts";

/** How a column travels into DuckDB: the JS storage of its values and the staging column type. */
export const Kind = { Varchar: 0, I32: 1, U32: 2, U16: 3, I64: 4, U64: 5, F64: 6, Bool: 7, TsMs: 8 } as const;
/** One of Kind's values. */
export type Kind = (typeof Kind)[keyof typeof Kind];

interface TypeCodec {
  readonly kind: Kind;
  readonly staging: DuckDBType;
  readonly stagingSql: string;
  /** SQL turning the staged column `c` into the declared type. */
  finalSql(c: string): string;
}

const same = (c: string): string => c;

const CODECS: Record<ColumnType, TypeCodec> = {
  VARCHAR: { kind: Kind.Varchar, staging: VARCHAR, stagingSql: "VARCHAR", finalSql: same },
  INTEGER: { kind: Kind.I32, staging: INTEGER, stagingSql: "INTEGER", finalSql: same },
  UINTEGER: { kind: Kind.U32, staging: UINTEGER, stagingSql: "UINTEGER", finalSql: same },
  USMALLINT: { kind: Kind.U16, staging: USMALLINT, stagingSql: "USMALLINT", finalSql: same },
  BIGINT: { kind: Kind.I64, staging: BIGINT, stagingSql: "BIGINT", finalSql: same },
  UBIGINT: { kind: Kind.U64, staging: UBIGINT, stagingSql: "UBIGINT", finalSql: same },
  DOUBLE: { kind: Kind.F64, staging: DOUBLE, stagingSql: "DOUBLE", finalSql: same },
  BOOLEAN: { kind: Kind.Bool, staging: BOOLEAN, stagingSql: "BOOLEAN", finalSql: same },
  // buffered as epoch milliseconds (a Date's precision), written to the vector as int64 epoch microseconds,
  // which is what TIMESTAMPTZ stores: a UTC instant, independent of any session time zone
  TIMESTAMPTZ: { kind: Kind.TsMs, staging: TIMESTAMPTZ, stagingSql: "TIMESTAMPTZ", finalSql: same },
};

/** A compiled column: its spec plus the staging conversion. */
export interface CompiledColumn {
  readonly spec: ColumnSpec;
  readonly kind: Kind;
  readonly staging: DuckDBType;
}

/** A dataset compiled for writing: per-column staging converters and the SQL around them. */
export interface CompiledSchema {
  readonly schema: DatasetSchema;
  readonly columns: readonly CompiledColumn[];
  /** `create table` body for the staging table. */
  readonly stagingDdl: string;
  /** Select list turning staged columns into the declared types, in schema order. */
  readonly finalSelect: string;
  /** Select list casting a Parquet file's columns to the declared types (for merges). */
  readonly castSelect: string;
}

/** Compiles a schema once: staging types and the SQL that publishes staged rows in the declared types. */
export function compileSchema(schema: DatasetSchema): CompiledSchema {
  const columns = schema.columns.map((spec): CompiledColumn => ({ spec, kind: CODECS[spec.type].kind, staging: CODECS[spec.type].staging }));
  const stagingDdl = schema.columns.map((c) => `${sqlIdent(c.name)} ${CODECS[c.type].stagingSql}`).join(", ");
  const finalSelect = schema.columns.map((c) => `cast(${CODECS[c.type].finalSql(sqlIdent(c.name))} as ${c.type}) as ${sqlIdent(c.name)}`).join(", ");
  const castSelect = schema.columns.map((c) => `cast(${sqlIdent(c.name)} as ${c.type}) as ${sqlIdent(c.name)}`).join(", ");
  return { schema, columns, stagingDdl, finalSelect, castSelect };
}
