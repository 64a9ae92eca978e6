// geo.parquet: one row per address of a run, from the MaxMind City and ASN databases (geolocate stage).
import { defineDataset } from "./types.ts";

/**
 * Closed set of geo.status values, why each address has (or lacks) a location: `located` (a City or ASN record),
 * `not_found` (a public IP in neither database), `private`/`reserved` (special-purpose ranges, not looked up),
 * `loopback` (127/8 or ::1 with no record), `onion`/`i2p`/`cjdns` (overlay networks, not looked up), `invalid`.
 */
export const GEO_STATUSES = ["located", "not_found", "private", "reserved", "loopback", "onion", "i2p", "cjdns", "invalid"] as const;
/** One of GEO_STATUSES. */
export type GeoStatus = (typeof GEO_STATUSES)[number];

/** A row of geo.parquet; keys are the column names. */
export interface GeoRow {
  address: string;
  status: GeoStatus;
  country_code: string | null;
  continent_code: string | null;
  city: string | null;
  subdivision: string | null;
  latitude: number | null;
  longitude: number | null;
  accuracy_radius_km: number | null;
  time_zone: string | null;
  asn: number | null;
  as_org: string | null;
  city_db_built_at: Date | null;
  asn_db_built_at: Date | null;
  located_at: Date;
}

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
      meaning: "closed set: located|not_found|private|reserved|loopback|onion|i2p|cjdns|invalid (why the address has or lacks a location)",
    },
    { name: "country_code", type: "VARCHAR", nullable: true, meaning: "ISO 3166-1 alpha-2 country code" },
    { name: "continent_code", type: "VARCHAR", nullable: true, meaning: "two-letter continent code (EU, NA, …)" },
    { name: "city", type: "VARCHAR", nullable: true, meaning: "city name (English)" },
    { name: "subdivision", type: "VARCHAR", nullable: true, meaning: "first-level subdivision name (English)" },
    { name: "latitude", type: "DOUBLE", nullable: true, meaning: "latitude in degrees (WGS 84)" },
    { name: "longitude", type: "DOUBLE", nullable: true, meaning: "longitude in degrees (WGS 84)" },
    { name: "accuracy_radius_km", type: "INTEGER", nullable: true, meaning: "MaxMind accuracy radius around the point, km" },
    { name: "time_zone", type: "VARCHAR", nullable: true, meaning: "IANA time zone name" },
    { name: "asn", type: "UINTEGER", nullable: true, meaning: "autonomous system number" },
    { name: "as_org", type: "VARCHAR", nullable: true, meaning: "organisation owning the AS" },
    { name: "city_db_built_at", type: "TIMESTAMPTZ", nullable: true, meaning: "build time of the City database used; null if none" },
    { name: "asn_db_built_at", type: "TIMESTAMPTZ", nullable: true, meaning: "build time of the ASN database used; null if none" },
    { name: "located_at", type: "TIMESTAMPTZ", nullable: false, meaning: "when the lookup ran" },
  ],
});
