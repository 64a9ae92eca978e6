// The simnet geography: real places and ASes, the real network's country mix, determinism, the block
// plan, and the two databases read back by the maxmind reader and mmdblookup with MaxMind's record shapes.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { test } from "node:test";
import maxmind, { Reader } from "maxmind";
import { CITIES } from "../../tools/simnet/mmdb/cities.ts";
import { COUNTRIES, CONTINENTS } from "../../tools/simnet/mmdb/countries.ts";
import { weightedSites } from "../../tools/simnet/mmdb/geography.ts";
import { ASES, SITES } from "../../tools/simnet/mmdb/sites.ts";
import {
  MmdbWriteError,
  SIMNET_ASN_TYPE,
  SIMNET_CITY_TYPE,
  assignSimnetGeography,
  buildSimnetGeoDatabases,
  writeSimnetGeoDatabases,
  type GeoPlacement,
} from "../../tools/simnet/mmdb/index.ts";
import { allValues, layout, recordAt, walkNetworks, type TypedValue } from "./inspect.ts";

const run = promisify(execFile);
const peers = (n: number, prefix = "127.42") => Array.from({ length: n }, (_, i) => `${prefix}.${Math.floor(i / 254)}.${(i % 254) + 1}`);

test("the tables name real, consistent places: every site's city is in its country, every AS and time zone exists", () => {
  const isos = new Set(COUNTRIES.map((c) => c.iso));
  assert.equal(isos.size, COUNTRIES.length);
  for (const c of COUNTRIES) assert.ok(CONTINENTS[c.continent], c.iso);
  for (const [iso, sites] of Object.entries(SITES)) {
    assert.ok(isos.has(iso), iso);
    for (const [city, asn, weight] of sites) {
      assert.ok(weight > 0);
      assert.ok(ASES.has(asn), `AS${asn}`);
      if (city !== null) assert.equal(CITIES.get(city)?.country, iso, `${city} is in ${iso}`);
    }
  }
  for (const c of COUNTRIES) assert.ok((SITES[c.iso] ?? []).length > 0, `${c.iso} has sites`);
  const ids = new Set<number>();
  for (const city of CITIES.values()) {
    assert.doesNotThrow(() => new Intl.DateTimeFormat("en", { timeZone: city.timeZone }), city.timeZone);
    assert.ok(Math.abs(city.latitude) <= 90 && Math.abs(city.longitude) <= 180, city.name);
    if (city.geonameId !== undefined) {
      assert.ok(!ids.has(city.geonameId), `${city.name}: duplicate geoname id`);
      ids.add(city.geonameId);
    }
  }
  const total = weightedSites().reduce((s, x) => s + x.weight, 0);
  const byAsn = new Map<number, number>();
  for (const s of weightedSites()) byAsn.set(s.asn, (byAsn.get(s.asn) ?? 0) + s.weight / total);
  const top = [...byAsn]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 6)
    .map(([asn]) => asn);
  for (const asn of [24940, 16509, 14061, 16276]) assert.ok(top.includes(asn), `AS${asn} among the largest (${top})`);
});

test("10,000 peers get the real network's country mix: US ~28%, DE ~18%, then FR, NL, CA, GB, FI", () => {
  const assignment = assignSimnetGeography(peers(10_000), 7);
  assert.equal(assignment.length, 10_000);
  const counts = new Map<string, number>();
  for (const p of assignment) counts.set(p.countryCode, (counts.get(p.countryCode) ?? 0) + 1);
  const share = (iso: string) => (counts.get(iso) ?? 0) / 10_000;
  const totalShare = COUNTRIES.reduce((s, c) => s + c.share, 0);
  for (const c of COUNTRIES) assert.ok(Math.abs(share(c.iso) - c.share / totalShare) < 0.003, `${c.iso}: ${share(c.iso)}`);
  assert.ok(share("US") > 0.27 && share("US") < 0.3);
  assert.ok(share("DE") > 0.17 && share("DE") < 0.2);
  const order = [...counts].sort((a, b) => b[1] - a[1]).map(([iso]) => iso);
  assert.deepEqual(order.slice(0, 4), ["US", "DE", "FR", "NL"]);
  const hetzner = assignment.filter((p) => p.asn === 24940);
  assert.ok(hetzner.length > 700, `Hetzner hosts many nodes (${hetzner.length})`);
  assert.ok(new Set(hetzner.map((p) => p.countryCode)).size >= 2, "Hetzner in DE and FI");
  assert.ok(
    assignment.some((p) => p.city === null),
    "a few placements are country-level only, as in GeoLite2",
  );
});

test("placement is deterministic for a seed, independent of block order, and differs between seeds", () => {
  const blocks = [...peers(500), "127.42.9.0/24", "127.42.10.0/24"];
  const a = buildSimnetGeoDatabases({ blocks, seed: "s1", buildEpoch: 1_700_000_000 });
  const b = buildSimnetGeoDatabases({ blocks: [...blocks].reverse(), seed: "s1", buildEpoch: 1_700_000_000 });
  assert.deepEqual(a.city, b.city);
  assert.deepEqual(a.asn, b.asn);
  assert.deepEqual(a.assignment, b.assignment);
  const c = assignSimnetGeography(blocks, "s2");
  assert.notDeepEqual(c, a.assignment);
  const tally = (xs: readonly GeoPlacement[]) =>
    [...xs.reduce((m, p) => m.set(p.countryCode, (m.get(p.countryCode) ?? 0) + 1), new Map<string, number>())].sort();
  assert.deepEqual(tally(c), tally(a.assignment), "same mix, different deal");
});

test("block plan: bare addresses are /32s, a base splits into blocks, a peer's /32 beats its covering /24", () => {
  const assignment = assignSimnetGeography([{ base: "127.42.0.0/16", prefixLength: 24, count: 3 }, "127.42.1.7", "127.42.1.7/32"], 1);
  assert.deepEqual(
    assignment.map((p) => p.cidr),
    ["127.42.0.0/24", "127.42.1.0/24", "127.42.2.0/24", "127.42.1.7/32"],
  );
  assert.equal(assignSimnetGeography([{ base: "127.42.0.0/16", prefixLength: 24 }], 1).length, 256);
  assert.equal(assignSimnetGeography([{ base: "fd00::/64", prefixLength: 126, count: 5 }], 1)[4]?.cidr, "fd00::10/126");
  const db = buildSimnetGeoDatabases({ blocks: [{ base: "127.42.0.0/16", prefixLength: 24 }, ...peers(300)], seed: 3, buildEpoch: 0 });
  const city = new Reader(Buffer.from(db.city));
  for (const p of db.assignment) {
    const ip = p.cidr.endsWith("/32") ? p.cidr.slice(0, -3) : p.cidr.replace(/\.0\/24$/, ".255"); // .255 is never a peer
    const got = city.get(ip) as { country: { iso_code: string }; city?: { names: { en: string } } } | null;
    assert.equal(got?.country.iso_code, p.countryCode, ip);
    assert.equal(got?.city?.names.en ?? null, p.city, ip);
  }
  const errors: [unknown[], string][] = [
    [[{ base: "127.42.0.0/16", prefixLength: 8 }], "bad_option"],
    [[{ base: "127.42.0.0/16", prefixLength: 24, count: 300 }], "bad_option"],
    [[{ base: "127.0.0.0/8", prefixLength: 32 }], "too_large"],
    [["127.42.0.1/24"], "bad_network"],
    [["localhost"], "bad_network"],
  ];
  for (const [blocks, code] of errors) {
    assert.throws(
      () => assignSimnetGeography(blocks as never, 1),
      (e: unknown) => e instanceof MmdbWriteError && e.code === code,
      JSON.stringify(blocks),
    );
  }
});

test("writeSimnetGeoDatabases writes both files atomically; readers see the assignment, ::1 stays unlocated", async () => {
  const dir = await mkdtemp(join(tmpdir(), "fluxture-geo-"));
  try {
    const out = join(dir, "out");
    const blocks = [{ base: "127.42.0.0/22", prefixLength: 24 }, ...peers(600)];
    const { cityPath, asnPath, assignment } = await writeSimnetGeoDatabases(out, { blocks, seed: 42, buildEpoch: new Date("2025-01-02T03:04:05Z") });
    assert.deepEqual((await readdir(out)).sort(), ["simnet-asn.mmdb", "simnet-city.mmdb"]);
    const city = await maxmind.open<Record<string, never>>(cityPath);
    const asn = await maxmind.open<{ autonomous_system_number: number; autonomous_system_organization: string }>(asnPath);
    assert.equal(city.metadata.databaseType, SIMNET_CITY_TYPE);
    assert.ok(city.metadata.databaseType.includes("City") && asn.metadata.databaseType.includes("ASN"));
    assert.equal(asn.metadata.databaseType, SIMNET_ASN_TYPE);
    assert.equal(city.metadata.buildEpoch.toISOString(), "2025-01-02T03:04:05.000Z");
    for (const peer of assignment.filter((p) => p.cidr.endsWith("/32") && p.city !== null).slice(0, 5)) {
      const ip = peer.cidr.slice(0, -3);
      const { stdout } = await run("mmdblookup", ["--file", cityPath, "--ip", ip, "city", "names", "en"]);
      assert.equal(stdout.trim(), `"${peer.city}" <utf8_string>`);
      const tz = await run("mmdblookup", ["--file", cityPath, "--ip", ip, "location", "time_zone"]);
      assert.equal(tz.stdout.trim(), `"${peer.timeZone}" <utf8_string>`);
      const as = await run("mmdblookup", ["--file", asnPath, "--ip", ip, "autonomous_system_number"]);
      assert.equal(as.stdout.trim(), `${peer.asn} <uint32>`);
      assert.deepEqual(asn.get(ip), { autonomous_system_number: peer.asn, autonomous_system_organization: peer.asOrg });
    }
    assert.equal(city.get("::1"), null);
    assert.equal(city.get("127.43.0.1"), null);
    assert.equal(asn.get("127.41.255.255"), null);
    // rewriting replaces both files in place
    await writeSimnetGeoDatabases(out, { blocks, seed: 43, buildEpoch: 0 });
    assert.deepEqual((await readdir(out)).sort(), ["simnet-asn.mmdb", "simnet-city.mmdb"]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

/** Every (path, type) in a typed record, array positions written as []. */
function signature(v: TypedValue, path = ""): Map<string, string> {
  const out = new Map<string, string>([[path || "/", v.type]]);
  if (v.type === "map")
    for (const [k, x] of v.value as [TypedValue, TypedValue][]) for (const [p, t] of signature(x, `${path}/${k.value as string}`)) out.set(p, t);
  if (v.type === "array") for (const x of v.value as TypedValue[]) for (const [p, t] of signature(x, `${path}/[]`)) out.set(p, t);
  return out;
}

/** Union of the signatures of every record in a file. */
function fileSignature(bytes: Uint8Array): Map<string, string> {
  const l = layout(bytes);
  const out = new Map<string, string>();
  for (const record of new Set(walkNetworks(l).map((n) => n.record))) for (const [p, t] of signature(recordAt(l, record))) out.set(p, t);
  return out;
}

test("records have MaxMind's shapes: every field path and MMDB type also occurs in MaxMind's own test databases", () => {
  const db = buildSimnetGeoDatabases({ blocks: peers(3000), seed: 9, buildEpoch: 0 });
  const fixtures = join(import.meta.dirname, "..", "fixtures", "mmdb");
  for (const [ours, theirs] of [
    [db.city, "GeoLite2-City-Test.mmdb"],
    [db.asn, "GeoLite2-ASN-Test.mmdb"],
  ] as const) {
    const reference = fileSignature(readFileSync(join(fixtures, theirs)));
    const mine = fileSignature(ours);
    assert.ok(mine.size >= 3);
    for (const [path, type] of mine) assert.equal(reference.get(path), type, `${path} in ${theirs}`);
  }
  const expectedCityPaths = [
    "/city/geoname_id",
    "/city/names/en",
    "/continent/code",
    "/continent/geoname_id",
    "/country/iso_code",
    "/country/is_in_european_union",
    "/location/accuracy_radius",
    "/location/latitude",
    "/location/longitude",
    "/location/time_zone",
    "/registered_country/iso_code",
    "/subdivisions/[]/iso_code",
    "/subdivisions/[]/names/en",
  ];
  const mine = fileSignature(db.city);
  for (const p of expectedCityPaths) assert.ok(mine.has(p), p);
  const l = layout(db.city);
  const records = [...new Set(walkNetworks(l).map((n) => n.record))];
  const pointers = records.flatMap((r) => allValues(recordAt(l, r))).filter((v) => v.pointerSize !== undefined).length;
  assert.ok(pointers > 0, "repeated country/continent maps are shared through pointers");
});
