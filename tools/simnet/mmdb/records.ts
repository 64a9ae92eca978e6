// MaxMind-shaped records for a placement: the GeoLite2-City record (city, continent, country, location,
// registered_country, subdivisions) and the GeoLite2-ASN record, with MaxMind's field types.
import { CITIES, COUNTRY_LEVEL } from "./cities.ts";
import { CONTINENTS, COUNTRY_BY_ISO, type Country } from "./countries.ts";
import { ASES } from "./sites.ts";
import { double, uint16, uint32, type MmdbMap } from "../../../lib/mmdb/values.ts";

/** Where one block of the simnet's address space is placed: what the City and ASN databases say about it. */
export interface GeoPlacement {
  /** Canonical network text (`a.b.c.d/n` or compressed IPv6 `/n`). */
  readonly cidr: string;
  readonly continentCode: string;
  readonly countryCode: string;
  readonly countryName: string;
  /** Null for the few country-level placements (real databases know some hosting ranges only by country). */
  readonly city: string | null;
  readonly subdivisionCode: string | null;
  readonly subdivisionName: string | null;
  readonly latitude: number;
  readonly longitude: number;
  readonly accuracyRadiusKm: number;
  readonly timeZone: string;
  readonly registeredCountryCode: string;
  readonly asn: number;
  readonly asOrg: string;
}

/** What a placement says about a site, before it is bound to a block. */
export type SitePlacement = Omit<GeoPlacement, "cidr">;

/** The placement of a site (city name or null = country level, AS number) in `countryCode`. */
export function placementFor(countryCode: string, city: string | null, asn: number): SitePlacement {
  const country = mustCountry(countryCode);
  const as = ASES.get(asn);
  if (as === undefined) throw new Error(`simnet geography: unknown AS${asn}`);
  const registeredCountryCode = as.registeredIn ?? countryCode;
  const base = {
    continentCode: country.continent,
    countryCode,
    countryName: country.name,
    registeredCountryCode,
    asn,
    asOrg: as.org,
  };
  if (city === null) {
    const level = COUNTRY_LEVEL[countryCode];
    if (level === undefined) throw new Error(`simnet geography: no country-level location for ${countryCode}`);
    return {
      ...base,
      city: null,
      subdivisionCode: null,
      subdivisionName: null,
      latitude: level.latitude,
      longitude: level.longitude,
      accuracyRadiusKm: level.accuracyRadius,
      timeZone: level.timeZone,
    };
  }
  const c = CITIES.get(city);
  if (c === undefined || c.country !== countryCode) throw new Error(`simnet geography: unknown city ${city} in ${countryCode}`);
  return {
    ...base,
    city,
    subdivisionCode: c.subdivision?.iso ?? null,
    subdivisionName: c.subdivision?.name ?? null,
    latitude: c.latitude,
    longitude: c.longitude,
    accuracyRadiusKm: as.kind === "hosting" ? 20 : 50,
    timeZone: c.timeZone,
  };
}

function mustCountry(iso: string): Country {
  const country = COUNTRY_BY_ISO.get(iso);
  if (country === undefined) throw new Error(`simnet geography: unknown country ${iso}`);
  return country;
}

function countryRecord(iso: string): MmdbMap {
  const country = mustCountry(iso);
  return {
    geoname_id: uint32(country.geonameId),
    ...(country.inEu ? { is_in_european_union: true } : {}),
    iso_code: country.iso,
    names: { en: country.name },
  };
}

/** The GeoLite2-City record for a placement (same keys and types as MaxMind's). */
export function cityRecord(p: SitePlacement): MmdbMap {
  const continent = CONTINENTS[p.continentCode];
  if (continent === undefined) throw new Error(`simnet geography: unknown continent ${p.continentCode}`);
  const city = p.city === null ? undefined : CITIES.get(p.city);
  return {
    ...(city === undefined ? {} : { city: { ...(city.geonameId === undefined ? {} : { geoname_id: uint32(city.geonameId) }), names: { en: city.name } } }),
    continent: { code: continent.code, geoname_id: uint32(continent.geonameId), names: { en: continent.name } },
    country: countryRecord(p.countryCode),
    location: {
      accuracy_radius: uint16(p.accuracyRadiusKm),
      latitude: double(p.latitude),
      longitude: double(p.longitude),
      time_zone: p.timeZone,
    },
    registered_country: countryRecord(p.registeredCountryCode),
    ...(p.subdivisionCode === null || p.subdivisionName === null ? {} : { subdivisions: [{ iso_code: p.subdivisionCode, names: { en: p.subdivisionName } }] }),
  };
}

/** The GeoLite2-ASN record for a placement. */
export function asnRecord(p: SitePlacement): MmdbMap {
  return { autonomous_system_number: uint32(p.asn), autonomous_system_organization: p.asOrg };
}
