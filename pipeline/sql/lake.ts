// A DuckDB session over one data folder: sql/views.sql, then sql/staging and sql/marts, run as-is with the
// session variable `fluxture_runs` naming the run folders to read (no templating of the SQL files, no symlinks),
// and, when some runs are damaged, `fluxture_files_<dataset>` listing the files of the healthy runs (each damaged
// run is skipped with one warning; those lists are taken when the session opens).
import { existsSync } from "node:fs";
import { stat } from "node:fs/promises";
import { quotedIdentifier, quotedString } from "@duckdb/node-api";
import { join, resolve } from "node:path";
import { openDuckDB, runSqlFile, type DuckDB, type DuckDBConnection } from "../duckdb.ts";
import { DataError, errorMessage } from "../errors.ts";
import { log } from "../log.ts";
import { MANIFEST_FILE, readManifest } from "../manifest.ts";
import { damagedRunLine, runProblem, surveyRuns, type DamagedRun } from "../run-health.ts";
import { DATASETS } from "../schema/index.ts";
import { filesVariable, sessionStatements, setRunsStatement } from "../schema/views-sql.ts";
import { listSqlFiles, VIEW_FOLDERS, VIEWS_SQL } from "./files.ts";

/** Options of openLake. */
export interface OpenLakeOptions {
  /** Create the sql/marts views (default true); staging and intermediate views are always created. */
  readonly marts?: boolean;
  /**
   * Materialize the mart inputs (materializeMartInputs) before the marts are created, for a session that will
   * run many marts: the mart views then bind against the small temp tables instead of every run's files.
   */
  readonly materializeMartInputs?: boolean;
  /** DuckDB worker threads (default: pipeline/duckdb.ts's). */
  readonly threads?: number;
  /** Read only this run folder (`<dataDir>/runs/network=N/run_id=R`) instead of every run of the lake. */
  readonly runDir?: string;
}

/** An open session over a data folder; every connection from `connect()` sees the same views. */
export interface Lake {
  /** The data folder as given (e.g. `data`). */
  readonly dataDir: string;
  /** The glob of the run folders the views read (the session variable `fluxture_runs`). */
  readonly runsGlob: string;
  /** Runs left out because they cannot be read (one warning line each was logged). */
  readonly damaged: readonly DamagedRun[];
  readonly db: DuckDB;
  /** The session's main connection, views created. */
  readonly connection: DuckDBConnection;
  /** A further connection with the session variables views.sql sets (for a stream beside other queries). */
  connect(): Promise<DuckDBConnection>;
  /** Closes a connection from connect() before the session ends. */
  release(connection: DuckDBConnection): void;
  /** Closes every connection and the database; idempotent. */
  close(): Promise<void>;
}

/**
 * The run-folder glob of a data folder (`/abs/data/runs/*\/*`, or one run's folder), after checking the folder
 * exists. DuckDB expands it at query time, so new runs appear in every query.
 */
export async function runsGlobFor(dataDir: string, runDir?: string): Promise<string> {
  const absolute = resolve(dataDir);
  const st = await stat(absolute).catch(() => null);
  if (st === null) throw new DataError(`data folder ${dataDir} does not exist`);
  if (!st.isDirectory()) throw new DataError(`data folder ${dataDir} is not a folder`);
  return runDir !== undefined ? resolve(runDir) : join(absolute, "runs", "*", "*");
}

/** The files the views of a session read: per dataset (and `manifests`), the files of the healthy runs. */
type FileLists = ReadonlyMap<string, readonly string[]>;

/**
 * Which runs a session reads. The one run folder given must be healthy (a DataError naming it otherwise). Over the
 * whole data folder, when every run is healthy the views read the globs (expanded at query time, so runs sealed
 * during the session appear); when some are damaged, each is logged once and the views read the files of the
 * healthy runs as of now.
 */
async function chooseFiles(dataDir: string, runDir: string | undefined): Promise<{ files: FileLists; damaged: DamagedRun[] }> {
  if (runDir !== undefined) {
    await readManifest(join(runDir, MANIFEST_FILE));
    const problem = await runProblem(runDir);
    if (problem !== null) throw new DataError(`run folder ${runDir} is damaged: ${problem}`);
    return { files: new Map(), damaged: [] };
  }
  const survey = await surveyRuns(dataDir);
  const damaged = survey.damaged;
  if (damaged.length === 0) return { files: new Map(), damaged };
  for (const d of damaged) log("warn", damagedRunLine(d));
  const dirs = survey.healthy.map((r) => resolve(r.dir));
  const files = new Map<string, string[]>();
  files.set(
    "manifests",
    dirs.map((d) => join(d, MANIFEST_FILE)),
  );
  for (const d of DATASETS)
    files.set(
      d.name,
      dirs.map((dir) => join(dir, d.file)).filter((f) => existsSync(f)),
    );
  return { files, damaged };
}

/** Sets a connection up as views.sql does (time zone, run glob, file lists, dataset-presence variables). */
async function prepareConnection(connection: DuckDBConnection, runsGlob: string, files: FileLists): Promise<void> {
  await connection.run("set TimeZone = 'UTC'");
  await connection.run(setRunsStatement(runsGlob));
  for (const [name, list] of files) {
    await connection.run(`set variable ${filesVariable(name)} = [${list.map((f) => quotedString(f)).join(", ")}]::varchar[]`);
  }
  for (const sql of sessionStatements()) await connection.run(sql);
}

/** Opens DuckDB over `dataDir` and creates the views (views.sql, then staging and marts unless turned off). */
export async function openLake(dataDir: string, opts: OpenLakeOptions = {}): Promise<Lake> {
  const runsGlob = await runsGlobFor(dataDir, opts.runDir);
  const { files, damaged } = await chooseFiles(dataDir, opts.runDir);
  const db = await openDuckDB(opts.threads ? { threads: opts.threads } : {});
  const extra: DuckDBConnection[] = [];
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    for (const c of extra) c.closeSync();
    db.close();
  };
  try {
    await prepareConnection(db.connection, runsGlob, files);
    await runSqlFile(db.connection, VIEWS_SQL);
    for (const folder of VIEW_FOLDERS) {
      if (folder === "marts" && opts.materializeMartInputs) await materializeMartInputs(db.connection);
      if (folder === "marts" && opts.marts === false) continue;
      for (const file of await listSqlFiles(folder)) await runSqlFile(db.connection, file.path);
    }
  } catch (err) {
    await close();
    if (err instanceof DataError) throw err;
    throw new DataError(`cannot set up the views over ${dataDir}: ${errorMessage(err)}`, { cause: err });
  }
  return {
    dataDir,
    runsGlob,
    damaged,
    db,
    connection: db.connection,
    async connect() {
      if (closed) throw new DataError("the lake session is closed");
      const connection = await db.instance.connect();
      extra.push(connection);
      await prepareConnection(connection, runsGlob, files);
      return connection;
    },
    release(connection) {
      const i = extra.indexOf(connection);
      if (i < 0) return;
      extra.splice(i, 1);
      connection.closeSync();
    },
    close,
  };
}

/**
 * The views worth computing once per mart session: the run list, and the nodes of runs without a current
 * nodes.parquet (a dedup and a join over their visits and geo). int_nodes itself stays a view: over prepared
 * runs it only reads nodes.parquet files, which is faster than copying millions of rows into memory.
 */
export const MATERIALIZED_MART_INPUTS: readonly string[] = ["stg_runs", "int_joined_nodes"];

/**
 * Computes MATERIALIZED_MART_INPUTS once into temp tables of the same names, which shadow the views for the
 * rest of the session: each mart then reads memory instead of re-reading and re-joining the Parquet files.
 * Worth it before running many marts; one query is faster on the lazy views. stg_settings stays a view, so
 * `set variable` still applies. Returns the names materialized.
 */
export async function materializeMartInputs(connection: DuckDBConnection): Promise<string[]> {
  const reader = await connection.runAndReadAll("select current_database()");
  const database = String(reader.getRowsJS()[0]?.[0] ?? "memory");
  const names = [...MATERIALIZED_MART_INPUTS];
  for (const name of names) {
    await connection.run(`create or replace temp table ${name} as select * from ${quotedIdentifier(database)}.main.${name}`);
  }
  return names;
}
