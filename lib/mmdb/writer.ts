// writeMmdb: networks + records → the bytes of a MaxMind DB 2.0 file (search tree, 16-byte separator,
// data section, metadata). Pure and deterministic: the same options always give the same bytes.
import { DataSectionEncoder } from "./encoder.ts";
import { DATA_SECTION_SEPARATOR } from "./format.ts";
import { encodeMetadata, toBuildEpoch } from "./metadata.ts";
import { parseNetwork, type TreeNetwork } from "./network.ts";
import { SearchTreeBuilder } from "./tree.ts";
import { MmdbWriteError, type MmdbValue } from "./values.ts";

/** One network and the record every address in it resolves to. */
export interface MmdbNetwork {
  /** `a.b.c.d/n`, `x::/n`, or a bare address (= /32 or /128). */
  readonly cidr: string;
  readonly data: MmdbValue;
}

/** What to write. */
export interface WriteMmdbOptions {
  /** e.g. "GeoLite2-City"; readers check it (the geolocate stage looks for "City" / "ASN"). */
  readonly databaseType: string;
  /** Language code → text, e.g. { en: "simnet city database" }. */
  readonly description?: Readonly<Record<string, string>>;
  /** Locale codes the records' `names` maps carry, e.g. ["en"]. */
  readonly languages?: readonly string[];
  /** Build time (unix seconds or a Date), explicit so output is reproducible. */
  readonly buildEpoch: number | bigint | Date;
  /** 6 (default): IPv4 networks live under ::/96 and are aliased; 4: IPv4 networks only. */
  readonly ipVersion?: 4 | 6;
  /** 24, 28 or 32; default: the smallest that fits node count + data size. */
  readonly recordSize?: 24 | 28 | 32;
  /** Alias ::ffff:0:0/96, 2001::/32 and 2002::/16 to the IPv4 subtree as MaxMind does (default true, ipVersion 6 only). */
  readonly ipv4Aliases?: boolean;
  /** The networks; input order only matters for the same network listed twice (the last wins). */
  readonly networks: Iterable<MmdbNetwork>;
}

/** Size facts about a written database. */
export interface MmdbStats {
  readonly bytes: number;
  readonly nodeCount: number;
  readonly recordSize: 24 | 28 | 32;
  readonly networks: number;
  readonly dataSectionBytes: number;
}

/**
 * Builds a MaxMind DB file in memory. Overlaps: a more specific network wins over a less specific one
 * for the addresses it covers, whatever the input order; the same network listed twice keeps the last
 * record. Sibling networks with identical records are merged, and identical records are stored once.
 * As with MaxMind's files, a lookup reports the prefix length of the tree record that answered: the
 * merged network, or, inside a network split by a more specific one, the depth of the split. Records
 * are laid out in input order (same input → same bytes). Throws `MmdbWriteError` on bad networks,
 * values or options.
 */
export function writeMmdb(opts: WriteMmdbOptions): Uint8Array {
  return buildMmdb(opts).bytes;
}

/** `writeMmdb` plus the size facts (node count, record size, data-section size). */
export function buildMmdb(opts: WriteMmdbOptions): { bytes: Uint8Array; stats: MmdbStats } {
  const ipVersion = opts.ipVersion ?? 6;
  if (ipVersion !== 4 && ipVersion !== 6) throw new MmdbWriteError("bad_option", `ipVersion must be 4 or 6: ${String(ipVersion)}`);
  if (opts.recordSize !== undefined && ![24, 28, 32].includes(opts.recordSize)) {
    throw new MmdbWriteError("bad_option", `recordSize must be 24, 28 or 32: ${String(opts.recordSize)}`);
  }
  const buildEpoch = toBuildEpoch(opts.buildEpoch);
  const encoder = new DataSectionEncoder();
  const entries: { net: TreeNetwork; offset: number; order: number }[] = [];
  for (const { cidr, data } of opts.networks) {
    const net = parseNetwork(cidr);
    entries.push({ net, offset: encoder.add(data), order: entries.length });
  }
  entries.sort((a, b) => a.net.prefixLength - b.net.prefixLength || a.order - b.order);
  const tree = new SearchTreeBuilder(ipVersion, { ipv4Aliases: opts.ipv4Aliases ?? true });
  for (const e of entries) tree.insert(e.net, e.offset);
  const data = encoder.bytes();
  const serialized = tree.serialize(data.length, opts.recordSize);
  const metadata = encodeMetadata({
    nodeCount: serialized.nodeCount,
    recordSize: serialized.recordSize,
    ipVersion,
    databaseType: opts.databaseType,
    languages: opts.languages ?? ["en"],
    description: opts.description ?? {},
    buildEpoch,
  });
  const total = serialized.bytes.length + DATA_SECTION_SEPARATOR + data.length + metadata.length;
  const out = new Uint8Array(total);
  out.set(serialized.bytes, 0);
  out.set(data, serialized.bytes.length + DATA_SECTION_SEPARATOR); // the bytes between stay zero: the separator
  out.set(metadata, serialized.bytes.length + DATA_SECTION_SEPARATOR + data.length);
  return {
    bytes: out,
    stats: { bytes: total, nodeCount: serialized.nodeCount, recordSize: serialized.recordSize, networks: entries.length, dataSectionBytes: data.length },
  };
}
