// Whether a run needs geolocating again: per run, by the database builds recorded in its manifest, so earlier
// runs keep the geography they had until a newer build (or --process-all) asks for a redo.
import type { StageRecord } from "../../pipeline/runs.ts";
import type { GeoDatabase } from "./database.ts";

/** Identity of a database as recorded in the manifest's `geolocate` stage details. */
export interface DbIdentity {
  path: string;
  type: string;
  built_at: string;
}

/** The `details` of the manifest's `geolocate` stage record. */
export interface GeolocateDetails {
  city_db: DbIdentity;
  asn_db: DbIdentity | null;
}

/** A database's identity for the manifest. */
export function identityOf(db: GeoDatabase): DbIdentity {
  return { path: db.path, type: db.type, built_at: db.builtAt.toISOString() };
}

function parseIdentity(v: unknown): DbIdentity | null {
  if (typeof v !== "object" || v === null) return null;
  const r = v as Record<string, unknown>;
  if (typeof r.type !== "string" || typeof r.built_at !== "string" || Number.isNaN(Date.parse(r.built_at))) return null;
  return { path: typeof r.path === "string" ? r.path : "", type: r.type, built_at: r.built_at };
}

/** Redo or skip, with the reason shown to the user. */
export interface Decision {
  readonly redo: boolean;
  readonly reason: string;
}

function compare(label: string, before: DbIdentity | null, now: DbIdentity | null): Decision | null {
  if (now === null) return null; // no database now: keep whatever the run has
  if (before === null) return { redo: true, reason: `${label} database now available` };
  if (before.type !== now.type) return { redo: true, reason: `different ${label} database (${before.type} → ${now.type})` };
  if (Date.parse(now.built_at) > Date.parse(before.built_at)) {
    return { redo: true, reason: `newer ${label} database build (${before.built_at} → ${now.built_at})` };
  }
  return null;
}

/** Decides for one run from its previous `geolocate` stage record, whether geo.parquet exists, and the databases now. */
export function decide(previous: StageRecord | undefined, geoExists: boolean, now: GeolocateDetails, processAll: boolean): Decision {
  if (processAll) return { redo: true, reason: "--process-all" };
  if (previous === undefined) return { redo: true, reason: "not geolocated yet" };
  if (previous.state !== "succeeded") return { redo: true, reason: `previous geolocate ${previous.state}` };
  if (!geoExists) return { redo: true, reason: "geo.parquet is missing" };
  const details = (previous.details ?? {}) as Record<string, unknown>;
  const city = parseIdentity(details.city_db);
  if (city === null) {
    // recorded as null: no database of ours made the current geo (an import: the original fluxture's own lookups)
    const source = typeof details.source === "string" ? `; the current geo: ${details.source}` : "";
    return details.city_db === null
      ? { redo: true, reason: `City database now available${source}` }
      : { redo: true, reason: "previous database builds unknown" };
  }
  const change = compare("City", city, now.city_db) ?? compare("ASN", parseIdentity(details.asn_db), now.asn_db);
  if (change) return change;
  const same = city.built_at === now.city_db.built_at;
  return { redo: false, reason: same ? "already geolocated with these database builds" : "already geolocated with newer database builds" };
}
