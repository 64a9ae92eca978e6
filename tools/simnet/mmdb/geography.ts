// The simnet's geography: deals the simnet's address blocks out over real (country, city, AS) sites in
// the proportions of the real network, and writes simnet-city.mmdb and simnet-asn.mmdb from that deal.
//
// Block-plan contract (for the simnet): pass every address or block whose lookup should succeed —
// normally each peer's own address (bare `127.42.x.y` = /32) and, if dead/advertised-only addresses
// should also be located, a covering `{ base: "127.42.0.0/16", prefixLength: 24 }`. Blocks of each
// prefix length are dealt separately with the full country/AS mix; where blocks overlap, the more
// specific one wins in the databases (a peer's /32 beats its /24). The deal depends only on the set of
// blocks and the seed (not their order). ::1 is not placed unless listed.
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "../../../pipeline/fsutil.ts";
import { COUNTRIES } from "./countries.ts";
import { expandBlocks, apportion, seededRandom, shuffle, type GeoBlockSpec, type PlannedBlock } from "./plan.ts";
import { asnRecord, cityRecord, placementFor, type GeoPlacement, type SitePlacement } from "./records.ts";
import { SITES } from "./sites.ts";
import type { MmdbMap } from "../../../lib/mmdb/values.ts";
import { writeMmdb } from "../../../lib/mmdb/writer.ts";

/** File names the simnet writes into its `--out` folder. */
export const SIMNET_CITY_FILE = "simnet-city.mmdb";
/** File name of the simnet's ASN database. */
export const SIMNET_ASN_FILE = "simnet-asn.mmdb";
/** database_type of the simnet City database (contains "City" and "GeoLite2-City", as readers check). */
export const SIMNET_CITY_TYPE = "Simnet-GeoLite2-City";
/** database_type of the simnet ASN database (contains "ASN"). */
export const SIMNET_ASN_TYPE = "Simnet-GeoLite2-ASN";

/** Input of the geography: the blocks to place, a seed, and the databases' build time. */
export interface SimnetGeoOptions {
  readonly blocks: readonly GeoBlockSpec[];
  readonly seed: number | string;
  /** Unix seconds or a Date; written as the databases' build_epoch (pass a fixed value for reproducible files). */
  readonly buildEpoch: number | bigint | Date;
}

/** Both databases' bytes and the placement of every block (for ground truth). */
export interface SimnetGeoDatabases {
  readonly city: Uint8Array;
  readonly asn: Uint8Array;
  readonly assignment: readonly GeoPlacement[];
}

/** One dealable site with its global weight. */
interface WeightedSite {
  readonly country: string;
  readonly city: string | null;
  readonly asn: number;
  readonly weight: number;
}

/** Every (country, city, AS) site with weight = country share × site weight / the country's site weights. */
export function weightedSites(): readonly WeightedSite[] {
  const out: WeightedSite[] = [];
  for (const country of COUNTRIES) {
    const sites = SITES[country.iso] ?? [];
    const sum = sites.reduce((s, [, , w]) => s + w, 0);
    for (const [city, asn, w] of sites) out.push({ country: country.iso, city, asn, weight: (country.share * w) / sum });
  }
  return out;
}

/** Places every block of the plan (deterministic for the set of blocks and the seed). */
export function assignSimnetGeography(blocks: readonly GeoBlockSpec[], seed: number | string): GeoPlacement[] {
  const planned = expandBlocks(blocks);
  const sites = weightedSites();
  const templates = sites.map((s) => placementFor(s.country, s.city, s.asn));
  const byLength = new Map<number, PlannedBlock[]>();
  for (const b of planned) {
    const group = byLength.get(b.net.prefixLength);
    if (group === undefined) byLength.set(b.net.prefixLength, [b]);
    else group.push(b);
  }
  const out: GeoPlacement[] = [];
  for (const [length, group] of byLength) {
    const counts = apportion(
      group.length,
      sites.map((s) => s.weight),
    );
    const deal: SitePlacement[] = [];
    counts.forEach((n, i) => {
      for (let k = 0; k < n; k++) deal.push(templates[i] as SitePlacement);
    });
    shuffle(deal, seededRandom(seed, `blocks/${length}`));
    group.forEach((b, i) => out.push({ cidr: b.cidr, ...(deal[i] as SitePlacement) }));
  }
  return out;
}

/** Builds the City and ASN databases for a block plan. */
export function buildSimnetGeoDatabases(opts: SimnetGeoOptions): SimnetGeoDatabases {
  const assignment = assignSimnetGeography(opts.blocks, opts.seed);
  // one record object per site, so the encoder recognises repeats by identity instead of by content
  const records = new Map<string, { city: MmdbMap; asn: MmdbMap }>();
  const recordsOf = (p: GeoPlacement) => {
    const key = `${p.countryCode}|${p.city ?? ""}|${p.asn}`;
    let r = records.get(key);
    if (r === undefined) {
      r = { city: cityRecord(p), asn: asnRecord(p) };
      records.set(key, r);
    }
    return r;
  };
  const description = (kind: string) => ({
    en: `Fluxture simnet ${kind}: loopback blocks placed in real cities and ASes (seed ${String(opts.seed)}); synthetic, for tests and demos`,
  });
  const city = writeMmdb({
    databaseType: SIMNET_CITY_TYPE,
    description: description("City database"),
    languages: ["en"],
    buildEpoch: opts.buildEpoch,
    networks: assignment.map((p) => ({ cidr: p.cidr, data: recordsOf(p).city })),
  });
  const asn = writeMmdb({
    databaseType: SIMNET_ASN_TYPE,
    description: description("ASN database"),
    languages: ["en"],
    buildEpoch: opts.buildEpoch,
    networks: assignment.map((p) => ({ cidr: p.cidr, data: recordsOf(p).asn })),
  });
  return { city, asn, assignment };
}

/** Writes `<outDir>/simnet-city.mmdb` and `<outDir>/simnet-asn.mmdb` atomically (creating outDir). */
export async function writeSimnetGeoDatabases(
  outDir: string,
  opts: SimnetGeoOptions,
): Promise<{ cityPath: string; asnPath: string; assignment: readonly GeoPlacement[] }> {
  const built = buildSimnetGeoDatabases(opts);
  await mkdir(outDir, { recursive: true });
  const cityPath = join(outDir, SIMNET_CITY_FILE);
  const asnPath = join(outDir, SIMNET_ASN_FILE);
  await writeFileAtomic(cityPath, built.city);
  await writeFileAtomic(asnPath, built.asn);
  return { cityPath, asnPath, assignment: built.assignment };
}
