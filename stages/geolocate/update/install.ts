// Installs a verified database: written next to the old one, then renamed over it, the old file kept as `.prev`.
// At every instant `<edition>.mmdb` is either the complete old file or the complete new one.
import { existsSync } from "node:fs";
import { link, mkdir, rename, unlink } from "node:fs/promises";
import { join } from "node:path";
import { DataError } from "../../../pipeline/errors.ts";
import { fsyncDir, tempPathFor, writeFileAtomic } from "../../../pipeline/fsutil.ts";

/** Where an installed edition lives and whether a previous file was kept. */
export interface InstalledPaths {
  readonly path: string;
  readonly prev: string | null;
}

/** Path of an edition's database in the geo folder. */
export function editionPath(geoDir: string, edition: string): string {
  return join(geoDir, `${edition}.mmdb`);
}

/** Atomically replaces `<geoDir>/<edition>.mmdb` with `bytes`, keeping the previous file as `<edition>.mmdb.prev`. */
export async function installDatabase(geoDir: string, edition: string, bytes: Uint8Array): Promise<InstalledPaths> {
  const path = editionPath(geoDir, edition);
  const prev = `${path}.prev`;
  try {
    await mkdir(geoDir, { recursive: true });
    let keptPrev = false;
    if (existsSync(path)) {
      // hard link then rename: `.prev` is replaced atomically too, and `path` itself is never absent
      const tmpPrev = tempPathFor(prev);
      await link(path, tmpPrev);
      try {
        await rename(tmpPrev, prev);
      } catch (err) {
        await unlink(tmpPrev).catch(() => undefined);
        throw err;
      }
      keptPrev = true;
    }
    await writeFileAtomic(path, bytes);
    await fsyncDir(geoDir);
    return { path, prev: keptPrev ? prev : null };
  } catch (err) {
    throw new DataError(`cannot install ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}
