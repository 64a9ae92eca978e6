// SnapshotWriter: rows → durable Parquet part files every few seconds → one atomically published Parquet at seal.
import { existsSync } from "node:fs";
import { mkdir, rename, rmdir, unlink } from "node:fs/promises";
import { join } from "node:path";
import { DataError, errorMessage } from "../errors.ts";
import { fsyncDir, publishFile } from "../fsutil.ts";
import { log } from "../log.ts";
import type { DatasetSchema } from "../schema/types.ts";
import { ColumnBuffer } from "./buffer.ts";
import { faultPoint } from "../fault.ts";
import { quotedString } from "@duckdb/node-api";
import { compileSchema } from "./columns.ts";
import { LANES, ParquetSink } from "./parquet.ts";
import { listParts, partName, partsDir, removeTempFiles } from "./parts.ts";

/** Options of SnapshotWriter.open. */
export interface SnapshotWriterOptions {
  /** Write a part once this many rows are buffered (default 100,000). */
  flushRows?: number;
  /** Write a part at least this often while rows are buffered, in ms (default 2000). */
  flushMs?: number;
  /** Parquet compression of part files (default zstd). */
  partCompression?: "zstd" | "snappy" | "uncompressed";
  /** DuckDB threads for this writer (default 1: part writes overlap with the appending JS thread). */
  threads?: number;
}

/** Rows → durable part files `<run>/parts/<dataset>/part-NNNNNN.parquet` → `<run>/<dataset file>` at seal. */
export class SnapshotWriter<Row = unknown> {
  readonly schema: DatasetSchema<Row>;
  readonly runDir: string;
  private readonly sink: ParquetSink;
  private readonly buffer: ColumnBuffer;
  private readonly flushRows: number;
  private readonly partCompression: string;
  private finished: string[] | null = null;
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

  /**
   * Makes every appended row durable and closes the writer to appends; returns the part files, in order.
   * Sealing is then publish() (the sealed file appears next to the parts) and removeParts(): an owner of several
   * datasets records "published" durably between the two, so a crash in between never trusts the parts again.
   */
  async finish(): Promise<string[]> {
    if (this.finished !== null) return this.finished;
    if (this.closed) throw new Error(`${this.schema.name}: seal after seal/close`);
    try {
      await this.flush();
    } finally {
      this.stop();
    }
    this.finished = (await listParts(this.runDir, this.schema)).map((p) => p.path);
    return this.finished;
  }

  /** SQL relation of every finished part's rows in the declared types (an empty typed relation when there are none). */
  relation(): string {
    const files = this.finishedParts();
    if (files.length === 0) return `(select ${this.schema.columns.map((c) => `cast(null as ${c.type}) as "${c.name}"`).join(", ")} limit 0)`;
    return `(select ${this.sink.compiled.castSelect} from read_parquet([${files.map(quotedString).join(", ")}]))`;
  }

  /**
   * Writes `<run>/<file>` atomically (temp, fsync, rename, fsync folder), re-encoded by DuckDB as ZSTD in full row
   * groups from `select` (default: the parts in order, see relation()); the parts stay. Returns the row count.
   */
  async publish(select = `select * from ${this.relation()}`): Promise<number> {
    this.finishedParts();
    const target = join(this.runDir, this.schema.file);
    try {
      await this.sink.copyTo(select, target);
      return await this.sink.countRows([target]);
    } catch (err) {
      if (err instanceof DataError) throw err;
      throw new DataError(`${this.schema.name}: cannot seal ${target}: ${errorMessage(err).split("\n")[0]}`, { cause: err });
    }
  }

  /** Deletes the finished parts one by one, then their folder (and `parts/` when no other dataset has any); releases DuckDB. */
  async removeParts(): Promise<void> {
    try {
      for (const part of this.finishedParts()) {
        faultPoint(`unlink ${this.schema.name} ${part.slice(this.runDir.length + 1)}`);
        await unlink(part).catch((err: NodeJS.ErrnoException) => {
          if (err.code !== "ENOENT") throw err;
        });
      }
      faultPoint(`rmdir parts/${this.schema.name}`);
      await rmdir(partsDir(this.runDir, this.schema)).catch(() => undefined);
      await rmdir(join(this.runDir, "parts")).catch(() => undefined); // only when no other dataset has parts
      await fsyncDir(this.runDir);
    } finally {
      this.sink.close();
    }
  }

  /** finish, publish, removeParts: for a lone dataset, whose sealed file then supersedes its parts (see resolveSealed). */
  async seal(): Promise<number> {
    if (this.finished !== null || this.closed) throw new Error(`${this.schema.name}: seal after seal/close`);
    try {
      await this.finish();
      const rows = await this.publish();
      await this.removeParts();
      return rows;
    } finally {
      this.sink.close();
    }
  }

  private finishedParts(): string[] {
    if (this.finished === null) throw new Error(`${this.schema.name}: publish before finish`);
    return this.finished;
  }

  /** Flushes buffered rows to a part and releases DuckDB without sealing (the parts stay for a later seal). */
  async close(): Promise<void> {
    if (this.closed) {
      this.sink.close();
      return;
    }
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
