// DuckDB access for every stage: one way to open it (extensions never fetched), run queries, run sql/ files.
import { availableParallelism } from "node:os";
import { readFile } from "node:fs/promises";
import { type DuckDBConnection, DuckDBInstance, type DuckDBValue } from "@duckdb/node-api";
import type { JS } from "@duckdb/node-api";
import { DataError, errorMessage } from "./errors.ts";
import { reachableMacroStatement } from "./schema/views-sql.ts";

export type { DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";

/** Options of openDuckDB. */
export interface OpenDuckDBOptions {
  /** Database file; default in-memory. */
  path?: string;
  /** Worker threads; default the machine's parallelism capped at 4 (FLUXTURE_DUCKDB_THREADS overrides). */
  threads?: number;
  /** Memory limit such as "2GB"; default DuckDB's (80% of RAM). */
  memoryLimit?: string;
  /** Folder that relative paths in queries resolve against (DuckDB `file_search_path`). */
  fileSearchPath?: string;
}

/** An open DuckDB; close() closes the connection and then the instance. */
export interface DuckDB {
  instance: DuckDBInstance;
  connection: DuckDBConnection;
  close(): void;
}

/** Default thread count: every core up to 4, or FLUXTURE_DUCKDB_THREADS. */
export function defaultThreads(): number {
  const env = Number(process.env.FLUXTURE_DUCKDB_THREADS);
  if (Number.isInteger(env) && env > 0) return env;
  return Math.max(1, Math.min(4, availableParallelism()));
}

/** Opens DuckDB with extension auto-install/auto-load off (nothing is ever downloaded) and sensible threads. */
export async function openDuckDB(opts: OpenDuckDBOptions = {}): Promise<DuckDB> {
  const config: Record<string, string> = {
    autoinstall_known_extensions: "false",
    autoload_known_extensions: "false",
    threads: String(opts.threads ?? defaultThreads()),
  };
  if (opts.memoryLimit) config.memory_limit = opts.memoryLimit;
  if (opts.fileSearchPath) config.file_search_path = opts.fileSearchPath;
  let instance: DuckDBInstance;
  try {
    instance = await DuckDBInstance.create(opts.path ?? ":memory:", config);
  } catch (err) {
    throw new DataError(`cannot open DuckDB${opts.path ? ` database ${opts.path}` : ""}: ${errorMessage(err)}`);
  }
  const connection = await instance.connect();
  // the reachable rule as a SQL macro (database-wide), so every query spells it is_reachable(outcome)
  await connection.run(reachableMacroStatement());
  let closed = false;
  return {
    instance,
    connection,
    close() {
      if (closed) return;
      closed = true;
      connection.closeSync();
      instance.closeSync();
    },
  };
}

/** A row as a plain object: numbers, bigint (BIGINT/UBIGINT/HUGEINT), string, boolean, Date (timestamps), null. */
export type RowObject = Record<string, JS>;

/** Runs one query and returns every row as a plain object (column name → JS value). */
export async function queryRows(connection: DuckDBConnection, sql: string, params?: DuckDBValue[] | Record<string, DuckDBValue>): Promise<RowObject[]> {
  const reader = await connection.runAndReadAll(sql, params);
  // column by column, then objects: ~4× faster than getRowObjectsJS() on wide results (same converter, same names)
  const names = reader.deduplicatedColumnNames();
  const columns = reader.getColumnsJS();
  const n = columns[0]?.length ?? 0;
  const rows = new Array<RowObject>(n);
  for (let i = 0; i < n; i++) {
    const row: RowObject = {};
    for (let j = 0; j < names.length; j++) row[names[j]!] = columns[j]![i]!;
    rows[i] = row;
  }
  return rows;
}

/** One statement of a SQL script, with the 1-based line it starts on (for error messages). */
export interface SqlStatement {
  sql: string;
  line: number;
}

/**
 * Splits a SQL script into statements at top-level semicolons, honouring 'strings' (with '' escapes),
 * "identifiers", $tag$ dollar quotes $tag$, -- line comments and /* block comments *\/. Empty statements are dropped.
 */
export function splitSqlStatements(script: string): SqlStatement[] {
  const out: SqlStatement[] = [];
  let start = 0;
  let line = 1;
  let startLine = 1;
  let hasContent = false;
  let i = 0;
  const n = script.length;
  const push = (end: number): void => {
    const text = script.slice(start, end).trim();
    if (hasContent && text.length > 0) out.push({ sql: text, line: startLine });
  };
  while (i < n) {
    const c = script[i]!;
    if (c === "\n") {
      line++;
      i++;
      continue;
    }
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (!hasContent) {
      hasContent = true;
      startLine = line;
    }
    if (c === "-" && script[i + 1] === "-") {
      while (i < n && script[i] !== "\n") i++;
      continue;
    }
    if (c === "/" && script[i + 1] === "*") {
      const end = script.indexOf("*/", i + 2);
      const stop = end < 0 ? n : end + 2;
      for (let k = i; k < stop; k++) if (script[k] === "\n") line++;
      i = stop;
      continue;
    }
    if (c === "'" || c === '"') {
      i++;
      while (i < n) {
        if (script[i] === "\n") line++;
        if (script[i] === c) {
          if (script[i + 1] === c) {
            i += 2;
            continue;
          }
          break;
        }
        i++;
      }
      i++;
      continue;
    }
    if (c === "$") {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(script.slice(i, i + 64));
      if (tag) {
        const close = script.indexOf(tag[0], i + tag[0].length);
        const stop = close < 0 ? n : close + tag[0].length;
        for (let k = i; k < stop; k++) if (script[k] === "\n") line++;
        i = stop;
        continue;
      }
    }
    if (c === ";") {
      push(i);
      start = i + 1;
      hasContent = false;
      i++;
      continue;
    }
    i++;
  }
  push(n);
  // a trailing piece made only of comments is not a statement
  return out.filter((s) => stripComments(s.sql).trim().length > 0);
}

function stripComments(sql: string): string {
  return sql.replace(/--[^\n]*/g, "").replace(/\/\*[\s\S]*?\*\//g, "");
}

/** Runs every statement of a SQL script; returns the rows of the last one. Errors name the file and line. */
export async function runSqlScript(connection: DuckDBConnection, script: string, name = "<sql>"): Promise<RowObject[]> {
  let rows: RowObject[] = [];
  for (const statement of splitSqlStatements(script)) {
    try {
      rows = await queryRows(connection, statement.sql);
    } catch (err) {
      throw new DataError(`${name}:${statement.line}: ${errorMessage(err).split("\n")[0]}`, { cause: err });
    }
  }
  return rows;
}

/** Reads and runs a .sql file (see runSqlScript); returns the rows of its last statement. */
export async function runSqlFile(connection: DuckDBConnection, path: string): Promise<RowObject[]> {
  let script: string;
  try {
    script = await readFile(path, "utf8");
  } catch (err) {
    throw new DataError(`cannot read SQL file ${path}: ${(err as NodeJS.ErrnoException).code ?? errorMessage(err)}`);
  }
  return runSqlScript(connection, script, path);
}
