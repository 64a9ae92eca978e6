// Telling an SQLite file from anything else by its header, without loading the SQLite binding (the CLI asks this of
// every positional argument of the old command forms).
import { closeSync, openSync, readSync, statSync } from "node:fs";

const SQLITE_MAGIC = "SQLite format 3\0";

/** Whether `path` is an existing regular file that starts with the SQLite header (how the old CLI forms are told apart). */
export function isSqliteFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    const fd = openSync(path, "r");
    try {
      const head = Buffer.alloc(16);
      return readSync(fd, head, 0, 16, 0) === 16 && head.toString("latin1") === SQLITE_MAGIC;
    } finally {
      closeSync(fd);
    }
  } catch {
    return false;
  }
}
