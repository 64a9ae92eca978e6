// geo.parquet: one row per address of a run, from the MaxMind City and ASN databases (geolocate stage).
// GEO_RECORD_FIELDS is the one place a column read from a MaxMind record is declared: its name, type, meaning and
// where it is in the record. The geo schema, the stage's record reader (stages/geolocate/fields.ts), its record
// tables and the final join, and the importer's empty rows all follow it: adding a field is one entry here.
import type { NetworkType } from "../../lib/bitcoin/address.ts";
import type { ColumnSpec, JsValueOf } from "./types.ts";
import { defineDataset } from "./types.ts";
import { ADDRS } from "./addrs.ts";
import { VISITS } from "./visits.ts";

/**
 * Closed set of geo.status values, why each address has (or lacks) a location: `located` (a City or ASN record),
 * `not_found` (a public IP in neither database), `private`/`reserved` (special-purpose ranges, not looked up),
 * `loopback` (127/8 or ::1 with no record), `onion`/`i2p`/`cjdns` (overlay networks, not looked up), `invalid`.
 */
export const GEO_STATUSES = ["located", "not_found", "private", "reserved", "loopback", "onion", "i2p", "cjdns", "invalid"] as const;
/** One of GEO_STATUSES. */
export type GeoStatus = (typeof GEO_STATUSES)[number];

/**
 * The status of an address no database is asked about, by its network type: the overlay networks. IP types
 * (ipv4, ipv6) are absent: they are looked up, and their status comes from the databases and their scope.
 * The one statement of the rule: geolocate's hot path (stages/geolocate/locate.ts) and the importer's rows use it.
 */
export const UNLOOKED_GEO_STATUS: Readonly<Partial<Record<NetworkType, GeoStatus>>> = { onion_v2: "onion", onion_v3: "onion", i2p: "i2p", cjdns: "cjdns" };

/** The two MaxMind databases a geo column can come from. */
export type GeoRecordDb = "city" | "asn";

/**
 * One geo column read from a MaxMind record (MaxMind DB "Output Data Section"). `path`: map keys from the record
 * down to the value, `0` meaning an array's first element. The value is kept only if it fits: VARCHAR a non-empty
 * string; DOUBLE a finite number, INTEGER/UINTEGER a whole one, within `range` when given; and only when every
 * column in `together` is kept too (a point needs both coordinates). Anything else is null.
 */
export interface GeoRecordField {
  readonly name: string;
  readonly type: "VARCHAR" | "DOUBLE" | "INTEGER" | "UINTEGER";
  readonly db: GeoRecordDb;
  readonly path: readonly (string | 0)[];
  readonly range?: readonly [number, number];
  readonly together?: readonly string[];
  readonly meaning: string;
}

/** Every geo column read from a City or ASN record, in geo.parquet's column order (see the file comment). */
export const GEO_RECORD_FIELDS = [
  { name: "country_code", type: "VARCHAR", db: "city", path: ["country", "iso_code"], meaning: "ISO 3166-1 alpha-2 country code" },
  { name: "continent_code", type: "VARCHAR", db: "city", path: ["continent", "code"], meaning: "two-letter continent code (EU, NA, …)" },
  { name: "city", type: "VARCHAR", db: "city", path: ["city", "names", "en"], meaning: "city name (English)" },
  { name: "subdivision", type: "VARCHAR", db: "city", path: ["subdivisions", 0, "names", "en"], meaning: "first-level subdivision name (English)" },
  {
    name: "latitude",
    type: "DOUBLE",
    db: "city",
    path: ["location", "latitude"],
    range: [-90, 90],
    together: ["longitude"],
    meaning: "latitude in degrees (WGS 84)",
  },
  {
    name: "longitude",
    type: "DOUBLE",
    db: "city",
    path: ["location", "longitude"],
    range: [-180, 180],
    together: ["latitude"],
    meaning: "longitude in degrees (WGS 84)",
  },
  {
    name: "accuracy_radius_km",
    type: "INTEGER",
    db: "city",
    path: ["location", "accuracy_radius"],
    range: [0, 0x7fffffff],
    meaning: "MaxMind accuracy radius around the point, km",
  },
  { name: "time_zone", type: "VARCHAR", db: "city", path: ["location", "time_zone"], meaning: "IANA time zone name" },
  { name: "asn", type: "UINTEGER", db: "asn", path: ["autonomous_system_number"], range: [0, 0xffffffff], meaning: "autonomous system number" },
  { name: "as_org", type: "VARCHAR", db: "asn", path: ["autonomous_system_organization"], meaning: "organisation owning the AS" },
] as const satisfies readonly GeoRecordField[];

type DeclaredField = (typeof GEO_RECORD_FIELDS)[number];

/** The values one record of database `D` gives its columns, keyed by column name (null: missing or not fitting). */
export type GeoRecordValues<D extends GeoRecordDb> = {
  readonly [F in DeclaredField as F["db"] extends D ? F["name"] : never]: JsValueOf[F["type"]] | null;
};

/** The declared fields of one database, in column order. */
export function geoRecordFields(db: GeoRecordDb): readonly GeoRecordField[] {
  return GEO_RECORD_FIELDS.filter((f) => f.db === db);
}

/** `value` (as decoded from a record) if it fits `field` (see GeoRecordField), else null. */
export function fieldValue(field: GeoRecordField, value: unknown): string | number | null {
  if (field.type === "VARCHAR") return typeof value === "string" && value !== "" ? value : null;
  if (typeof value !== "number" || !Number.isFinite(value)) return null;
  if (field.type !== "DOUBLE" && !Number.isInteger(value)) return null;
  if (field.range !== undefined && (value < field.range[0] || value > field.range[1])) return null;
  return value;
}

/**
 * The column values of one record from its raw decoded values (`raw[i]` for `fields[i]`): each through fieldValue,
 * then null where a `together` column is null.
 */
export function recordValues(fields: readonly GeoRecordField[], raw: readonly unknown[]): Record<string, string | number | null> {
  const out: Record<string, string | number | null> = {};
  for (let i = 0; i < fields.length; i++) out[fields[i]!.name] = fieldValue(fields[i]!, raw[i]);
  for (const f of fields) if (f.together?.some((other) => out[other] === null)) out[f.name] = null;
  return out;
}

/** Every record column null: the row of an address no database located (e.g. imported rows). */
export function noRecordValues(): GeoRecordValues<"city"> & GeoRecordValues<"asn"> {
  return Object.fromEntries(GEO_RECORD_FIELDS.map((f) => [f.name, null])) as unknown as GeoRecordValues<"city"> & GeoRecordValues<"asn">;
}

/** A row of geo.parquet; keys are the column names (the record columns from GEO_RECORD_FIELDS). */
export type GeoRow = {
  address: string;
  status: GeoStatus;
} & { -readonly [K in keyof (GeoRecordValues<"city"> & GeoRecordValues<"asn">)]: (GeoRecordValues<"city"> & GeoRecordValues<"asn">)[K] } & {
  city_db_built_at: Date | null;
  asn_db_built_at: Date | null;
  located_at: Date;
};

/** The geo row of an address with no location: its overlay status by network type (an IP: `not_found`), no record. */
export function unlocatedGeoRow(address: string, networkType: NetworkType, locatedAt: Date): GeoRow {
  return {
    address,
    status: UNLOOKED_GEO_STATUS[networkType] ?? "not_found",
    ...noRecordValues(),
    city_db_built_at: null,
    asn_db_built_at: null,
    located_at: locatedAt,
  };
}

const recordColumn = (f: GeoRecordField): ColumnSpec => ({ name: f.name, type: f.type, nullable: true, meaning: f.meaning });

/** Schema of geo.parquet. */
export const GEO = defineDataset<GeoRow>({
  name: "geo",
  file: "geo.parquet",
  description: "One row per address of the run, located with the MaxMind GeoLite2 City and ASN databases.",
  key: ["address"],
  columns: [
    { name: "address", type: "VARCHAR", nullable: false, meaning: "canonical address (as in visits.address)" },
    {
      name: "status",
      type: "VARCHAR",
      nullable: false,
      meaning: `closed set: ${GEO_STATUSES.join("|")} (why the address has or lacks a location)`,
    },
    ...GEO_RECORD_FIELDS.map(recordColumn),
    { name: "city_db_built_at", type: "TIMESTAMPTZ", nullable: true, meaning: "build time of the City database used; null if none" },
    { name: "asn_db_built_at", type: "TIMESTAMPTZ", nullable: true, meaning: "build time of the ASN database used; null if none" },
    { name: "located_at", type: "TIMESTAMPTZ", nullable: false, meaning: "when the lookup ran" },
  ],
});

/**
 * The stage that writes geo.parquet (`fluxture geolocate`, analyze), as the stage owner knows it: its manifest key,
 * what geo.parquet is derived from (runStage re-runs geolocate when any changed since it succeeded, or a newer
 * database build is at hand) and what it writes. The importer adopts the same for the original's own lookups.
 */
export const GEOLOCATE = { name: "geolocate", inputs: { datasets: [VISITS.file, ADDRS.file], stages: ["crawl"] }, outputs: [GEO.file] } as const;
