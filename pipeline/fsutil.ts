// Crash-safe file writes: a reader sees either the old file or the complete new one, never a torn one.
import { closeSync, existsSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { open, rename, unlink, type FileHandle } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { randomBytes } from "node:crypto";
import { DataError } from "./errors.ts";

/** A temp-file path in the same folder as `path` (same file system, so rename is atomic). */
export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
}

function checkData(data: unknown): void {
  if (typeof data !== "string" && !(data instanceof Uint8Array)) throw new TypeError(`writeFileAtomic: data must be a string or bytes, got ${typeof data}`);
}

/** Writes `data` to `path` atomically: temp file in the same folder, fsync, rename, fsync the folder. */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  checkData(data);
  const tmp = tempPathFor(path);
  let renamed = false;
  try {
    const handle = await open(tmp, "wx", 0o644).catch((err: unknown) => {
      throw outputError(path, err); // name the path the caller asked for, not the hidden temp file
    });
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, path).catch((err: unknown) => {
      throw outputError(path, err);
    });
    renamed = true;
    await fsyncDir(dirname(path));
  } finally {
    if (!renamed) await unlink(tmp).catch(() => undefined);
  }
}

/** A write failure as one line naming the destination (ENOENT: its folder is missing; EACCES: not writable). */
function outputError(path: string, err: unknown): Error {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === undefined) return err instanceof Error ? err : new Error(String(err));
  const why =
    code === "ENOENT" && !existsSync(dirname(path))
      ? `folder ${dirname(path)} does not exist`
      : code === "EACCES" || code === "EPERM" || code === "EROFS"
        ? `folder ${dirname(path)} is not writable`
        : code === "EISDIR"
          ? "it is a folder"
          : code;
  return new DataError(`cannot write ${path}: ${why}`, { cause: err });
}

/**
 * A failed write of `path` by any writer (a DuckDB COPY, a lock file) as the user's mistake it usually is: the
 * one-line DataError of outputError for errno failures, the same for DuckDB's "Permission denied" / "Read-only file
 * system" / "No space left" texts (which name the hidden temp file). Other errors pass through unchanged.
 */
export function writeFailure(path: string, err: unknown): unknown {
  if (err instanceof DataError) return err;
  if ((err as NodeJS.ErrnoException | undefined)?.code !== undefined) return outputError(path, err);
  const text = err instanceof Error ? err.message : String(err);
  if (/permission denied|read-only file system/i.test(text))
    return new DataError(`cannot write ${path}: folder ${dirname(path)} is not writable`, { cause: err });
  if (/no space left/i.test(text)) return new DataError(`cannot write ${path}: no space left on the device`, { cause: err });
  return err;
}

/** Synchronous twin of writeFileAtomic, for the last manifest write inside a signal or exit handler. */
export function writeFileAtomicSync(path: string, data: string | Uint8Array): void {
  checkData(data);
  const tmp = tempPathFor(path);
  let renamed = false;
  try {
    const fd = openSync(tmp, "wx", 0o644);
    try {
      const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
      let off = 0;
      while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
    renamed = true;
  } finally {
    if (!renamed) {
      try {
        unlinkSync(tmp);
      } catch {
        /* nothing to clean */
      }
    }
  }
}

/** Flushes a file's contents to disk (used after DuckDB wrote it, before the rename that publishes it). */
export async function fsyncFile(path: string): Promise<void> {
  const handle = await open(path, "r+");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Makes a rename inside `dir` durable; a no-op where directories cannot be fsynced. */
export async function fsyncDir(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, "r");
    await handle.sync();
  } catch {
    /* some file systems refuse fsync on a directory: the rename is still atomic */
  } finally {
    await handle?.close();
  }
}

/** Publishes a fully written temp file at `path`: fsync it, rename over `path`, fsync the folder. */
export async function publishFile(tmp: string, path: string): Promise<void> {
  await fsyncFile(tmp);
  await rename(tmp, path);
  await fsyncDir(dirname(path));
}
