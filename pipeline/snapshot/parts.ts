// Part files of a dataset being written: `<run>/parts/<dataset>/part-NNNNNN.parquet`, found, numbered, cleaned.
import { existsSync } from "node:fs";
import { readdir, rmdir, unlink } from "node:fs/promises";
import { join } from "node:path";
import type { DatasetSchema } from "../schema/types.ts";

/** Folder of a dataset's durable part files inside a run folder. */
export function partsDir(runDirPath: string, schema: DatasetSchema): string {
  return join(runDirPath, "parts", schema.name);
}

/** File name of part number `n` (1-based, zero-padded to 6 digits so names sort). */
export function partName(n: number): string {
  return `part-${String(n).padStart(6, "0")}.parquet`;
}

/** A durable part file. */
export interface PartFile {
  n: number;
  path: string;
}

/** Durable parts of a dataset in write order (temp files of interrupted writes are not parts). */
export async function listParts(runDirPath: string, schema: DatasetSchema): Promise<PartFile[]> {
  const dir = partsDir(runDirPath, schema);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
  const parts: PartFile[] = [];
  for (const name of names) {
    const m = /^part-(\d+)\.parquet$/.exec(name);
    if (m) parts.push({ n: Number(m[1]), path: join(dir, name) });
  }
  return parts.sort((a, b) => a.n - b.n);
}

/** Deletes leftover temp files (a crash mid-write) in `dir`; returns how many were removed. */
export async function removeTempFiles(dir: string): Promise<number> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return 0;
    throw err;
  }
  let removed = 0;
  for (const name of names) {
    if (name.endsWith(".tmp")) {
      await unlink(join(dir, name)).catch(() => undefined);
      removed++;
    }
  }
  return removed;
}

/**
 * Settles a seal that a crash interrupted, before a writer reopens the dataset. Both a sealed `<run>/<file>` and
 * parts exist only inside the seal window. `published` is the run's durable word (manifest) on which generation
 * is authoritative: true — the sealed file supersedes the parts, which are deleted (the interrupted cleanup is
 * finished); false — the sealed file was never confirmed, the parts are still complete, and the file is deleted.
 * Returns what it did, for a log line, or null when there was nothing to settle.
 */
export async function settleSeal(runDirPath: string, schema: DatasetSchema, published: boolean): Promise<string | null> {
  const sealed = join(runDirPath, schema.file);
  const parts = await listParts(runDirPath, schema);
  if (parts.length === 0 || !existsSync(sealed)) return null;
  if (!published) {
    await unlink(sealed);
    return `${schema.name}: removed ${schema.file}, published by a seal that did not complete; its ${parts.length} part(s) are kept`;
  }
  for (const p of parts) await unlink(p.path);
  await rmdir(partsDir(runDirPath, schema)).catch(() => undefined);
  return `${schema.name}: removed ${parts.length} part(s) left by an interrupted seal; ${schema.file} holds their rows`;
}
