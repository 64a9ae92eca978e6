// Per-column conversion between row objects and DuckDB: validation, the staging type the appender fills,
// and the SQL expression that turns a staged column into its declared type.
import {
  BIGINT,
  BOOLEAN,
  DOUBLE,
  INTEGER,
  UBIGINT,
  UINTEGER,
  USMALLINT,
  VARCHAR,
  type DuckDBType,
} from "@duckdb/node-api";
import { sqlIdent } from "../duckdb.ts";
import { RowValueError, type ColumnSpec, type ColumnType, type DatasetSchema } from "../schema/types.ts";

/** A staged value: what goes into a data chunk vector (timestamps travel as epoch milliseconds). */
export type StagedValue = string | number | bigint | boolean | null;

/** How one column type is staged and converted. */
interface TypeCodec {
  readonly staging: DuckDBType;
  readonly stagingSql: string;
  /** Returns the staged value, or a description of why `v` does not fit. */
  stage(v: unknown): StagedValue | { problem: string };
  /** SQL turning the staged column `c` into the declared type. */
  finalSql(c: string): string;
}

const U64_MAX = (1n << 64n) - 1n;
const I64_MIN = -(1n << 63n);
const I64_MAX = (1n << 63n) - 1n;

function intCodec(staging: DuckDBType, sqlType: string, min: number, max: number): TypeCodec {
  return {
    staging,
    stagingSql: sqlType,
    stage: (v) =>
      typeof v === "number" && Number.isInteger(v) && v >= min && v <= max ? v : { problem: `expected an integer in [${min}, ${max}], got ${show(v)}` },
    finalSql: (c) => c,
  };
}

function show(v: unknown): string {
  if (typeof v === "bigint") return `${v}n`;
  if (typeof v === "string") return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (v instanceof Date) return `Date(${Number.isNaN(v.getTime()) ? "invalid" : v.toISOString()})`;
  return typeof v === "object" ? Object.prototype.toString.call(v) : String(v);
}

const CODECS: Record<ColumnType, TypeCodec> = {
  VARCHAR: {
    staging: VARCHAR,
    stagingSql: "VARCHAR",
    stage: (v) => (typeof v === "string" ? v : { problem: `expected a string, got ${show(v)}` }),
    finalSql: (c) => c,
  },
  INTEGER: intCodec(INTEGER, "INTEGER", -2147483648, 2147483647),
  UINTEGER: intCodec(UINTEGER, "UINTEGER", 0, 4294967295),
  USMALLINT: intCodec(USMALLINT, "USMALLINT", 0, 65535),
  BIGINT: {
    staging: BIGINT,
    stagingSql: "BIGINT",
    stage: (v) => {
      if (typeof v === "bigint" && v >= I64_MIN && v <= I64_MAX) return v;
      if (typeof v === "number" && Number.isSafeInteger(v)) return BigInt(v);
      return { problem: `expected a 64-bit signed bigint, got ${show(v)}` };
    },
    finalSql: (c) => c,
  },
  UBIGINT: {
    staging: UBIGINT,
    stagingSql: "UBIGINT",
    stage: (v) => {
      if (typeof v === "bigint" && v >= 0n && v <= U64_MAX) return v;
      if (typeof v === "number" && Number.isSafeInteger(v) && v >= 0) return BigInt(v);
      return { problem: `expected a 64-bit unsigned bigint, got ${show(v)}` };
    },
    finalSql: (c) => c,
  },
  DOUBLE: {
    staging: DOUBLE,
    stagingSql: "DOUBLE",
    stage: (v) => (typeof v === "number" ? v : { problem: `expected a number, got ${show(v)}` }),
    finalSql: (c) => c,
  },
  BOOLEAN: {
    staging: BOOLEAN,
    stagingSql: "BOOLEAN",
    stage: (v) => (typeof v === "boolean" ? v : { problem: `expected a boolean, got ${show(v)}` }),
    finalSql: (c) => c,
  },
  TIMESTAMPTZ: {
    staging: DOUBLE,
    stagingSql: "DOUBLE",
    stage: (v) => {
      if (v instanceof Date) {
        const ms = v.getTime();
        return Number.isNaN(ms) ? { problem: "got an invalid Date" } : ms;
      }
      return { problem: `expected a Date, got ${show(v)}` };
    },
    // epoch ms → TIMESTAMP (UTC wall clock) → TIMESTAMPTZ read in UTC, whatever the session time zone
    finalSql: (c) => `timezone('UTC', epoch_ms(cast(${c} as bigint)))`,
  },
};

/** A compiled column: its spec plus the staging conversion. */
export interface CompiledColumn {
  readonly spec: ColumnSpec;
  readonly staging: DuckDBType;
  readonly stage: (v: unknown) => StagedValue;
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

/** Compiles a schema once; each column's stage() throws RowValueError naming dataset and column. */
export function compileSchema(schema: DatasetSchema): CompiledSchema {
  const columns = schema.columns.map((spec): CompiledColumn => {
    const codec = CODECS[spec.type];
    const stage = (v: unknown): StagedValue => {
      if (v === null || v === undefined) {
        if (spec.nullable) return null;
        throw new RowValueError(schema.name, spec.name, `null in NOT NULL column (${spec.type})`);
      }
      const out = codec.stage(v);
      if (out !== null && typeof out === "object") throw new RowValueError(schema.name, spec.name, `${out.problem} (${spec.type})`);
      return out;
    };
    return { spec, staging: codec.staging, stage };
  });
  const stagingDdl = schema.columns.map((c) => `${sqlIdent(c.name)} ${CODECS[c.type].stagingSql}`).join(", ");
  const finalSelect = schema.columns
    .map((c) => `cast(${CODECS[c.type].finalSql(sqlIdent(c.name))} as ${c.type}) as ${sqlIdent(c.name)}`)
    .join(", ");
  const castSelect = schema.columns.map((c) => `cast(${sqlIdent(c.name)} as ${c.type}) as ${sqlIdent(c.name)}`).join(", ");
  return { schema, columns, stagingDdl, finalSelect, castSelect };
}
