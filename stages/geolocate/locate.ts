// One address → a status label and (for IPs) the City and ASN records it falls in. Records are numbered the
// first time they are met, so a run with a million addresses decodes each distinct record once.
import { isIP } from "node:net";
import { GEO_STATUSES, type GeoStatus } from "../../pipeline/schema/geo.ts";
import type { GeoDatabase } from "./database.ts";
import { ipv4Scope, ipv6Scope, parseIPv4, parseIPv6 } from "./ip.ts";
import { NOT_FOUND } from "./tree.ts";

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

type Json = Record<string, unknown>;

function obj(v: unknown): Json | undefined {
  return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Json) : undefined;
}
function str(v: unknown): string | null {
  return typeof v === "string" && v !== "" ? v : null;
}
function num(v: unknown): number | null {
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}
function int(v: unknown, max: number): number | null {
  return typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= max ? v : null;
}
function englishName(v: unknown): string | null {
  return str(obj(obj(v)?.names)?.en);
}

/** Projects a decoded City record (GeoIP2/GeoLite2 City shape) onto the columns; wrong-typed fields become null. */
export function cityFields(record: unknown): CityFields {
  const r = obj(record) ?? {};
  const location = obj(r.location) ?? {};
  const subdivisions = Array.isArray(r.subdivisions) ? (r.subdivisions as unknown[]) : [];
  const lat = num(location.latitude);
  const lon = num(location.longitude);
  const valid = lat !== null && lon !== null && Math.abs(lat) <= 90 && Math.abs(lon) <= 180;
  return {
    country_code: str(obj(r.country)?.iso_code),
    continent_code: str(obj(r.continent)?.code),
    city: englishName(r.city),
    subdivision: englishName(subdivisions[0]),
    latitude: valid ? lat : null,
    longitude: valid ? lon : null,
    accuracy_radius_km: int(location.accuracy_radius, 0x7fffffff),
    time_zone: str(location.time_zone),
  };
}

/** Projects a decoded ASN record onto the columns. */
export function asnFields(record: unknown): AsnFields {
  const r = obj(record) ?? {};
  return { asn: int(r.autonomous_system_number, 0xffffffff), as_org: str(r.autonomous_system_organization) };
}

/** Record numbering for one database: pointer → dense id, and the projected fields of each id. */
class RecordTable<F> {
  private readonly ids = new Map<number, number>();
  readonly fields: F[] = [];
  constructor(
    readonly db: GeoDatabase,
    private readonly project: (record: unknown) => F,
  ) {}

  /** Dense id of the record at `pointer`, decoding it (through the maxmind reader, at `address`) the first time. */
  idOf(pointer: number, address: string): number {
    let id = this.ids.get(pointer);
    if (id === undefined) {
      const record = this.db.reader.get(address);
      if (record === null) throw new Error(`search tree and maxmind reader disagree on ${address} in ${this.db.path}`);
      id = this.fields.length;
      this.fields.push(this.project(record));
      this.ids.set(pointer, id);
    }
    return id;
  }
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

  constructor(cityDb: GeoDatabase, asnDb: GeoDatabase | null) {
    this.city = new RecordTable(cityDb, cityFields);
    this.asn = asnDb ? new RecordTable(asnDb, asnFields) : null;
  }

  /** City fields by record id. */
  get cityRecords(): readonly CityFields[] {
    return this.city.fields;
  }

  /** ASN fields by record id (empty without an ASN database). */
  get asnRecords(): readonly AsnFields[] {
    return this.asn?.fields ?? [];
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
    if (c !== NOT_FOUND) this.cityId = this.city.idOf(c, address);
    if (this.asn) {
      const a = this.asn.db.tree.lookupV4(value);
      if (a !== NOT_FOUND) this.asnId = this.asn.idOf(a, address);
    }
    return this.cityId >= 0 || this.asnId >= 0 ? S.located : scope === "loopback" ? S.loopback : S.not_found;
  }

  private locateV6(address: string): number {
    const bytes = parseIPv6(address);
    const scope = ipv6Scope(bytes);
    if (scope === "private" || scope === "reserved") return S[scope];
    const c = this.city.db.tree.lookupV6(bytes);
    if (c !== NOT_FOUND) this.cityId = this.city.idOf(c, address);
    if (this.asn) {
      const a = this.asn.db.tree.lookupV6(bytes);
      if (a !== NOT_FOUND) this.asnId = this.asn.idOf(a, address);
    }
    return this.cityId >= 0 || this.asnId >= 0 ? S.located : scope === "loopback" ? S.loopback : S.not_found;
  }
}
