// SnapshotWriter: rows → durable Parquet part files every few seconds → one atomically published Parquet at seal.
import { existsSync } from "node:fs";
import { mkdir, rename, rm, rmdir, unlink } from "node:fs/promises";
import { join } from "node:path";
import { DataError, errorMessage } from "../errors.ts";
import { fsyncDir, publishFile, tempPathFor } from "../fsutil.ts";
import { log } from "../log.ts";
import type { DatasetSchema } from "../schema/types.ts";
import { ColumnBuffer } from "./buffer.ts";
import { concatenable, concatParquet, readFooter, type PartFooter } from "./concat.ts";
import { compileSchema } from "./columns.ts";
import { LANES, ParquetSink } from "./parquet.ts";
import { listParts, partName, partsDir, removeTempFiles } from "./parts.ts";

/** Options of SnapshotWriter.open. */
export interface SnapshotWriterOptions {
  /** Write a part once this many rows are buffered (default 100,000). */
  flushRows?: number;
  /** Write a part at least this often while rows are buffered, in ms (default 2000). */
  flushMs?: number;
  /** Parquet compression of part files (default zstd, the published files' codec, so one part seals by rename). */
  partCompression?: "zstd" | "snappy" | "uncompressed";
  /** DuckDB threads for this writer (default 1: part writes overlap with the appending JS thread). */
  threads?: number;
  /**
   * At seal, parts averaging at least this many rows are joined by copying their row groups (no re-encoding);
   * smaller ones are re-encoded by DuckDB into full row groups. Default 50,000; 0 always copies.
   */
  concatMinRows?: number;
}

/** Concatenates part files into `target` atomically (temp file, fsync, rename). */
async function concatToFile(footers: readonly PartFooter[], target: string): Promise<void> {
  const tmp = tempPathFor(target);
  try {
    await concatParquet(footers, tmp);
    await publishFile(tmp, target);
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
}

/** Rows → durable part files `<run>/parts/<dataset>/part-NNNNNN.parquet` → `<run>/<dataset file>` at seal. */
export class SnapshotWriter<Row = unknown> {
  readonly schema: DatasetSchema<Row>;
  readonly runDir: string;
  private readonly sink: ParquetSink;
  private readonly buffer: ColumnBuffer;
  private readonly flushRows: number;
  private readonly partCompression: string;
  private readonly concatMinRows: number;
  private readonly timer: NodeJS.Timeout;
  private nextPart: number;
  private published: Promise<void> = Promise.resolve();
  private readonly laneFree: Promise<void>[] = Array.from({ length: LANES }, () => Promise.resolve());
  private failure: unknown = null;
  private closed = false;
  private appended = 0;

  private constructor(runDir: string, schema: DatasetSchema<Row>, sink: ParquetSink, nextPart: number, opts: SnapshotWriterOptions) {
    this.runDir = runDir;
    this.schema = schema;
    this.sink = sink;
    this.buffer = new ColumnBuffer(sink.compiled);
    this.flushRows = opts.flushRows ?? 100_000;
    this.partCompression = opts.partCompression ?? "zstd";
    this.concatMinRows = opts.concatMinRows ?? 50_000;
    this.nextPart = nextPart;
    this.timer = setInterval(() => {
      if (this.buffer.length > 0 && !this.closed) void this.flush().catch(() => undefined);
    }, opts.flushMs ?? 2000);
    this.timer.unref();
  }

  /**
   * Opens a writer on a run folder. Leftover temp files are removed; existing parts are kept and numbering
   * continues after them. If there are no parts but the dataset was already sealed, the sealed file becomes
   * part 1, so a resumed run keeps its earlier rows and the next seal includes them.
   */
  static async open<Row>(runDirPath: string, schema: DatasetSchema<Row>, opts: SnapshotWriterOptions = {}): Promise<SnapshotWriter<Row>> {
    if (!existsSync(runDirPath)) throw new DataError(`run folder ${runDirPath} does not exist`);
    const dir = partsDir(runDirPath, schema);
    await mkdir(dir, { recursive: true });
    const removed = (await removeTempFiles(dir)) + (await removeTempFiles(runDirPath));
    if (removed > 0) log("warn", `${schema.name}: removed ${removed} unfinished temp file(s) in ${runDirPath}`);
    let parts = await listParts(runDirPath, schema);
    const sealed = join(runDirPath, schema.file);
    if (parts.length === 0 && existsSync(sealed)) {
      await rename(sealed, join(dir, partName(1)));
      await fsyncDir(dir);
      await fsyncDir(runDirPath);
      parts = await listParts(runDirPath, schema);
    }
    const sink = await ParquetSink.open(compileSchema(schema), opts.threads ?? 1);
    return new SnapshotWriter(runDirPath, schema, sink, (parts.at(-1)?.n ?? 0) + 1, opts);
  }

  /** Rows appended through this writer (not counting rows of earlier processes' parts). */
  get appendedRows(): number {
    return this.appended;
  }

  /** Buffers one row (validated now: RowValueError names the column); a part is written every flushMs or flushRows. */
  append(row: Row): void {
    if (this.failure !== null) throw this.failure;
    if (this.closed) throw new Error(`${this.schema.name}: append after seal/close`);
    this.buffer.push(row as object);
    this.appended++;
    if (this.buffer.length >= this.flushRows) void this.flush().catch(() => undefined);
  }

  /**
   * Writes every row buffered so far as a new durable part file (temp + fsync + rename); resolves when it and
   * every earlier part are on disk. The rows are taken at call time. Two parts can be in flight (one being
   * appended on this thread while DuckDB writes the other), but parts are published strictly in order, so
   * the durable parts are always a prefix of what was appended.
   */
  flush(): Promise<void> {
    if (this.failure !== null) return Promise.reject(this.failure);
    if (this.buffer.length === 0) return this.published;
    const batches = this.buffer.take();
    const n = this.nextPart++;
    const lane = n % LANES;
    const path = join(partsDir(this.runDir, this.schema), partName(n));
    const written = this.laneFree[lane]!.then(async () => {
      if (this.failure !== null) throw this.failure;
      await this.sink.stage(batches, lane);
      this.buffer.recycle(batches);
      return this.sink.copyLaneToTemp(lane, path, this.partCompression);
    });
    this.laneFree[lane] = written.then(
      () => undefined,
      () => undefined,
    );
    const published = Promise.all([this.published, written])
      .then(async ([, tmp]) => publishFile(tmp, path))
      .catch(async (err: unknown) => {
        const tmp = await written.catch(() => null);
        if (tmp !== null) await unlink(tmp).catch(() => undefined);
        if (this.failure === null) {
          this.failure = new DataError(`${this.schema.name}: cannot write part ${n} in ${this.runDir}: ${errorMessage(err)}`, { cause: err });
        }
        throw this.failure;
      });
    this.published = published.catch(() => undefined);
    return published;
  }

  /** Flushes, merges all parts into `<run>/<file>` atomically (ZSTD, declared types), removes the parts; returns the row count. */
  async seal(): Promise<number> {
    if (this.closed) throw new Error(`${this.schema.name}: seal after seal/close`);
    try {
      await this.flush();
      this.stop();
      const parts = await listParts(this.runDir, this.schema);
      const target = join(this.runDir, this.schema.file);
      if (parts.length === 0) {
        await this.sink.copyStagingTo(target); // an empty file that still carries the schema
      } else {
        const footers = await Promise.all(parts.map((p) => readFooter(p.path))).catch(() => null);
        const ready =
          footers !== null &&
          concatenable(
            footers,
            this.schema.columns.map((c) => c.name),
          ); // same schema, ZSTD: already in the published format
        const rows = footers?.reduce((sum, f) => sum + f.numRows, 0) ?? 0;
        if (ready && parts.length === 1) {
          await rename(parts[0]!.path, target);
          await fsyncDir(this.runDir);
        } else if (ready && rows / parts.length >= this.concatMinRows) {
          await concatToFile(footers, target); // big parts: copy their row groups as they are
        } else {
          await this.sink.mergeFiles(
            parts.map((p) => p.path),
            target,
          ); // small or foreign parts: re-encode into full row groups, ZSTD, declared types
        }
      }
      await rm(join(this.runDir, "parts", this.schema.name), { recursive: true, force: true });
      await rmdir(join(this.runDir, "parts")).catch(() => undefined); // only when no other dataset has parts
      await fsyncDir(this.runDir);
      return await this.sink.countRows([target]);
    } catch (err) {
      this.stop();
      if (err instanceof DataError) throw err;
      throw new DataError(`${this.schema.name}: cannot seal ${join(this.runDir, this.schema.file)}: ${errorMessage(err).split("\n")[0]}`, { cause: err });
    } finally {
      this.sink.close();
    }
  }

  /** Flushes buffered rows to a part and releases DuckDB without sealing (the parts stay for a later seal). */
  async close(): Promise<void> {
    if (this.closed) return;
    try {
      await this.flush();
    } finally {
      this.stop();
      this.sink.close();
    }
  }

  private stop(): void {
    this.closed = true;
    clearInterval(this.timer);
  }
}
