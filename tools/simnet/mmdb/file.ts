// Writes a MaxMind DB built by lib/mmdb to disk atomically (lib/ stays free of file-system policy).
import { buildMmdb, type MmdbStats, type WriteMmdbOptions } from "../../../lib/mmdb/writer.ts";
import { writeFileAtomic } from "../../../pipeline/fsutil.ts";

/** Builds the database and writes it to `path` atomically; returns the size facts. */
export async function writeMmdbFile(path: string, opts: WriteMmdbOptions): Promise<MmdbStats> {
  const { bytes, stats } = buildMmdb(opts);
  await writeFileAtomic(path, bytes);
  return stats;
}
