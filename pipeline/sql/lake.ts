// A DuckDB session over one data folder: sql/views.sql, then sql/staging and sql/marts, run as-is with
// DuckDB's file_search_path pointing at the folder that holds `data/` (no templating of the SQL files).
import { mkdtemp, readFile, rm, stat, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { openDuckDB, runSqlFile, splitSqlStatements, type DuckDB, type DuckDBConnection } from "../duckdb.ts";
import { DataError, errorMessage } from "../errors.ts";
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
}

/** An open session over a data folder; every connection from `connect()` sees the same views. */
export interface Lake {
  /** The data folder as given (e.g. `data`). */
  readonly dataDir: string;
  /** The folder DuckDB resolves `data/runs/...` against (the data folder's parent, or a symlink folder). */
  readonly searchPath: string;
  readonly db: DuckDB;
  /** The session's main connection, views created. */
  readonly connection: DuckDBConnection;
  /** A further connection with the session variables views.sql sets (for a stream beside other queries). */
  connect(): Promise<DuckDBConnection>;
  /** Closes a connection from connect() before the session ends. */
  release(connection: DuckDBConnection): void;
  /** Closes every connection, the database and any symlink folder; idempotent. */
  close(): Promise<void>;
}

/** What makes `data/runs/...` resolve to `<dataDir>/runs/...`: a folder for file_search_path, and its cleanup. */
export interface SearchPath {
  readonly path: string;
  cleanup(): Promise<void>;
}

/**
 * The file_search_path for a data folder. A folder named `data` is reached through its parent; any other
 * name through a fresh temp folder holding a symlink `data` → the folder (removed by cleanup()).
 */
export async function searchPathFor(dataDir: string): Promise<SearchPath> {
  const absolute = resolve(dataDir);
  const st = await stat(absolute).catch(() => null);
  if (st === null) throw new DataError(`data folder ${dataDir} does not exist`);
  if (!st.isDirectory()) throw new DataError(`data folder ${dataDir} is not a folder`);
  const parent = dirname(absolute);
  // file_search_path is a comma-separated list, so a parent with a comma goes through a symlink too.
  if (basename(absolute) === "data" && !parent.includes(",")) return { path: parent, cleanup: async () => undefined };
  const shim = await mkdtemp(join(tmpdir(), "fluxture-lake-"));
  await symlink(absolute, join(shim, "data"), "dir");
  return { path: shim, cleanup: () => rm(shim, { recursive: true, force: true }) };
}

/** The `set …` statements of views.sql (session variables), re-run on every extra connection. */
async function sessionStatements(): Promise<string[]> {
  const script = await readFile(VIEWS_SQL, "utf8");
  return splitSqlStatements(script)
    .map((s) => s.sql)
    .filter((sql) => /^set\s/i.test(sql));
}

async function prepareConnection(connection: DuckDBConnection, statements: readonly string[]): Promise<void> {
  await connection.run("set TimeZone = 'UTC'");
  for (const sql of statements) await connection.run(sql);
}

/** Opens DuckDB over `dataDir` and creates the views (views.sql, then staging and marts unless turned off). */
export async function openLake(dataDir: string, opts: OpenLakeOptions = {}): Promise<Lake> {
  const search = await searchPathFor(dataDir);
  let db: DuckDB;
  try {
    db = await openDuckDB({ fileSearchPath: search.path, ...(opts.threads ? { threads: opts.threads } : {}) });
  } catch (err) {
    await search.cleanup();
    throw err;
  }
  const extra: DuckDBConnection[] = [];
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    for (const c of extra) c.closeSync();
    db.close();
    await search.cleanup();
  };
  try {
    await db.connection.run("set TimeZone = 'UTC'");
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
  const statements = await sessionStatements();
  return {
    dataDir,
    searchPath: search.path,
    db,
    connection: db.connection,
    async connect() {
      if (closed) throw new DataError("the lake session is closed");
      const connection = await db.instance.connect();
      extra.push(connection);
      await prepareConnection(connection, statements);
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
    await connection.run(`create or replace temp table ${name} as select * from "${database.replace(/"/g, '""')}".main.${name}`);
  }
  return names;
}
