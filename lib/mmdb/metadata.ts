// The metadata section of a MaxMind DB: the "\xAB\xCD\xEFMaxMind.com" marker followed by one map
// (node_count, record_size, ip_version, database_type, languages, format version, build_epoch, description).
import { encodeStandalone } from "./encoder.ts";
import { MmdbWriteError, uint16, uint32, uint64, type MmdbMap } from "./values.ts";

/** The 14 bytes that start the metadata section; readers search for its last occurrence. */
export const METADATA_MARKER: Uint8Array = Uint8Array.from([0xab, 0xcd, 0xef, ...Buffer.from("MaxMind.com", "ascii")]);

/** Everything the metadata map records. */
export interface MetadataFields {
  readonly nodeCount: number;
  readonly recordSize: 24 | 28 | 32;
  readonly ipVersion: 4 | 6;
  readonly databaseType: string;
  readonly languages: readonly string[];
  readonly description: Readonly<Record<string, string>>;
  /** Unix seconds; settable so the same input always gives the same bytes. */
  readonly buildEpoch: bigint;
}

/** Seconds since the epoch from a number, bigint or Date; rejects negatives and fractions. */
export function toBuildEpoch(value: number | bigint | Date): bigint {
  const seconds = value instanceof Date ? Math.floor(value.getTime() / 1000) : value;
  if (typeof seconds === "number" && !Number.isSafeInteger(seconds)) {
    throw new MmdbWriteError("bad_option", `buildEpoch must be whole unix seconds: ${String(value)}`);
  }
  const big = BigInt(seconds);
  if (big < 0n || big >= 1n << 64n) throw new MmdbWriteError("bad_option", `buildEpoch out of range: ${big}`);
  return big;
}

/**
 * Marker + metadata map. Repeated strings become pointers relative to the start of the metadata
 * section, as MaxMind's mmdbwriter does (e.g. "en" in both `description` and `languages`).
 */
export function encodeMetadata(fields: MetadataFields): Uint8Array {
  if (fields.databaseType === "") throw new MmdbWriteError("bad_option", "databaseType must not be empty");
  const map: MmdbMap = {
    binary_format_major_version: uint16(2),
    binary_format_minor_version: uint16(0),
    build_epoch: uint64(fields.buildEpoch),
    database_type: fields.databaseType,
    description: { ...fields.description },
    ip_version: uint16(fields.ipVersion),
    languages: [...fields.languages],
    node_count: uint32(fields.nodeCount),
    record_size: uint16(fields.recordSize),
  };
  const body = encodeStandalone(map, { pointers: true });
  const out = new Uint8Array(METADATA_MARKER.length + body.length);
  out.set(METADATA_MARKER);
  out.set(body, METADATA_MARKER.length);
  return out;
}
