// Where the SQL lives (sql/ at the package root) and which files each folder holds, in the order they run.
import { readdir } from "node:fs/promises";
import { basename, join } from "node:path";
import { DataError } from "../errors.ts";
import { PACKAGE_ROOT } from "../../lib/package-root.ts";

/** Absolute path of the package's sql/ folder (views.sql, staging/, marts/, checks/). */
export const SQL_DIR: string = `${join(PACKAGE_ROOT, "sql")}/`;

/** Path of sql/views.sql, the script every lake session starts with. */
export const VIEWS_SQL: string = join(SQL_DIR, "views.sql");

/**
 * The sql/ sub-folders. staging (one view per raw dataset), intermediate (views joining staged datasets) and
 * marts define views and run in that order, each folder in name order; checks are plain queries.
 */
export type SqlFolder = "staging" | "intermediate" | "marts" | "checks";

/** The folders whose files define views, in the order a session creates them. */
export const VIEW_FOLDERS: readonly SqlFolder[] = ["staging", "intermediate", "marts"];

/** One .sql file: its name without extension (the mart/check name) and its absolute path. */
export interface SqlFile {
  readonly name: string;
  readonly path: string;
}

/** The .sql files of one folder, sorted by name (the order staging and marts are created in). */
export async function listSqlFiles(folder: SqlFolder): Promise<SqlFile[]> {
  const dir = join(SQL_DIR, folder);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    throw new DataError(`cannot list ${dir}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  return names
    .filter((n) => n.endsWith(".sql"))
    .sort()
    .map((n) => ({ name: basename(n, ".sql"), path: join(dir, n) }));
}

/** The view a staging/intermediate/mart file creates is named after the file (marts get a `mart_` prefix). */
export function viewNameOf(folder: SqlFolder, name: string): string {
  return folder === "marts" ? martViewName(name) : name;
}

/** The view a mart file creates: sql/marts/<name>.sql defines `mart_<name>`. */
export function martViewName(name: string): string {
  return `mart_${name}`;
}
