// One address → a status label and (for IPs) the City and ASN records it falls in. Records are numbered the
// first time they are met, so a run with a million addresses decodes each distinct record once.
import { isIP } from "node:net";
import { GEO_STATUSES, type GeoStatus } from "../../pipeline/schema/geo.ts";
import { GeoDatabaseError, howToGet, KIND_LABEL, type GeoDatabase } from "./database.ts";
import { RecordFormatError, type FieldReader } from "./fields.ts";
import { ipv4Scope, ipv6Scope, parseIPv4, parseIPv6 } from "./ip.ts";
import { NOT_FOUND, type SearchTree } from "./tree.ts";

export { GEO_STATUSES, type GeoStatus } from "../../pipeline/schema/geo.ts";

const S = Object.fromEntries(GEO_STATUSES.map((s, i) => [s, i])) as Record<GeoStatus, number>;

/** The City fields geo.parquet keeps from a City record. */
export interface CityFields {
  readonly country_code: string | null;
  readonly continent_code: string | null;
  readonly city: string | null;
  readonly subdivision: string | null;
  readonly latitude: number | null;
  readonly longitude: number | null;
  readonly accuracy_radius_km: number | null;
  readonly time_zone: string | null;
}

/** The ASN fields geo.parquet keeps from an ASN record. */
export interface AsnFields {
  readonly asn: number | null;
  readonly as_org: string | null;
}

/**
 * pointer → dense id, open addressing over typed arrays (linear probing): a million lookups against tens of
 * thousands of records, where a Map's boxing and hashing showed in profiles.
 */
class PointerIds {
  private keys = new Float64Array(1 << 12).fill(-1);
  private values = new Int32Array(1 << 12);
  private count = 0;
  private mask = (1 << 12) - 1;

  private slot(key: number): number {
    let i = Math.imul(key | 0, 0x9e3779b1) >>> 0;
    i = (i ^ (i >>> 16)) & this.mask;
    while (this.keys[i] !== -1 && this.keys[i] !== key) i = (i + 1) & this.mask;
    return i;
  }

  /** The id stored for `key`, or -1. */
  get(key: number): number {
    const i = this.slot(key);
    return this.keys[i] === key ? this.values[i]! : -1;
  }

  /** Stores `id` for a new `key`. */
  set(key: number, id: number): void {
    if ((this.count + 1) * 2 > this.keys.length) this.grow();
    const i = this.slot(key);
    this.keys[i] = key;
    this.values[i] = id;
    this.count++;
  }

  private grow(): void {
    const oldKeys = this.keys;
    const oldValues = this.values;
    this.keys = new Float64Array(oldKeys.length * 2).fill(-1);
    this.values = new Int32Array(oldKeys.length * 2);
    this.mask = this.keys.length - 1;
    for (let i = 0; i < oldKeys.length; i++) {
      if (oldKeys[i] === -1) continue;
      const j = this.slot(oldKeys[i]!);
      this.keys[j] = oldKeys[i]!;
      this.values[j] = oldValues[i]!;
    }
  }
}

/** Record numbering for one database: pointer → dense id, and the projected fields of each id. */
class RecordTable<F> {
  private readonly ids = new PointerIds();
  readonly fields: F[] = [];
  constructor(
    readonly db: GeoDatabase,
    private readonly project: (reader: FieldReader, offset: number) => F,
  ) {}

  /** Dense id of the record at `pointer` (a search-tree value), reading its fields the first time. */
  idOf(pointer: number): number {
    let id = this.ids.get(pointer);
    if (id < 0) {
      let fields: F;
      try {
        fields = this.project(this.db.fields, this.db.recordOffset(pointer));
      } catch (err) {
        if (!(err instanceof RecordFormatError)) throw err;
        throw new GeoDatabaseError("not_mmdb", `${KIND_LABEL[this.db.kind]} database ${this.db.path} is corrupt (${err.message}); ${howToGet(this.db.kind)}`);
      }
      id = this.fields.length;
      this.fields.push(fields);
      this.ids.set(pointer, id);
    }
    return id;
  }
}

/** Remembers the network of the last IPv4 lookup in one tree, so sorted addresses in the same network skip the walk. */
class V4Cursor {
  private net = 0;
  private depth = -1;
  private pointer = NOT_FOUND;
  constructor(private readonly tree: SearchTree) {}

  /** Same as tree.lookupV4(value), answered from the last network when `value` falls in it. */
  lookup(value: number): number {
    const d = this.depth;
    if (d >= 0 && (d === 0 || value >>> (32 - d) === this.net)) return this.pointer;
    this.pointer = this.tree.lookupV4(value);
    this.depth = this.tree.depth;
    this.net = this.depth === 0 ? 0 : value >>> (32 - this.depth);
    return this.pointer;
  }
}

/** Per-address results of Locator.locateBlock, parallel to its input. */
export interface BlockResults {
  readonly status: Int32Array;
  readonly city: Int32Array;
  readonly asn: Int32Array;
}

/** Most addresses one locateBlock call takes. */
const MAX_BLOCK = 2 ** 21;

/**
 * Sorts `values[0…n)` (IPv4 addresses as u32) ascending with their `indexes`, by two 16-bit LSD radix passes
 * through the scratch arrays: a few times faster than sorting packed doubles, which showed in profiles.
 */
function radixSortV4(values: Uint32Array, indexes: Int32Array, n: number, tmpValues: Uint32Array, tmpIndexes: Int32Array): void {
  const counts = new Uint32Array(65537);
  for (let i = 0; i < n; i++) counts[(values[i]! & 0xffff) + 1]!++;
  for (let d = 0; d < 65536; d++) counts[d + 1]! += counts[d]!;
  for (let i = 0; i < n; i++) {
    const at = counts[values[i]! & 0xffff]!++;
    tmpValues[at] = values[i]!;
    tmpIndexes[at] = indexes[i]!;
  }
  counts.fill(0);
  for (let i = 0; i < n; i++) counts[(tmpValues[i]! >>> 16) + 1]!++;
  for (let d = 0; d < 65536; d++) counts[d + 1]! += counts[d]!;
  for (let i = 0; i < n; i++) {
    const at = counts[tmpValues[i]! >>> 16]!++;
    values[at] = tmpValues[i]!;
    indexes[at] = tmpIndexes[i]!;
  }
}

/**
 * One-character codes of the network types (visits.network_type) as blocks of addresses carry them, one per
 * address in a single string: cheaper to ship out of DuckDB than a string per address. Any other character
 * (readAddressBlocks uses "-") means unknown: the type is inferred from the address text.
 */
export const NETWORK_TYPE_CODES: Readonly<Record<string, string>> = { ipv4: "4", ipv6: "6", onion_v2: "2", onion_v3: "3", i2p: "i", cjdns: "c" };

/** Code of an unknown network type in a block's type codes. */
export const UNKNOWN_TYPE_CODE = "-";

const IPV4_CODE = NETWORK_TYPE_CODES.ipv4!.charCodeAt(0);
const TYPE_BY_CODE: (string | undefined)[] = [];
for (const [type, code] of Object.entries(NETWORK_TYPE_CODES)) TYPE_BY_CODE[code.charCodeAt(0)] = type;

/** The type codes of `types` (network type names, "" = unknown) as locateBlock takes them. */
export function typeCodesOf(types: readonly string[]): string {
  return types.map((t) => (Object.hasOwn(NETWORK_TYPE_CODES, t) ? NETWORK_TYPE_CODES[t]! : UNKNOWN_TYPE_CODE)).join("");
}

/** Infers the network type of an address whose row carried none (e.g. a source address never visited). */
export function inferNetworkType(address: string): string {
  const v = isIP(address);
  if (v === 4) return "ipv4";
  if (v === 6) return "ipv6";
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

  constructor(cityDb: GeoDatabase, asnDb: GeoDatabase | null) {
    this.city = new RecordTable(cityDb, (r, o) => r.city(o));
    this.asn = asnDb ? new RecordTable(asnDb, (r, o) => r.asn(o)) : null;
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
   * address. IPv4 addresses are walked in numeric order, so neighbours share cached tree paths and an address in
   * the same network as the previous one skips the walk. Same results as calling locate() on each.
   */
  locateBlock(addresses: readonly string[], typeCodes: string): BlockResults {
    const n = addresses.length;
    if (n > MAX_BLOCK) throw new Error(`locateBlock takes at most ${MAX_BLOCK} addresses, got ${n}`);
    if (typeCodes.length !== n) throw new Error(`locateBlock got ${typeCodes.length} type codes for ${n} addresses`);
    const status = new Int32Array(n);
    const city = new Int32Array(n).fill(-1);
    const asn = new Int32Array(n).fill(-1);
    const values = new Uint32Array(n);
    const indexes = new Int32Array(n);
    let k = 0;
    for (let i = 0; i < n; i++) {
      const address = addresses[i]!;
      const code = typeCodes.charCodeAt(i);
      const type = code === IPV4_CODE ? "ipv4" : (TYPE_BY_CODE[code] ?? "");
      const resolved = type === "" ? inferNetworkType(address) : type;
      if (resolved === "ipv4" && isIP(address) === 4) {
        const value = parseIPv4(address);
        const scope = ipv4Scope(value);
        if (scope === "private" || scope === "reserved") status[i] = S[scope];
        else {
          values[k] = value;
          indexes[k++] = i;
        }
        continue;
      }
      status[i] = this.locate(address, resolved);
      city[i] = this.cityId;
      asn[i] = this.asnId;
    }
    radixSortV4(values, indexes, k, new Uint32Array(k), new Int32Array(k));
    const cityCursor = new V4Cursor(this.city.db.tree);
    const asnCursor = this.asn ? new V4Cursor(this.asn.db.tree) : null;
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
      if (asnCursor && this.asn) {
        const a = asnCursor.lookup(value);
        if (a !== NOT_FOUND) {
          if (a !== lastAsn) {
            lastAsn = a;
            lastAsnId = this.asn.idOf(a);
          }
          asn[i] = lastAsnId;
        }
      }
      status[i] = city[i]! >= 0 || asn[i]! >= 0 ? S.located : value >>> 24 === 127 ? S.loopback : S.not_found;
    }
    return { status, city, asn };
  }

  /** Status index of `address` (network type as in visits.network_type; "" = infer); sets cityId/asnId. */
  locate(address: string, networkType: string): number {
    this.cityId = -1;
    this.asnId = -1;
    switch (networkType === "" ? inferNetworkType(address) : networkType) {
      case "ipv4":
        return isIP(address) === 4 ? this.locateV4(address) : S.invalid;
      case "ipv6":
        return isIP(address) === 6 && !address.includes("%") ? this.locateV6(address) : S.invalid;
      case "onion_v2":
      case "onion_v3":
        return S.onion;
      case "i2p":
        return S.i2p;
      case "cjdns":
        return S.cjdns;
      default:
        return S.invalid;
    }
  }

  private locateV4(address: string): number {
    const value = parseIPv4(address);
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
    const bytes = parseIPv6(address, this.v6);
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
