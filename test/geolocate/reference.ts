// The reference projection of a record fully decoded by the maxmind reader onto geo.parquet's columns: the
// oracle the stage's selective field reader (stages/geolocate/fields.ts) is compared against. referenceValues
// follows any declared fields' paths through the decoded object (so a newly declared field is checked with no
// change here); cityFields/asnFields spell today's columns out by hand, pinning what the declarations say.
import { type GeoRecordField, recordValues } from "../../pipeline/schema/geo.ts";
import type { AsnFields, CityFields } from "../../stages/geolocate/locate.ts";

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

/** City columns of a GeoIP2/GeoLite2 City record as the maxmind reader decodes it. */
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

/** ASN columns of a GeoLite2 ASN record as the maxmind reader decodes it. */
export function asnFields(record: unknown): AsnFields {
  const r = obj(record) ?? {};
  return { asn: int(r.autonomous_system_number, 0xffffffff), as_org: str(r.autonomous_system_organization) };
}

/** The values of `fields` in a record fully decoded by the maxmind reader: each path followed through the object. */
export function referenceValues(record: unknown, fields: readonly GeoRecordField[]): Record<string, string | number | null> {
  const raw = fields.map((f) => {
    let v: unknown = record;
    for (const key of f.path) {
      if (key === 0) v = Array.isArray(v) ? v[0] : undefined;
      else v = obj(v)?.[key];
    }
    return v;
  });
  return recordValues(fields, raw);
}
