// The Parquet side of the snapshot writer: DuckDB staging tables filled by the appender, copied out as Parquet.
//
// A sink has two lanes (connection + staging table each), so the appender can fill one lane on the JS thread
// while DuckDB is still copying the other lane's rows to a part file: part writes are pipelined, not serialised.
import { rename, unlink } from "node:fs/promises";
import { basename, dirname } from "node:path";
import type { DuckDBConnection, DuckDBType } from "@duckdb/node-api";
import { quotedString } from "@duckdb/node-api";
import { openDuckDB, type DuckDB } from "../duckdb.ts";
import { fsyncDir, fsyncFile, publishFile, tempPathFor, writeFailure } from "../fsutil.ts";
import { faultPoint } from "../fault.ts";
import type { DatasetSchema } from "../schema/types.ts";
import { ColumnBuffer, type Batch } from "./buffer.ts";
import { appendBatches } from "./chunks.ts";
import { compileSchema, type CompiledSchema } from "./columns.ts";

/** Parquet compression of published datasets. */
export const FINAL_COMPRESSION = "zstd";

/** Number of staging lanes (parts that can be in flight at once). */
export const LANES = 2;

/** One DuckDB with staging tables for one dataset; turns staged rows into Parquet files. */
export class ParquetSink {
  readonly compiled: CompiledSchema;
  private readonly db: DuckDB;
  private readonly lanes: DuckDBConnection[];
  private readonly types: readonly DuckDBType[];
  private closed = false;

  private constructor(compiled: CompiledSchema, db: DuckDB, lanes: DuckDBConnection[]) {
    this.compiled = compiled;
    this.db = db;
    this.lanes = lanes;
    this.types = compiled.columns.map((c) => c.staging);
  }

  /** Opens an in-memory DuckDB with an empty staging table per lane. */
  static async open(compiled: CompiledSchema, threads?: number): Promise<ParquetSink> {
    const db = await openDuckDB(threads === undefined ? {} : { threads });
    try {
      // staging tables live for one part: storage compression would only cost time (Parquet compresses later)
      await db.connection.run("pragma force_compression = 'uncompressed'");
      const lanes = [db.connection];
      while (lanes.length < LANES) lanes.push(await db.instance.connect());
      for (let lane = 0; lane < LANES; lane++) await db.connection.run(`create table ${table(lane)} (${compiled.stagingDdl})`);
      return new ParquetSink(compiled, db, lanes);
    } catch (err) {
      db.close();
      throw err;
    }
  }

  private lane(lane: number): DuckDBConnection {
    const conn = this.lanes[lane];
    if (conn === undefined) throw new Error(`no staging lane ${lane}`);
    return conn;
  }

  /** Appends batches to a lane's staging table through the appender, one data chunk per batch (synchronous work). */
  async stage(batches: readonly Batch[], lane = 0): Promise<number> {
    const appender = await this.lane(lane).createAppender(table(lane));
    try {
      const n = appendBatches(appender, this.types, batches);
      appender.flushSync();
      return n;
    } finally {
      appender.closeSync();
    }
  }

  /**
   * Copies a lane's staged rows (declared types) to a new temp file next to `path` and empties the lane;
   * returns the temp path, fsynced, for the caller to publish (in order) with publishFile.
   */
  async copyLaneToTemp(lane: number, path: string, compression: string = FINAL_COMPRESSION): Promise<string> {
    const conn = this.lane(lane);
    const tmp = tempPathFor(path);
    try {
      await conn.run(`copy (select ${this.compiled.castSelect} from ${table(lane)}) to ${quotedString(tmp)} (format parquet, compression ${compression})`);
    } catch (err) {
      await unlink(tmp).catch(() => undefined);
      throw err;
    }
    // a fresh table, not `delete`: deleted rows linger in an in-memory table and slow every later append
    await conn.run(`drop table ${table(lane)}; create table ${table(lane)} (${this.compiled.stagingDdl})`);
    return tmp;
  }

  /** Copies lane 0's staged rows to `path` atomically (tmp + fsync + rename), then empties it. */
  async copyStagingTo(path: string, compression: string = FINAL_COMPRESSION): Promise<void> {
    let tmp: string | undefined;
    try {
      tmp = await this.copyLaneToTemp(0, path, compression);
      await publishFile(tmp, path);
    } catch (err) {
      throw writeFailure(path, err);
    } finally {
      if (tmp !== undefined) await unlink(tmp).catch(() => undefined);
    }
  }

  /**
   * Writes the rows of `select` to `path` atomically (temp file, fsync, rename, fsync folder) as ZSTD Parquet in
   * full row groups; each durable step is a fault point (pipeline/fault.ts) for the crash-window tests.
   */
  async copyTo(select: string, path: string): Promise<void> {
    const tmp = tempPathFor(path);
    try {
      faultPoint(`write ${basename(path)}`);
      await this.db.connection.run(`copy (${select}) to ${quotedString(tmp)} (format parquet, compression ${FINAL_COMPRESSION})`);
      await fsyncFile(tmp);
      faultPoint(`rename ${basename(path)}`);
      await rename(tmp, path);
      faultPoint(`fsync folder of ${basename(path)}`);
      await fsyncDir(dirname(path));
    } finally {
      await unlink(tmp).catch(() => undefined);
    }
  }

  /** Number of rows in Parquet files (from their footers). */
  async countRows(files: readonly string[]): Promise<number> {
    if (files.length === 0) return 0;
    const list = `[${files.map(quotedString).join(", ")}]`;
    const reader = await this.db.connection.runAndReadAll(`select count(*)::bigint as n from read_parquet(${list})`);
    return Number(reader.getRowsJS()[0]?.[0] ?? 0);
  }

  /** Closes the connections and the DuckDB instance. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const conn of this.lanes.slice(1)) conn.closeSync();
    this.db.close();
  }
}

function table(lane: number): string {
  return `staging_${lane}`;
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
