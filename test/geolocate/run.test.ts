// A run end to end through the stage API: visits/addrs Parquet written by the pipeline → geolocate → geo.parquet
// read back with DuckDB; then the re-analysis rules (skip, --process-all, newer build, ASN added) and --all.
import { test } from "node:test";
import assert from "node:assert/strict";
import { copyFile, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { readManifest } from "../../pipeline/manifest.ts";
import { GEO } from "../../pipeline/schema/geo.ts";
import { openGeoDatabase } from "../../stages/geolocate/database.ts";
import { GEO_STATUSES, Locator } from "../../stages/geolocate/locate.ts";
import { geolocate } from "../../stages/geolocate/run.ts";
import { buildMmdb, type MmdbNetwork } from "../../lib/mmdb/writer.ts";
import { double, uint16 } from "../../lib/mmdb/values.ts";
import { FIXTURES, parquetColumns, readParquetRows, tempDir, writeRun, type TestAddress } from "./helpers.ts";

const ONION = "pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd.onion";
const LONDON: TestAddress = { address: "81.2.69.142", networkType: "ipv4" };
const TELSTRA: TestAddress = { address: "1.128.0.1", networkType: "ipv4" };
const NOWHERE: TestAddress = { address: "1.1.1.1", networkType: "ipv4" };

/** The addresses of the sample run; indexes matter for advertisedBy. */
const ADDRESSES: readonly TestAddress[] = [
  { address: "81.2.69.142", networkType: "ipv4", advertisedBy: 7 }, // 0 London: visited and advertised
  { address: "89.160.20.112", networkType: "ipv4", visited: false, advertisedBy: 0 }, // 1 Linköping: only advertised
  { address: "175.16.199.9", networkType: "ipv4", visited: false }, // 2 Changchun: only a source address
  { address: "2001:218::1", networkType: "ipv6", visited: false, advertisedBy: 2 }, // 3 Japan, IPv6
  { address: ONION, networkType: "onion_v3", advertisedBy: 0 }, // 4
  { address: "10.0.0.1", networkType: "ipv4", visited: false, advertisedBy: 0 }, // 5 private
  { address: "1.128.0.1", networkType: "ipv4" }, // 6 ASN only
  { address: "1.1.1.1", networkType: "ipv4" }, // 7 in neither
  { address: "127.0.0.1", networkType: "ipv4" }, // 8 loopback, no record
  { address: "fc32:17ea:e415:c3bf:9808:149d:b5a2:c9aa", networkType: "cjdns", visited: false, advertisedBy: 6 }, // 9
];

/** Rewrites the metadata build_epoch of a MaxMind DB (a uint64 after the "build_epoch" key) to `epochS`. */
async function withBuildEpoch(src: string, dest: string, epochS: number): Promise<void> {
  const bytes = Buffer.from(await readFile(src));
  const marker = Buffer.from("\xab\xcd\xefMaxMind.com", "latin1");
  const metaStart = bytes.lastIndexOf(marker);
  const key = Buffer.concat([Buffer.from([0x40 | 11]), Buffer.from("build_epoch")]);
  const at = bytes.indexOf(key, metaStart) + key.length;
  assert.ok(metaStart > 0 && at > key.length, "build_epoch key not found");
  const size = bytes[at]! & 0x1f;
  assert.equal(bytes[at]! >> 5, 0, "extended type expected");
  assert.equal(bytes[at + 1], 9 - 7, "uint64 expected");
  assert.ok(epochS < 2 ** (8 * size), "new epoch must fit the same size");
  bytes.writeUIntBE(epochS, at + 2, size);
  await writeFile(dest, bytes);
}

test("a run end to end: every distinct address of visits and addrs, each looked up once, into geo.parquet", async (t) => {
  const tmp = await tempDir("georun");
  t.after(tmp.cleanup);
  const run = await writeRun(tmp.dir, ADDRESSES);
  const summary = await geolocate({ dataDir: tmp.dir, cityDb: FIXTURES.city, asnDb: FIXTURES.asn });
  assert.equal(summary.runs.length, 1);
  const result = summary.runs[0]!;
  assert.equal(result.action, "geolocated");
  assert.equal(result.run_id, run.id);
  assert.deepEqual(result.counts, { addresses: 10, located: 5, not_found: 1, private: 1, reserved: 0, loopback: 1, onion: 1, i2p: 0, cjdns: 1, invalid: 0 });

  const geoPath = join(run.dir, GEO.file);
  assert.deepEqual(
    await parquetColumns(geoPath),
    GEO.columns.map((c) => ({ name: c.name, type: c.type === "TIMESTAMPTZ" ? "TIMESTAMP WITH TIME ZONE" : c.type })),
  );
  const rows = await readParquetRows(geoPath);
  assert.equal(rows.length, 10);
  const by = new Map(rows.map((r) => [String(r.address), r]));
  const london = by.get("81.2.69.142")!;
  assert.equal(london.status, "located");
  assert.equal(london.country_code, "GB");
  assert.equal(london.continent_code, "EU");
  assert.equal(london.city, "London");
  assert.equal(london.subdivision, "England");
  assert.equal(london.latitude, 51.5142);
  assert.equal(london.longitude, -0.0931);
  assert.equal(london.accuracy_radius_km, 10);
  assert.equal(london.time_zone, "Europe/London");
  assert.equal(london.asn, null);
  assert.equal((london.city_db_built_at as Date).toISOString(), "2026-02-04T22:49:29.000Z");
  assert.equal((london.asn_db_built_at as Date).toISOString(), "2026-02-04T22:49:29.000Z");
  assert.ok(Math.abs((london.located_at as Date).getTime() - Date.now()) < 120_000);
  assert.equal(by.get("89.160.20.112")!.city, "Linköping");
  assert.equal(by.get("89.160.20.112")!.asn, 29518);
  assert.equal(by.get("89.160.20.112")!.as_org, "Bredband2 AB");
  assert.equal(by.get("175.16.199.9")!.city, "Changchun");
  assert.equal(by.get("2001:218::1")!.country_code, "JP");
  assert.equal(by.get("1.128.0.1")!.asn, 1221);
  assert.equal(by.get("1.128.0.1")!.country_code, null);
  for (const [address, status] of [
    [ONION, "onion"],
    ["10.0.0.1", "private"],
    ["1.1.1.1", "not_found"],
    ["127.0.0.1", "loopback"],
    ["fc32:17ea:e415:c3bf:9808:149d:b5a2:c9aa", "cjdns"],
  ] as const) {
    const r = by.get(address)!;
    assert.equal(r.status, status, address);
    for (const c of ["country_code", "city", "latitude", "longitude", "asn", "as_org"]) assert.equal(r[c], null, `${address} ${c}`);
  }

  const manifest = await readManifest(join(run.dir, "manifest.json"));
  assert.equal(manifest.state, "succeeded"); // the run's own state is untouched
  const stage = manifest.stages.geolocate!;
  assert.equal(stage.state, "succeeded");
  assert.equal(stage.counts?.addresses, 10);
  assert.deepEqual(stage.details, {
    city_db: { path: FIXTURES.city, type: "GeoLite2-City", built_at: "2026-02-04T22:49:29.000Z" },
    asn_db: { path: FIXTURES.asn, type: "GeoLite2-ASN", built_at: "2026-02-04T22:49:29.000Z" },
  });
  assert.deepEqual(
    (await readdir(run.dir)).filter((f) => f.includes(".tmp")),
    [],
  );
});

test("re-analysis: same builds skip, --process-all redoes, a newer build redoes, an older one does not", async (t) => {
  const tmp = await tempDir("georeanalysis");
  t.after(tmp.cleanup);
  const run = await writeRun(tmp.dir, ADDRESSES);
  const geoPath = join(run.dir, GEO.file);
  const opts = { dataDir: tmp.dir, cityDb: FIXTURES.city, asnDb: FIXTURES.asn };
  assert.equal((await geolocate(opts)).runs[0]!.action, "geolocated");
  const first = await stat(geoPath);
  const firstBytes = await readFile(geoPath);

  const again = (await geolocate(opts)).runs[0]!;
  assert.equal(again.action, "skipped");
  assert.match(again.reason, /already geolocated with these database builds/);
  assert.equal((await stat(geoPath)).mtimeMs, first.mtimeMs);
  assert.deepEqual(await readFile(geoPath), firstBytes);

  const forced = (await geolocate({ ...opts, processAll: true })).runs[0]!;
  assert.equal(forced.action, "geolocated");
  assert.equal(forced.reason, "--process-all");
  assert.notEqual((await stat(geoPath)).mtimeMs, first.mtimeMs);

  const newer = join(tmp.dir, "newer-city.mmdb");
  await withBuildEpoch(FIXTURES.city, newer, Date.parse("2026-03-01T00:00:00Z") / 1000);
  const redo = (await geolocate({ ...opts, cityDb: newer })).runs[0]!;
  assert.equal(redo.action, "geolocated");
  assert.match(redo.reason, /newer City database build \(2026-02-04T22:49:29.000Z → 2026-03-01T00:00:00.000Z\)/);
  const rows = await readParquetRows(geoPath);
  assert.equal((rows[0]!.city_db_built_at as Date).toISOString(), "2026-03-01T00:00:00.000Z");
  assert.equal((await geolocate({ ...opts, cityDb: newer })).runs[0]!.action, "skipped");

  const older = (await geolocate(opts)).runs[0]!; // the original, older build: the run keeps its newer geography
  assert.equal(older.action, "skipped");
  assert.match(older.reason, /newer database builds/);
  const manifest = await readManifest(join(run.dir, "manifest.json"));
  assert.equal((manifest.stages.geolocate!.details as { city_db: { path: string } }).city_db.path, newer);
});

test("an ASN database that appears later redoes the run; a missing one leaves asn null", async (t) => {
  const tmp = await tempDir("geoasn");
  t.after(tmp.cleanup);
  const run = await writeRun(tmp.dir, ADDRESSES);
  const noAsn = await geolocate({ dataDir: tmp.dir, cityDb: FIXTURES.city, asnDb: join(tmp.dir, "absent-asn.mmdb") });
  assert.equal(noAsn.asn_db, null);
  let rows = await readParquetRows(join(run.dir, GEO.file));
  assert.ok(rows.every((r) => r.asn === null && r.as_org === null && r.asn_db_built_at === null));
  assert.equal(rows.find((r) => r.address === "1.128.0.1")!.status, "not_found"); // ASN-only address, no ASN database
  const withAsn = (await geolocate({ dataDir: tmp.dir, cityDb: FIXTURES.city, asnDb: FIXTURES.asn })).runs[0]!;
  assert.equal(withAsn.action, "geolocated");
  assert.equal(withAsn.reason, "ASN database now available");
  rows = await readParquetRows(join(run.dir, GEO.file));
  assert.equal(rows.find((r) => r.address === "1.128.0.1")!.asn, 1221);
});

test("--all geolocates every succeeded run and leaves failed and running ones alone; --run picks one", async (t) => {
  const tmp = await tempDir("geoall");
  t.after(tmp.cleanup);
  const a = await writeRun(tmp.dir, [LONDON, { ...TELSTRA, advertisedBy: 0 }], "simnet");
  const b = await writeRun(tmp.dir, [TELSTRA, NOWHERE], "regtest");
  const failed = await writeRun(tmp.dir, [LONDON], "simnet", "failed");
  const running = await writeRun(tmp.dir, [LONDON], "simnet", "running");
  const summary = await geolocate({ dataDir: tmp.dir, all: true, cityDb: FIXTURES.city, asnDb: FIXTURES.asn });
  assert.deepEqual(
    summary.runs.map((r) => [r.run_id, r.action]).sort(),
    [
      [a.id, "geolocated"],
      [b.id, "geolocated"],
    ].sort(),
  );
  for (const r of [failed, running]) await assert.rejects(stat(join(r.dir, GEO.file)), { code: "ENOENT" });
  assert.equal((await readParquetRows(join(b.dir, GEO.file))).length, 2);
  // only regtest with --network
  const narrowed = await geolocate({ dataDir: tmp.dir, all: true, network: "regtest", cityDb: FIXTURES.city, asnDb: FIXTURES.asn, processAll: true });
  assert.deepEqual(
    narrowed.runs.map((r) => r.run_id),
    [b.id],
  );
  // an explicit --run may name a failed run (its files are there)
  const one = await geolocate({ dataDir: tmp.dir, run: failed.id, cityDb: FIXTURES.city, asnDb: FIXTURES.asn });
  assert.equal(one.runs[0]!.action, "geolocated");
  await assert.rejects(geolocate({ dataDir: tmp.dir, run: a.id, all: true, cityDb: FIXTURES.city }), /--run and --all exclude each other/);
});

test("the default run is the newest succeeded one, and the default databases live under <data>/geo", async (t) => {
  const tmp = await tempDir("geodefault");
  t.after(tmp.cleanup);
  const older = await writeRun(tmp.dir, [LONDON]);
  const newer = await writeRun(tmp.dir, [TELSTRA]);
  await writeRun(tmp.dir, [LONDON], "simnet", "failed"); // newest of all, but not succeeded
  const { mkdir } = await import("node:fs/promises");
  await mkdir(join(tmp.dir, "geo"));
  await copyFile(FIXTURES.city, join(tmp.dir, "geo", "GeoLite2-City.mmdb"));
  await copyFile(FIXTURES.asn, join(tmp.dir, "geo", "GeoLite2-ASN.mmdb"));
  const summary = await geolocate({ dataDir: tmp.dir });
  assert.deepEqual(
    summary.runs.map((r) => r.run_id),
    [newer.id],
  );
  assert.equal(summary.city_db.path, join(tmp.dir, "geo", "GeoLite2-City.mmdb"));
  assert.equal(summary.asn_db?.type, "GeoLite2-ASN");
  await assert.rejects(stat(join(older.dir, GEO.file)), { code: "ENOENT" });
});

test("a run with no addresses gets an empty geo.parquet; a run folder without visits or addrs is a clear error", async (t) => {
  const tmp = await tempDir("geoempty");
  t.after(tmp.cleanup);
  const empty = await writeRun(tmp.dir, []);
  const r = (await geolocate({ dataDir: tmp.dir, cityDb: FIXTURES.city, asnDb: FIXTURES.asn })).runs[0]!;
  assert.equal(r.counts.addresses, 0);
  assert.equal((await readParquetRows(join(empty.dir, GEO.file))).length, 0);
  assert.equal((await parquetColumns(join(empty.dir, GEO.file))).length, GEO.columns.length);
  const { rm } = await import("node:fs/promises");
  await rm(join(empty.dir, "visits.parquet"));
  await rm(join(empty.dir, "addrs.parquet"));
  await assert.rejects(
    geolocate({ dataDir: tmp.dir, cityDb: FIXTURES.city, asnDb: FIXTURES.asn, processAll: true }),
    /has neither visits.parquet nor addrs.parquet/,
  );
  const manifest = await readManifest(join(empty.dir, "manifest.json"));
  assert.equal(manifest.stages.geolocate!.state, "failed");
  assert.equal((await readParquetRows(join(empty.dir, GEO.file))).length, 0); // the earlier geo.parquet is still there
});

test("tens of thousands of addresses: every geo.parquet row holds what locate gives its own address", async (t) => {
  const tmp = await tempDir("georun-many");
  t.after(tmp.cleanup);
  let seed = 5;
  const rand = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 2 ** 32;
  };
  const v4 = (n: number) => `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
  const networks: MmdbNetwork[] = [];
  const bases: number[] = [];
  for (let i = 0; i < 3000; i++) {
    const base = ((11 + Math.floor(rand() * 200)) * 2 ** 24 + Math.floor(rand() * 2 ** 16) * 256) >>> 0;
    networks.push({
      cidr: `${v4(base)}/24`,
      data: { city: { names: { en: `Town ${i}` } }, location: { accuracy_radius: uint16(i % 999), latitude: double(i / 100), longitude: double(-i / 50) } },
    });
    bases.push(base);
  }
  for (let i = 0; i < 300; i++)
    networks.push({ cidr: `2a0${i % 10}:${(i * 37).toString(16)}::/32`, data: { city: { names: { en: `V6 ${i}` } }, location: {} } });
  const cityPath = join(tmp.dir, "many-city.mmdb");
  await writeFile(cityPath, buildMmdb({ databaseType: "GeoLite2-City", buildEpoch: 1, networks }).bytes);
  const addresses: TestAddress[] = [];
  const seen = new Set<string>();
  while (addresses.length < 30_000) {
    const r = rand();
    const address =
      r < 0.8
        ? v4((bases[Math.floor(rand() * bases.length)]! + Math.floor(rand() * 256)) >>> 0)
        : r < 0.9
          ? `2a0${Math.floor(rand() * 10)}:${(Math.floor(rand() * 300) * 37).toString(16)}::${Math.floor(rand() * 0xffff).toString(16)}`
          : r < 0.95
            ? v4(Math.floor(rand() * 2 ** 32))
            : `${Math.floor(rand() * 1e12).toString(36)}.onion`;
    if (seen.has(address)) continue;
    seen.add(address);
    const networkType = address.endsWith(".onion") ? "onion_v3" : address.includes(":") ? "ipv6" : "ipv4";
    // every tenth address only advertised, so both halves of the staging are exercised
    addresses.push(addresses.length % 10 === 9 ? { address, networkType, visited: false, advertisedBy: 0 } : { address, networkType });
  }
  const run = await writeRun(tmp.dir, addresses);
  await geolocate({ dataDir: tmp.dir, cityDb: cityPath, asnDb: FIXTURES.asn });
  const rows = await readParquetRows(join(run.dir, GEO.file));
  assert.equal(rows.length, addresses.length);
  const reference = new Locator(await openGeoDatabase(cityPath, "city"), await openGeoDatabase(FIXTURES.asn, "asn"));
  const types = new Map(addresses.map((a) => [a.address, a.networkType]));
  let located = 0;
  for (const row of rows) {
    const address = String(row.address);
    const status = GEO_STATUSES[reference.locate(address, types.get(address)!)];
    const city = reference.cityId >= 0 ? reference.cityRecords[reference.cityId]! : null;
    const got = { status: row.status, city: row.city, latitude: row.latitude, accuracy: row.accuracy_radius_km, asn: row.asn };
    assert.deepEqual(
      got,
      {
        status,
        city: city?.city ?? null,
        latitude: city?.latitude ?? null,
        accuracy: city?.accuracy_radius_km ?? null,
        asn: reference.asnId >= 0 ? reference.asnRecords[reference.asnId]!.asn : null,
      },
      address,
    );
    if (status === "located") located++;
  }
  assert.ok(located > 20_000, `only ${located} located`);
});
