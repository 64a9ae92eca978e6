// `fluxture import-fluxture` on a crawl.db built by sqlite3 from the original's schema: every run checked row by
// row, the manifest's provenance, re-import keeping the runs, and one-line errors that write nothing.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync, writeFileSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { quotedString } from "@duckdb/node-api";
import { openDuckDB, queryRows } from "../../pipeline/duckdb.ts";
import { readManifest } from "../../pipeline/manifest.ts";
import { findRun } from "../../pipeline/runs.ts";
import { GEOLOCATE } from "../../pipeline/schema/geo.ts";
import { whyStale } from "../../pipeline/stage.ts";
import { runGeolocate } from "../../stages/geolocate/run.ts";
import { runImport } from "../../stages/import/run.ts";
import { runNodes } from "../../stages/nodes/run.ts";
import { cli } from "../helpers/cli.ts";
import { buildSqlite, FIXTURE_SQL } from "./helpers.ts";

const root = mkdtempSync(join(tmpdir(), "fluxture-import-"));
after(() => rmSync(root, { recursive: true, force: true }));
const crawlDb = buildSqlite(root, "crawl.db");
const CITY = fileURLToPath(new URL("../fixtures/mmdb/GeoLite2-City-Test.mmdb", import.meta.url));
const never = (): never => {
  throw new Error("not run: only asked whether it is stale");
};

async function rows(path: string, sql: (file: string) => string): Promise<Record<string, unknown>[]> {
  const db = await openDuckDB({ threads: 1 });
  try {
    return (await queryRows(db.connection, sql(quotedString(path)))).map((r) => ({ ...r }));
  } finally {
    db.close();
  }
}

const ONION = "ugzmhvhf6ydrqkj2.onion";
const C1 = "2021-01-01T00:00:00.000Z";
const C2 = "2021-02-01T00:00:00.000Z";

test("two crawls in one file become two sealed runs dated by their first reply, checked row by row", async () => {
  const data = join(root, "data");
  const summary = await runImport({ source: crawlDb, dataDir: data });
  assert.deepEqual(
    summary.runs.map((r) => [r.runId, r.crawl, r.startedAt, r.imported]),
    [
      ["20210101T000000Z", 1, C1, true],
      ["20210201T000000Z", 2, C2, true],
    ],
  );
  assert.equal(summary.notes.duplicateNodes, 1);
  assert.equal(summary.notes.hosts, 1);
  assert.equal(summary.notes.otherEvents, 1);
  const [r1, r2] = summary.runs as [(typeof summary.runs)[0], (typeof summary.runs)[0]];

  const visitSql = (f: string) =>
    `select address, port, network_type, source, depth, strftime(attempted_at at time zone 'UTC', '%Y-%m-%dT%H:%M:%S') as at, outcome,
            error_detail is not null as has_detail, protocol_version, user_agent, peer_time, addr_messages, addrs_received
     from read_parquet(${f}) order by address, port`;
  const v1 = await rows(join(r1.runDir, "visits.parquet"), visitSql);
  const V = (
    address: string,
    port: number,
    type: string,
    source: string,
    depth: number,
    at: string,
    outcome: string,
    detail: boolean,
    pv: number | null,
    ua: string | null,
    peerTime: number | null,
    msgs: number,
    entries: number,
  ) => ({
    address,
    port,
    network_type: type,
    source,
    depth,
    at,
    outcome,
    has_detail: detail,
    protocol_version: pv,
    user_agent: ua,
    peer_time: peerTime === null ? null : BigInt(peerTime),
    addr_messages: msgs,
    addrs_received: entries,
  });
  const T0 = "2021-01-01T00:00:00";
  assert.deepEqual(v1, [
    V("1.1.1.1", 8333, "ipv4", "dns_seed", 0, T0, "ok", false, 70016, "/Satoshi:23.0.0/", 1609459205, 1, 6),
    V("11.11.11.11", 8333, "ipv4", "peer", 1, T0, "no_addr_reply", false, 70015, "/Satoshi:0.19.0/", 1609459290, 0, 0),
    V("12.12.12.12", 8333, "ipv4", "peer", 1, T0, "no_addr_reply", false, null, null, null, 0, 0),
    V("15.15.15.15", 8333, "ipv4", "peer", 2, T0, "not_dialed", true, null, null, null, 0, 0),
    V("16.16.16.16", 18333, "ipv4", "peer", 1, T0, "ok", false, null, "/btcd:0.23.3/", 1609459400, 0, 0),
    V("17.17.17.17", 8333, "ipv4", "seed_arg", 0, T0, "not_dialed", true, null, null, null, 0, 0),
    V("2.2.2.2", 8333, "ipv4", "dns_seed", 0, "2021-01-01T00:01:00", "ok", false, 70015, "/Satoshi:0.21.0/", 1609459262, 1, 7),
    V("2001:db8::1", 8333, "ipv6", "peer", 1, "2021-01-01T00:02:00", "ok", false, 70016, "/Satoshi:22.0.0/", 1609459321, 1, 3),
    V("3.3.3.3", 8333, "ipv4", "peer", 1, T0, "connect_failed", true, null, null, null, 0, 0),
    V("4.4.4.4", 8333, "ipv4", "peer", 1, T0, "reset", true, null, null, null, 0, 0),
    V("5.5.5.5", 8333, "ipv4", "peer", 1, T0, "no_addr_reply", false, null, null, null, 0, 0),
    V("6.6.6.6", 8333, "ipv4", "peer", 1, T0, "no_addr_reply", false, null, null, null, 0, 0),
    V("7.7.7.7", 8333, "ipv4", "peer", 1, T0, "connect_failed", true, null, null, null, 0, 0),
    V("8.8.8.8", 8333, "ipv4", "peer", 1, T0, "not_dialed", true, null, null, null, 0, 0),
    V("9.9.9.9", 8333, "ipv4", "peer", 1, T0, "not_dialed", true, null, null, null, 0, 0),
    V(ONION, 8333, "onion_v2", "peer", 2, T0, "not_dialed", true, null, null, null, 0, 0),
  ]);
  const T1 = "2021-02-01T00:00:00";
  assert.deepEqual(await rows(join(r2.runDir, "visits.parquet"), visitSql), [
    V("13.13.13.13", 8333, "ipv4", "dns_seed", 0, T1, "ok", false, 70016, "/Satoshi:25.0.0/", 1612137601, 1, 2),
    V("14.14.14.14", 8333, "ipv4", "peer", 1, T1, "not_dialed", true, null, null, null, 0, 0),
    V("15.15.15.15", 8333, "ipv4", "peer", 1, "2021-02-01T00:00:30", "ok", false, 70016, "/Satoshi:24.0.1/", 1612137631, 1, 2),
    V("18.18.18.18", 8333, "ipv4", "peer", 1, T1, "connect_failed", true, null, null, null, 0, 0),
  ]);

  const addrSql = (f: string) =>
    `select source_address || ' ' || source_port || ' > ' || address || ' ' || port || ' ' || network_type || ' ' || services || ' ' || message ||
            ' ' || coalesce(advertised_at::varchar, '-') || ' ' || in_reply as e
     from read_parquet(${f}) order by all`;
  const edges = async (dir: string) => (await rows(join(dir, "addrs.parquet"), addrSql)).map((r) => String(r.e));
  const e = (s: string, d: string, type = "ipv4") => `${s} 8333 > ${d} 8333 ${type} 0 addr - true`;
  assert.deepEqual(
    await edges(r1.runDir),
    [
      e("1.1.1.1", "2.2.2.2"),
      e("1.1.1.1", "3.3.3.3"),
      e("1.1.1.1", "4.4.4.4"),
      e("1.1.1.1", "5.5.5.5"),
      e("1.1.1.1", "6.6.6.6"),
      e("1.1.1.1", "7.7.7.7"),
      e("2.2.2.2", "1.1.1.1"),
      e("2.2.2.2", "11.11.11.11"),
      e("2.2.2.2", "12.12.12.12"),
      e("2.2.2.2", "2.2.2.2"), // the 6to4 seed advertised its own IPv4-mapped form: one host
      e("2.2.2.2", "2001:db8::1", "ipv6"),
      e("2.2.2.2", "8.8.8.8"),
      e("2.2.2.2", "9.9.9.9"),
      e("2001:db8::1", "1.1.1.1"),
      e("2001:db8::1", "15.15.15.15"),
      e("2001:db8::1", ONION, "onion_v2"),
    ].sort(),
  );
  assert.deepEqual(
    await edges(r2.runDir),
    [e("13.13.13.13", "1.1.1.1"), e("13.13.13.13", "14.14.14.14"), e("15.15.15.15", "1.1.1.1"), e("15.15.15.15", "13.13.13.13")].sort(),
  );

  const geoSql = (f: string) =>
    `select address, status, country_code, continent_code, city, latitude, longitude, strftime(located_at at time zone 'UTC', '%Y-%m-%dT%H:%M:%S') as at
     from read_parquet(${f}) where status = 'located' order by address`;
  assert.deepEqual(await rows(join(r1.runDir, "geo.parquet"), geoSql), [
    {
      address: "1.1.1.1",
      status: "located",
      country_code: "US",
      continent_code: "NA",
      city: "Los Angeles",
      latitude: 34.05,
      longitude: -118.24,
      at: "2021-01-01T00:01:40",
    },
    {
      address: "2.2.2.2",
      status: "located",
      country_code: "FR",
      continent_code: "EU",
      city: "Paris",
      latitude: 48.86,
      longitude: 2.35,
      at: "2021-01-01T00:00:50",
    },
    {
      address: "2001:db8::1",
      status: "located",
      country_code: "NL",
      continent_code: "EU",
      city: "Amsterdam",
      latitude: 52.37,
      longitude: 4.9,
      at: "2021-01-01T00:02:00",
    },
    {
      address: "3.3.3.3",
      status: "located",
      country_code: "GB",
      continent_code: "EU",
      city: null,
      latitude: 51.5,
      longitude: -0.13,
      at: "2021-01-01T00:00:00",
    },
  ]);
  const other = await rows(
    join(r1.runDir, "geo.parquet"),
    (f) => `select status, count(*)::integer as n from read_parquet(${f}) where status <> 'located' group by all order by all`,
  );
  assert.deepEqual(other, [
    { status: "not_found", n: 11 },
    { status: "onion", n: 1 },
  ]);

  const manifest = await readManifest(join(r1.runDir, "manifest.json"));
  assert.equal(manifest.state, "succeeded");
  assert.equal(manifest.started_at, C1);
  const prov = manifest.options.import as Record<string, unknown>;
  assert.equal(prov.source, crawlDb);
  assert.match(String(prov.sha256), /^[0-9a-f]{64}$/);
  assert.deepEqual([prov.crawl, prov.crawls, prov.crawl_gap_s, prov.first_reply_at, prov.last_reply_at], [1, 2, 3600, C1, "2021-01-01T00:02:00.000Z"]);
  assert.deepEqual(manifest.stages.import?.counts, { visits: 16, addrs: 16, geo: 16, located: 4 });
  assert.equal(manifest.stages.geolocate?.state, "succeeded");

  const again = await runImport({ source: crawlDb, dataDir: data });
  assert.deepEqual(
    again.runs.map((r) => [r.runId, r.imported, r.visits, r.located]),
    [
      ["20210101T000000Z", false, 16, 4],
      ["20210201T000000Z", false, 4, 2],
    ],
  );
});

test("a longer --crawl-gap joins the two crawls into one run", async () => {
  const data = join(root, "one-run");
  const summary = await runImport({ source: crawlDb, dataDir: data, crawlGapS: 60 * 86400 });
  assert.equal(summary.runs.length, 1);
  assert.equal(summary.runs[0]!.visits, 19); // 20 node rows, one duplicate form
  assert.equal(summary.runs[0]!.addrs, 20);
});

test("the CLI imports, then every invariant check passes over the imported runs", async () => {
  const data = join(root, "cli");
  const r = await cli(["import-fluxture", crawlDb, "--data", data]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^run 20210101T000000Z \(mainnet\) crawl 1\/2 of .*crawl\.db: 16 visits, 16 addrs, 4 located\n/);
  const checks = await cli(["query", "--checks", "--data", data]);
  assert.equal(checks.status, 0, checks.stdout + checks.stderr);
  const runs = await cli(["runs", "--data", data]);
  assert.equal(runs.status, 0, runs.stderr);
  assert.match(runs.stdout, /20210201T000000Z/);
});

test("corrupt, foreign and missing files: one line, nothing written", async () => {
  const foreign = buildSqlite(root, "foreign.db", "create table foo (x integer); insert into foo values (1);");
  const partial = buildSqlite(
    root,
    "partial.db",
    readFileSync(FIXTURE_SQL, "utf8")
      .replace(/create table hosts[^;]*;/, "")
      .replace(/insert into hosts[^;]*;/, ""),
  );
  const corrupt = join(root, "corrupt.db");
  const bytes = readFileSync(crawlDb);
  for (let i = 4096; i < bytes.length; i++) bytes[i] = (i * 7919) & 0xff; // every page after the first is garbage
  writeFileSync(corrupt, bytes);
  const text = join(root, "notes.txt");
  writeFileSync(text, "fluxture crawl notes\n");
  const cases: [string, RegExp][] = [
    [foreign, /^fluxture: .*foreign\.db: not a fluxture crawl database: no table 'nodes'\n$/],
    [partial, /^fluxture: .*partial\.db: not a fluxture crawl database: no table 'hosts'\n$/],
    [corrupt, /^fluxture: .*corrupt\.db: (corrupt SQLite database|not a fluxture crawl database)[^\n]*\n$/],
    [text, /^fluxture: .*notes\.txt: not an SQLite database \(no SQLite header\), so not a fluxture crawl database\n$/],
    [join(root, "missing.db"), /^fluxture: .*missing\.db: no such file\n$/],
  ];
  for (const [file, expected] of cases) {
    const data = join(root, `bad-${file.split("/").pop()}`);
    const r = await cli(["import-fluxture", file, "--data", data]);
    assert.equal(r.status, 1, `${file}: ${r.stderr}`);
    assert.match(r.stderr, expected);
    assert.equal(existsSync(data), false, `${file}: the data folder was created`);
  }
});

test("an imported run's geo is recorded as geolocate's success with its inputs: a City database redoes it as for a crawl, and nodes follow", async () => {
  const data = join(root, "restage");
  const [first] = (await runImport({ source: crawlDb, dataDir: data })).runs;
  const run = await findRun(data, { run: first!.runId });
  // the record the importer wrote through the stage owner carries the fingerprints runStage would record now
  assert.equal(await whyStale(run, { ...GEOLOCATE, body: never }), null);
  assert.equal((await runGeolocate(run, { dbs: { city: join(root, "no-such-City.mmdb"), asn: join(root, "no-ASN.mmdb") } })).status, "skipped");
  const nodes = await runNodes(run);
  assert.equal(nodes.status, "done");
  assert.equal((await runNodes(nodes.run)).status, "already_done");

  const geo = await runGeolocate(nodes.run, { dbs: { city: CITY, asn: join(root, "no-ASN.mmdb") } });
  assert.deepEqual([geo.status, geo.reason], ["done", "City database now available; the current geo: fluxture locations table (newest row per address)"]);
  assert.equal((await runGeolocate(geo.run, { dbs: { city: CITY, asn: join(root, "no-ASN.mmdb") } })).status, "already_done");
  const again = await runNodes(geo.run);
  assert.deepEqual([again.status, again.reason.replace(/ since .*/, "")], ["done", "geo.parquet changed"]);
});
