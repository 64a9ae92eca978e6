// Takes the one `.mmdb` out of a MaxMind tar.gz in memory. Every member is checked, not only the wanted one: an
// archive holding an absolute path, a `..` segment, a link or a device is refused as a whole, and nothing from
// the archive is ever written under a name it chose.
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import tar from "tar-stream";
import { DataError } from "../../../pipeline/errors.ts";

/** The archive is unusable (corrupt, truncated, unsafe member, wrong layout); the message is the line to print. */
export class ArchiveError extends DataError {}

/** Why a member name is unsafe, or null when it stays inside the extraction folder. */
export function unsafeMemberName(name: string): string | null {
  if (name === "") return "has an empty name";
  if (name.startsWith("/") || /^[A-Za-z]:/.test(name)) return "is an absolute path";
  if (name.includes("\\")) return "contains a backslash";
  if (name.includes("\0")) return "contains a NUL byte";
  if (name.split("/").includes("..")) return "escapes the archive folder (..)";
  return null;
}

/** Path of the database inside MaxMind's archive: `<edition>_<YYYYMMDD>/<edition>.mmdb`. */
export function memberPattern(edition: string): RegExp {
  const escaped = edition.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`^(?:\\./)?${escaped}_(\\d{8})/${escaped}\\.mmdb$`);
}

/** The extracted database and the release date from its folder name. */
export interface ExtractedDatabase {
  readonly bytes: Buffer;
  readonly member: string;
  readonly release: string;
}

/** Extracts `<edition>_<date>/<edition>.mmdb` from tar.gz bytes, refusing unsafe or ambiguous archives. */
export async function extractMmdb(tarGz: Buffer, edition: string, what: string, maxBytes = 2 ** 31): Promise<ExtractedDatabase> {
  const pattern = memberPattern(edition);
  const extract = tar.extract();
  let found: ExtractedDatabase | null = null;
  const consume = (async () => {
    for await (const entry of extract) {
      const { name, type, size } = entry.header;
      const unsafe = unsafeMemberName(name);
      if (unsafe !== null) throw new ArchiveError(`${what}: archive member '${name}' ${unsafe}; refusing the archive`);
      if (type !== "file" && type !== "directory")
        throw new ArchiveError(`${what}: archive member '${name}' is a ${type ?? "special"} entry; refusing the archive`);
      const match = type === "file" ? pattern.exec(name) : null;
      if (match === null) {
        entry.resume();
        continue;
      }
      if (found !== null) throw new ArchiveError(`${what}: archive holds two ${edition}.mmdb members`);
      if ((size ?? 0) > maxBytes) throw new ArchiveError(`${what}: ${name} is ${size} bytes, over the ${maxBytes}-byte cap`);
      const chunks: Buffer[] = [];
      for await (const chunk of entry as AsyncIterable<Buffer>) chunks.push(chunk);
      found = { bytes: Buffer.concat(chunks), member: name, release: match[1]! };
    }
  })();
  try {
    await Promise.all([pipeline(Readable.from([tarGz]), createGunzip(), extract), consume]);
  } catch (err) {
    extract.destroy();
    await consume.catch(() => undefined);
    if (err instanceof ArchiveError) throw err;
    throw new ArchiveError(`${what}: archive is truncated or corrupt (${(err as Error).message})`);
  }
  if (found === null) throw new ArchiveError(`${what}: archive has no ${edition}_YYYYMMDD/${edition}.mmdb member`);
  return found;
}
