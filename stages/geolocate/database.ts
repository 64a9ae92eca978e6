// Opens a MaxMind DB file (City or ASN) from its bytes with the `maxmind` reader, checks it really is one of
// the kind asked for, and pairs the reader with a search-tree walker (tree.ts). Every failure is one line
// naming the file and how to get a good one.
import { readFile } from "node:fs/promises";
import { Reader, type Response } from "maxmind";
import { DataError } from "../../pipeline/errors.ts";
import { DATA_SECTION_SEPARATOR } from "../../lib/mmdb/format.ts";
import { METADATA_MARKER } from "../../lib/mmdb/metadata.ts";
import { FieldReader } from "./fields.ts";
import { SearchTree } from "./tree.ts";

/** Which of the two databases geolocate uses. */
export type GeoDbKind = "city" | "asn";

/** Human name of each kind, used in messages. */
export const KIND_LABEL: Readonly<Record<GeoDbKind, string>> = { city: "City", asn: "ASN" };

/** A database that cannot be used: missing, unreadable, not MaxMind DB, or the wrong kind (e.g. a Country DB). */
export class GeoDatabaseError extends DataError {
  /** `missing` is the one problem the optional ASN database tolerates. */
  readonly problem: "missing" | "unreadable" | "not_mmdb" | "wrong_type";
  constructor(problem: GeoDatabaseError["problem"], message: string) {
    super(message);
    this.problem = problem;
  }
}

/**
 * An opened database: the maxmind reader (metadata, validation, and the reference decoder the tests compare with),
 * the search-tree walker (which record an address falls in) and the field reader (the columns of that record).
 */
export interface GeoDatabase {
  readonly kind: GeoDbKind;
  readonly path: string;
  /** metadata `database_type`, e.g. GeoLite2-City. */
  readonly type: string;
  /** metadata `build_epoch`. */
  readonly builtAt: Date;
  readonly ipVersion: 4 | 6;
  readonly reader: Reader<Response>;
  readonly tree: SearchTree;
  readonly fields: FieldReader;
  /** File offset of the record a search-tree value (from `tree`) points to. */
  recordOffset(pointer: number): number;
}

/** How to get a database, appended to every error about one. */
export function howToGet(kind: GeoDbKind): string {
  const flag = kind === "city" ? "--city-db" : "--asn-db";
  return `download it with \`fluxture update-geo-db\` (free MaxMind GeoLite2 account) or pass ${flag} PATH`;
}

/** True when `databaseType` names a database of `kind` (GeoLite2-City, GeoIP2-City, GeoLite2-ASN, GeoIP2-ISP, …). */
export function typeMatchesKind(databaseType: string, kind: GeoDbKind): boolean {
  return kind === "city" ? /City/.test(databaseType) : /ASN|ISP/.test(databaseType);
}

/**
 * Parses MaxMind DB bytes with the maxmind reader and sanity-checks the metadata; `notMmdb(why)` builds the error
 * for bytes that are not a usable MaxMind DB file. Shared by geolocate and update-geo-db.
 */
export function parseMmdb(bytes: Buffer, notMmdb: (why: string) => Error): Reader<Response> {
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) throw notMmdb("it is gzip-compressed: extract the .mmdb first");
  let reader: Reader<Response>;
  try {
    reader = new Reader<Response>(bytes);
  } catch (err) {
    throw notMmdb(`no readable metadata: ${err instanceof Error ? err.message : String(err)}`);
  }
  const m = reader.metadata;
  if (typeof m.databaseType !== "string" || m.databaseType === "") throw notMmdb("metadata has no database_type");
  if (m.ipVersion !== 4 && m.ipVersion !== 6) throw notMmdb(`metadata ip_version ${String(m.ipVersion)}`);
  if (!Number.isInteger(m.nodeCount) || m.nodeCount <= 0) throw notMmdb("metadata node_count is not a positive integer");
  if (m.searchTreeSize + DATA_SECTION_SEPARATOR > bytes.length) throw notMmdb("search tree larger than the file: truncated?");
  if (!(m.buildEpoch instanceof Date) || Number.isNaN(m.buildEpoch.getTime())) throw notMmdb("metadata build_epoch is not a time");
  if (m.binaryFormatMajorVersion !== 2) throw notMmdb(`binary format ${String(m.binaryFormatMajorVersion)}, expected 2`);
  return reader;
}

/** Parses and checks MaxMind DB bytes; throws GeoDatabaseError naming `path` when they are not a usable `kind` database. */
export function loadGeoDatabase(bytes: Buffer, path: string, kind: GeoDbKind): GeoDatabase {
  const label = KIND_LABEL[kind];
  const reader = parseMmdb(bytes, (why) => new GeoDatabaseError("not_mmdb", `${label} database ${path} is not a MaxMind DB file (${why}); ${howToGet(kind)}`));
  const m = reader.metadata;
  if (!typeMatchesKind(m.databaseType, kind)) {
    throw new GeoDatabaseError("wrong_type", `${path} is a ${m.databaseType} database, not a ${label} database; ${howToGet(kind)}`);
  }
  const tree = new SearchTree(bytes, m);
  const metadataStart = bytes.lastIndexOf(METADATA_MARKER);
  const fields = new FieldReader(bytes, m.searchTreeSize + DATA_SECTION_SEPARATOR, metadataStart > 0 ? metadataStart : bytes.length);
  // spec: data section offset = (record value - node_count) - 16; the data section starts 16 bytes after the tree
  const recordOffset = (pointer: number): number => pointer - m.nodeCount + m.searchTreeSize;
  return { kind, path, type: m.databaseType, builtAt: m.buildEpoch, ipVersion: m.ipVersion as 4 | 6, reader, tree, fields, recordOffset };
}

/** Reads and opens the database at `path` (see loadGeoDatabase); a missing file is problem `missing`. */
export async function openGeoDatabase(path: string, kind: GeoDbKind): Promise<GeoDatabase> {
  const label = KIND_LABEL[kind];
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    if (code === "ENOENT") throw new GeoDatabaseError("missing", `${label} database ${path} not found; ${howToGet(kind)}`);
    throw new GeoDatabaseError("unreadable", `cannot read ${label} database ${path} (${code}); ${howToGet(kind)}`);
  }
  return loadGeoDatabase(bytes, path, kind);
}
