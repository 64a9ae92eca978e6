// One address → a status label and (for IPs) the City and ASN records it falls in. Records are numbered the
// first time they are met, so a run with a million addresses decodes each distinct record once (block.ts).
import { GEO_STATUSES, type GeoRecordValues, type GeoStatus, geoRecordFields, UNLOOKED_GEO_STATUS } from "../../pipeline/schema/geo.ts";
import { FieldPlan } from "./fields.ts";
import { type BlockResults, BlockScratch, MAX_BLOCK, RecordTable, radixSort32, V4Cursor, word32 } from "./block.ts";
import type { GeoDatabase } from "./database.ts";
import { ipv4Scope, ipv6Scope, parseIPv4Value, parseIPv6Into } from "../../lib/ip/index.ts";
import { NOT_FOUND, V6Cursor } from "./tree.ts";

export { GEO_STATUSES, type GeoStatus } from "../../pipeline/schema/geo.ts";
export type { BlockResults } from "./block.ts";

const S = Object.fromEntries(GEO_STATUSES.map((s, i) => [s, i])) as Record<GeoStatus, number>;
/** UNLOOKED_GEO_STATUS as status indexes. */
const UNLOOKED: ReadonlyMap<string, number> = new Map(Object.entries(UNLOOKED_GEO_STATUS).map(([t, s]) => [t, S[s]]));

/** The City fields geo.parquet keeps from a City record (declared in GEO_RECORD_FIELDS). */
export type CityFields = GeoRecordValues<"city">;

/** The ASN fields geo.parquet keeps from an ASN record (declared in GEO_RECORD_FIELDS). */
export type AsnFields = GeoRecordValues<"asn">;

const CITY_PLAN = new FieldPlan(geoRecordFields("city"));
const ASN_PLAN = new FieldPlan(geoRecordFields("asn"));

/**
 * One-character codes of the network types (visits.network_type) as blocks of addresses carry them, one per
 * address in a single string: cheaper to ship out of DuckDB than a string per address. Any other character
 * (readAddressBlocks uses "-") means unknown: the type is inferred from the address text.
 */
export const NETWORK_TYPE_CODES: Readonly<Record<string, string>> = { ipv4: "4", ipv6: "6", onion_v2: "2", onion_v3: "3", i2p: "i", cjdns: "c" };

/** Code of an unknown network type in a block's type codes. */
export const UNKNOWN_TYPE_CODE = "-";

const IPV4_CODE = NETWORK_TYPE_CODES.ipv4!.charCodeAt(0);
const IPV6_CODE = NETWORK_TYPE_CODES.ipv6!.charCodeAt(0);
const EMPTY = new Int32Array(0);
const TYPE_BY_CODE: (string | undefined)[] = [];
for (const [type, code] of Object.entries(NETWORK_TYPE_CODES)) TYPE_BY_CODE[code.charCodeAt(0)] = type;

/** The type codes of `types` (network type names, "" = unknown) as locateBlock takes them. */
export function typeCodesOf(types: readonly string[]): string {
  return types.map((t) => (Object.hasOwn(NETWORK_TYPE_CODES, t) ? NETWORK_TYPE_CODES[t]! : UNKNOWN_TYPE_CODE)).join("");
}

/** One line of locateText's block text (for tests and tools; readAddressBlocks builds them in SQL). */
export function blockLine(index: number, typeCode: string, address: string): string {
  return `${index}\t${typeCode}${address}`;
}

const INFER_SCRATCH = new Uint8Array(16);

/** Infers the network type of an address whose row carried none (e.g. a source address never visited). */
export function inferNetworkType(address: string): string {
  if (parseIPv4Value(address) >= 0) return "ipv4";
  if (parseIPv6Into(address, INFER_SCRATCH)) return "ipv6";
  if (address.endsWith(".onion")) return "onion_v3";
  if (address.endsWith(".i2p")) return "i2p";
  return "";
}

/**
 * Locates addresses one at a time. `locate` returns a status index into GEO_STATUSES and leaves the matched
 * record ids in `cityId` / `asnId` (-1 when none).
 */
export class Locator {
  private readonly city: RecordTable<CityFields>;
  private readonly asn: RecordTable<AsnFields> | null;
  cityId = -1;
  asnId = -1;
  private readonly v6 = new Uint8Array(16);
  // the block being located (begin … finish)
  private scratch = new BlockScratch(0);
  private status = EMPTY;
  private cityOut = EMPTY;
  private asnOut = EMPTY;
  private n4 = 0;
  private n6 = 0;

  constructor(cityDb: GeoDatabase, asnDb: GeoDatabase | null) {
    this.city = new RecordTable(cityDb, (r, o) => r.project(o, CITY_PLAN) as unknown as CityFields);
    this.asn = asnDb ? new RecordTable(asnDb, (r, o) => r.project(o, ASN_PLAN) as unknown as AsnFields) : null;
  }

  /** City fields by record id. */
  get cityRecords(): readonly CityFields[] {
    return this.city.fields;
  }

  /** ASN fields by record id (empty without an ASN database). */
  get asnRecords(): readonly AsnFields[] {
    return this.asn?.fields ?? [];
  }

  /**
   * Locates a block of addresses (at most 2^21); `typeCodes` holds one NETWORK_TYPE_CODES character per
   * address. IP addresses are walked in numeric order, so neighbours share cached tree paths and an address in
   * the same network as the previous one skips the walk. Same results as calling locate() on each.
   */
  locateBlock(addresses: readonly string[], typeCodes: string): BlockResults {
    const n = addresses.length;
    if (typeCodes.length !== n) throw new Error(`locateBlock got ${typeCodes.length} type codes for ${n} addresses`);
    this.begin(n);
    for (let i = 0; i < n; i++) this.queue(i, addresses[i]!, typeCodes.charCodeAt(i));
    return this.finish();
  }

  /**
   * locateBlock for a block in the text form readAddressBlocks delivers: `count` lines joined by "\n", in any
   * order, each `<index>\t<type code><address>` (see blockLine): index is the address's place in the block,
   * decimal, each of 0…count-1 exactly once; the type code is one NETWORK_TYPE_CODES character. Results are by
   * index, as locateBlock's. Addresses are cut out one at a time, so no array of a block's strings stays alive
   * for the garbage collector to copy. Malformed text (a bad, repeated or missing index, a line too many) throws.
   */
  locateText(text: string, count: number): BlockResults {
    this.begin(count);
    const seen = this.scratch.seen;
    seen.fill(0, 0, count);
    const len = text.length;
    let start = 0;
    for (let line = 0; line < count; line++) {
      let end = text.indexOf("\n", start);
      if (end < 0) end = len;
      let p = start;
      let index = 0;
      for (; p < end; p++) {
        const c = text.charCodeAt(p);
        if (c === 9 /* \t */) break;
        if (c < 48 || c > 57) throw new Error(`locateText: line ${line + 1} does not start with an index`);
        index = index * 10 + (c - 48);
      }
      if (p === start || p + 1 >= end) throw new Error(`locateText: line ${line + 1} is not <index>\\t<type code><address>`);
      if (index >= count || seen[index] === 1) throw new Error(`locateText: index ${index} out of range or repeated (${count} addresses)`);
      seen[index] = 1;
      this.queue(index, text.slice(p + 2, end), text.charCodeAt(p + 1));
      start = end + 1;
    }
    if (start < len || (count > 0 && start === len)) throw new Error(`locateText got more than ${count} lines`);
    return this.finish();
  }

  /** Starts a block of `n` addresses: fresh results, scratch big enough. */
  private begin(n: number): void {
    if (n > MAX_BLOCK) throw new Error(`locateBlock takes at most ${MAX_BLOCK} addresses, got ${n}`);
    if (this.scratch.capacity < n) this.scratch = new BlockScratch(n);
    this.status = new Int32Array(n);
    this.cityOut = new Int32Array(n).fill(-1);
    this.asnOut = new Int32Array(n).fill(-1);
    this.n4 = 0;
    this.n6 = 0;
  }

  /**
   * First pass over address `i` of the block: validated public IPs are queued for the sorted walks (parsed),
   * everything else gets its final status now.
   */
  private queue(i: number, address: string, code: number): void {
    const type = code === IPV4_CODE ? "ipv4" : code === IPV6_CODE ? "ipv6" : (TYPE_BY_CODE[code] ?? "");
    const resolved = type === "" ? inferNetworkType(address) : type;
    if (resolved === "ipv4") {
      const value = parseIPv4Value(address);
      if (value < 0) {
        this.status[i] = S.invalid;
        return;
      }
      const scope = ipv4Scope(value);
      if (scope === "private" || scope === "reserved") this.status[i] = S[scope];
      else {
        this.scratch.v4Values[this.n4] = value;
        this.scratch.v4Indexes[this.n4++] = i;
      }
      return;
    }
    if (resolved === "ipv6") {
      const bytes = this.v6;
      if (!parseIPv6Into(address, bytes)) {
        this.status[i] = S.invalid;
        return;
      }
      const scope = ipv6Scope(bytes);
      if (scope === "private" || scope === "reserved") this.status[i] = S[scope];
      else {
        const sc = this.scratch;
        sc.v6Bytes.set(bytes, this.n6 * 16);
        sc.v6Loopback[this.n6] = scope === "loopback" ? 1 : 0;
        sc.v6Indexes[this.n6++] = i;
      }
      return;
    }
    this.status[i] = this.locate(address, resolved);
  }

  /** Walks the queued IPv4 and IPv6 addresses in numeric order and returns the block's results. */
  private finish(): BlockResults {
    this.finishV4();
    this.finishV6();
    const results = { status: this.status, city: this.cityOut, asn: this.asnOut };
    this.status = this.cityOut = this.asnOut = EMPTY;
    return results;
  }

  private finishV4(): void {
    const { v4Values: values, v4Indexes: indexes, tmpValues, tmpIndexes } = this.scratch;
    const k = this.n4;
    const { status, cityOut: city, asnOut: asn } = this;
    radixSort32(values, indexes, k, tmpValues, tmpIndexes);
    const cityCursor = new V4Cursor(this.city.db.tree);
    const asnTable = this.asn;
    const asnCursor = asnTable ? new V4Cursor(asnTable.db.tree) : null;
    // consecutive addresses often share a record: remember the last pointer → id of each database
    let lastCity = NOT_FOUND;
    let lastCityId = -1;
    let lastAsn = NOT_FOUND;
    let lastAsnId = -1;
    for (let j = 0; j < k; j++) {
      const value = values[j]!;
      const i = indexes[j]!;
      const c = cityCursor.lookup(value);
      if (c !== NOT_FOUND) {
        if (c !== lastCity) {
          lastCity = c;
          lastCityId = this.city.idOf(c);
        }
        city[i] = lastCityId;
      }
      if (asnCursor && asnTable) {
        const a = asnCursor.lookup(value);
        if (a !== NOT_FOUND) {
          if (a !== lastAsn) {
            lastAsn = a;
            lastAsnId = asnTable.idOf(a);
          }
          asn[i] = lastAsnId;
        }
      }
      status[i] = city[i]! >= 0 || asn[i]! >= 0 ? S.located : value >>> 24 === 127 ? S.loopback : S.not_found;
    }
  }

  /** IPv6 addresses in order of their first 64 bits, each walk resumed where it parts from the previous one. */
  private finishV6(): void {
    const { v6Bytes: bytes, v6Indexes, v6Loopback, keys, order, tmpValues, tmpIndexes } = this.scratch;
    const k = this.n6;
    if (k === 0) return;
    const { status, cityOut: city, asnOut: asn } = this;
    // LSD: stable sort by bits 32…63, then by bits 0…31
    for (let j = 0; j < k; j++) {
      keys[j] = word32(bytes, j * 16 + 4);
      order[j] = j;
    }
    radixSort32(keys, order, k, tmpValues, tmpIndexes);
    for (let j = 0; j < k; j++) keys[j] = word32(bytes, order[j]! * 16);
    radixSort32(keys, order, k, tmpValues, tmpIndexes);
    const cityCursor = new V6Cursor(this.city.db.tree);
    const asnTable = this.asn;
    const asnCursor = asnTable ? new V6Cursor(asnTable.db.tree) : null;
    let lastCity = NOT_FOUND;
    let lastCityId = -1;
    let lastAsn = NOT_FOUND;
    let lastAsnId = -1;
    for (let j = 0; j < k; j++) {
      const e = order[j]!;
      const i = v6Indexes[e]!;
      const c = cityCursor.lookup(bytes, e * 16);
      if (c !== NOT_FOUND) {
        if (c !== lastCity) {
          lastCity = c;
          lastCityId = this.city.idOf(c);
        }
        city[i] = lastCityId;
      }
      if (asnCursor && asnTable) {
        const a = asnCursor.lookup(bytes, e * 16);
        if (a !== NOT_FOUND) {
          if (a !== lastAsn) {
            lastAsn = a;
            lastAsnId = asnTable.idOf(a);
          }
          asn[i] = lastAsnId;
        }
      }
      status[i] = city[i]! >= 0 || asn[i]! >= 0 ? S.located : v6Loopback[e] === 1 ? S.loopback : S.not_found;
    }
  }

  /** Status index of `address` (network type as in visits.network_type; "" = infer); sets cityId/asnId. */
  locate(address: string, networkType: string): number {
    this.cityId = -1;
    this.asnId = -1;
    const type = networkType === "" ? inferNetworkType(address) : networkType;
    if (type === "ipv4") return this.locateV4(address);
    if (type === "ipv6") return this.locateV6(address);
    return UNLOOKED.get(type) ?? S.invalid; // overlay networks are never looked up
  }

  private locateV4(address: string): number {
    const value = parseIPv4Value(address);
    if (value < 0) return S.invalid;
    const scope = ipv4Scope(value);
    if (scope === "private" || scope === "reserved") return S[scope];
    const c = this.city.db.tree.lookupV4(value);
    if (c !== NOT_FOUND) this.cityId = this.city.idOf(c);
    if (this.asn) {
      const a = this.asn.db.tree.lookupV4(value);
      if (a !== NOT_FOUND) this.asnId = this.asn.idOf(a);
    }
    return this.cityId >= 0 || this.asnId >= 0 ? S.located : scope === "loopback" ? S.loopback : S.not_found;
  }

  private locateV6(address: string): number {
    const bytes = this.v6;
    if (!parseIPv6Into(address, bytes)) return S.invalid;
    const scope = ipv6Scope(bytes);
    if (scope === "private" || scope === "reserved") return S[scope];
    const c = this.city.db.tree.lookupV6(bytes);
    if (c !== NOT_FOUND) this.cityId = this.city.idOf(c);
    if (this.asn) {
      const a = this.asn.db.tree.lookupV6(bytes);
      if (a !== NOT_FOUND) this.asnId = this.asn.idOf(a);
    }
    return this.cityId >= 0 || this.asnId >= 0 ? S.located : scope === "loopback" ? S.loopback : S.not_found;
  }
}
