// Rows buffered column by column, then handed to a DuckDB appender as full data chunks (never row by row).
import { DuckDBDataChunk, type DuckDBAppender, type DuckDBType } from "@duckdb/node-api";
import type { CompiledSchema, StagedValue } from "./columns.ts";

/** Rows per data chunk: DuckDB's vector size (the most a chunk can hold). */
export const CHUNK_ROWS = 2048;

/** A column-major buffer of staged rows for one dataset. */
export class ColumnBuffer {
  readonly compiled: CompiledSchema;
  private readonly names: readonly string[];
  private cols: StagedValue[][];

  constructor(compiled: CompiledSchema) {
    this.compiled = compiled;
    this.names = compiled.columns.map((c) => c.spec.name);
    this.cols = compiled.columns.map(() => []);
  }

  /** Rows currently buffered. */
  get length(): number {
    return this.cols[0]?.length ?? 0;
  }

  /** Validates and buffers one row; on a bad value nothing of the row is kept and RowValueError is thrown. */
  push(row: object): void {
    const r = row as Record<string, unknown>;
    const columns = this.compiled.columns;
    const cols = this.cols;
    let i = 0;
    try {
      for (; i < columns.length; i++) cols[i]!.push(columns[i]!.stage(r[this.names[i]!]));
    } catch (err) {
      const n = this.length;
      for (let k = 0; k < i; k++) cols[k]!.length = n - 1;
      throw err;
    }
  }

  /** Takes every buffered row out (the buffer is empty afterwards). */
  take(): StagedValue[][] {
    const out = this.cols;
    this.cols = this.compiled.columns.map(() => []);
    return out;
  }
}

/** Appends column-major rows to `appender` in data chunks of up to CHUNK_ROWS rows. */
export function appendColumns(appender: DuckDBAppender, types: readonly DuckDBType[], cols: readonly StagedValue[][]): number {
  const total = cols[0]?.length ?? 0;
  if (total === 0) return 0;
  const chunk = DuckDBDataChunk.create(types);
  try {
    for (let start = 0; start < total; start += CHUNK_ROWS) {
      const n = Math.min(CHUNK_ROWS, total - start);
      if (start > 0) chunk.reset();
      chunk.rowCount = n;
      for (let c = 0; c < cols.length; c++) {
        const values = cols[c]!;
        const vector = chunk.getColumnVector(c);
        for (let i = 0; i < n; i++) vector.setItem(i, values[start + i]!);
        vector.flush();
      }
      appender.appendDataChunk(chunk);
    }
  } finally {
    chunk.reset();
  }
  return total;
}
