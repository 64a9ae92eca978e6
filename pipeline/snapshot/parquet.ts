// The Parquet side of the snapshot writer: a DuckDB staging table filled by the appender, copied out as Parquet.
import { existsSync } from "node:fs";
import { unlink } from "node:fs/promises";
import type { DuckDBType } from "@duckdb/node-api";
import { openDuckDB, sqlString, type DuckDB } from "../duckdb.ts";
import { publishFile, tempPathFor } from "../fsutil.ts";
import type { DatasetSchema } from "../schema/types.ts";
import { ColumnBuffer, type Batch } from "./buffer.ts";
import { appendBatches } from "./chunks.ts";
import { compileSchema, type CompiledSchema } from "./columns.ts";

/** Parquet compression of published datasets. */
export const FINAL_COMPRESSION = "zstd";

/** One DuckDB with a staging table for one dataset; turns staged columns into Parquet files. */
export class ParquetSink {
  readonly compiled: CompiledSchema;
  private readonly db: DuckDB;
  private readonly types: readonly DuckDBType[];
  private closed = false;

  private constructor(compiled: CompiledSchema, db: DuckDB) {
    this.compiled = compiled;
    this.db = db;
    this.types = compiled.columns.map((c) => c.staging);
  }

  /** Opens an in-memory DuckDB with an empty staging table for `compiled`. */
  static async open(compiled: CompiledSchema, threads?: number): Promise<ParquetSink> {
    const db = await openDuckDB(threads === undefined ? {} : { threads });
    try {
      // the staging table lives for one part: storage compression would only cost time (Parquet compresses later)
      await db.connection.run("pragma force_compression = 'uncompressed'");
      await db.connection.run(`create table staging (${compiled.stagingDdl})`);
    } catch (err) {
      db.close();
      throw err;
    }
    return new ParquetSink(compiled, db);
  }

  /** Appends batches to the staging table through the appender, one data chunk per batch. */
  async stage(batches: readonly Batch[]): Promise<number> {
    const appender = await this.db.connection.createAppender("staging");
    try {
      const n = appendBatches(appender, this.types, batches);
      appender.flushSync();
      return n;
    } finally {
      appender.closeSync();
    }
  }

  /** Copies the staging table to `path` atomically (tmp + fsync + rename) with declared types, then empties it. */
  async copyStagingTo(path: string, compression: string = FINAL_COMPRESSION): Promise<void> {
    await this.copyTo(`select ${this.compiled.finalSelect} from staging`, path, compression);
    // a fresh table, not `delete`: deleted rows linger in an in-memory table and slow every later append
    await this.db.connection.run(`drop table staging; create table staging (${this.compiled.stagingDdl})`);
  }

  /** Merges Parquet files (already in declared types) into `path` atomically, in file order. */
  async mergeFiles(files: readonly string[], path: string): Promise<void> {
    const list = `[${files.map(sqlString).join(", ")}]`;
    await this.copyTo(`select ${this.compiled.castSelect} from read_parquet(${list})`, path, FINAL_COMPRESSION);
  }

  /** Number of rows in Parquet files (from their footers). */
  async countRows(files: readonly string[]): Promise<number> {
    if (files.length === 0) return 0;
    const list = `[${files.map(sqlString).join(", ")}]`;
    const reader = await this.db.connection.runAndReadAll(`select count(*)::bigint as n from read_parquet(${list})`);
    return Number(reader.getRowsJS()[0]?.[0] ?? 0);
  }

  private async copyTo(select: string, path: string, compression: string): Promise<void> {
    const tmp = tempPathFor(path);
    try {
      await this.db.connection.run(`copy (${select}) to ${sqlString(tmp)} (format parquet, compression ${compression})`);
      await publishFile(tmp, path);
    } finally {
      if (existsSync(tmp)) await unlink(tmp).catch(() => undefined);
    }
  }

  /** Closes the DuckDB instance. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }
}

/** Writes `rows` to `path` as one Parquet file in one atomic step (for geo and node_metrics); returns the row count. */
export async function writeParquet<Row>(path: string, schema: DatasetSchema<Row>, rows: Iterable<Row>): Promise<number> {
  const compiled = compileSchema(schema);
  const sink = await ParquetSink.open(compiled);
  try {
    let total = 0;
    const buffer = new ColumnBuffer(compiled);
    for (const row of rows) {
      buffer.push(row as object);
      if (buffer.length >= 100_000) {
        const batches = buffer.take();
        total += await sink.stage(batches);
        buffer.recycle(batches);
      }
    }
    total += await sink.stage(buffer.take());
    await sink.copyStagingTo(path);
    return total;
  } finally {
    sink.close();
  }
}
