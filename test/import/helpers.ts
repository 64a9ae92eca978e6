// The original fluxture's crawl.db for the import tests, built from test/fixtures/fluxture/crawl.sql by Debian's sqlite3.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The fixture's SQL (the original's schema and rows). */
export const FIXTURE_SQL = fileURLToPath(new URL("../fixtures/fluxture/crawl.sql", import.meta.url));

/** Builds `<dir>/<name>` from SQL text with the sqlite3 command line tool and returns its path. */
export function buildSqlite(dir: string, name: string, sql: string = readFileSync(FIXTURE_SQL, "utf8")): string {
  const path = join(dir, name);
  execFileSync("sqlite3", [path], { input: sql });
  return path;
}
