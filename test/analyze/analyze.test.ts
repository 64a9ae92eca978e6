import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeSampleRun, tenNodes } from "../helpers/sample-run.ts";
import { cli, fluxture } from "../helpers/cli.ts";
import { quotedString } from "@duckdb/node-api";
import { openDuckDB, queryRows } from "../../pipeline/duckdb.ts";
import { acquireLock } from "../../pipeline/lock.ts";

const CITY = join(process.cwd(), "test/fixtures/mmdb/GeoLite2-City-Test.mmdb");
const ASN = join(process.cwd(), "test/fixtures/mmdb/GeoLite2-ASN-Test.mmdb");

test("analyze runs every step once, records them, and the second time finds them done", async () => {
  const data = mkdtempSync(join(tmpdir(), "fluxture-analyze-"));
  const run = await writeSampleRun(data, { nodes: tenNodes(), withGeo: false, withMetrics: false });
  const first = await cli(["analyze", "--data", data, "--city-db", CITY, "--asn-db", ASN, "--json"]);
  assert.equal(first.status, 0, first.stderr);
  const steps = (JSON.parse(first.stdout) as { steps: Record<string, { status: string }> }).steps;
  assert.deepEqual(Object.keys(steps), ["geolocate", "topology", "removal", "exports", "report", "nodes", "marts", "checks"]);
  for (const [name, r] of Object.entries(steps)) assert.equal(r.status, "done", name);
  for (const f of [
    "geo.parquet",
    "node_metrics.parquet",
    "nodes.parquet",
    "exports/nodes.kml",
    "exports/bitnodes.json",
    "exports/report.html",
    "exports/marts/concentration.csv",
    "exports/removal.csv",
  ]) {
    assert.ok(existsSync(join(run.dir, f)), f);
  }
  const manifest = JSON.parse(readFileSync(join(run.dir, "manifest.json"), "utf8")) as { stages: Record<string, { state: string }> };
  for (const s of ["geolocate", "topology", "removal", "exports", "report", "nodes", "marts"]) assert.equal(manifest.stages[s]?.state, "succeeded", s);

  const second = await cli(["analyze", "--data", data, "--city-db", CITY, "--asn-db", ASN, "--json"]);
  assert.equal(second.status, 0, second.stderr);
  const again = (JSON.parse(second.stdout) as { steps: Record<string, { status: string }> }).steps;
  for (const s of ["geolocate", "topology", "removal", "exports", "report", "nodes", "marts", "checks"]) assert.equal(again[s]?.status, "already_done", s);

  // geolocating the run again makes everything built from geo stale: the next analyze rebuilds it
  const regeo = await cli(["geolocate", "--data", data, "--city-db", CITY, "--asn-db", ASN, "--process-all"]);
  assert.equal(regeo.status, 0, regeo.stderr);
  const third = await cli(["analyze", "--data", data, "--city-db", CITY, "--asn-db", ASN, "--json"]);
  assert.equal(third.status, 0, third.stderr);
  const after = (JSON.parse(third.stdout) as { steps: Record<string, { status: string }> }).steps;
  assert.deepEqual(
    Object.entries(after).map(([name, r]) => [name, r.status]),
    [
      ["geolocate", "already_done"],
      ["topology", "already_done"],
      ["removal", "done"],
      ["exports", "done"],
      ["report", "done"],
      ["nodes", "done"],
      ["marts", "done"],
      ["checks", "done"],
    ],
  );
});

test("analyze without a City database skips geolocation with one line and does the rest", async () => {
  const data = mkdtempSync(join(tmpdir(), "fluxture-analyze-nogeo-"));
  const run = await writeSampleRun(data, { nodes: tenNodes(), withGeo: false, withMetrics: false });
  const r = await cli(["analyze", "--data", data]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^geolocate: skipped — no City database at .*GeoLite2-City\.mmdb: run `fluxture update-geo-db` or pass --city-db$/m);
  assert.match(r.stdout, /^topology: done/m);
  // each step printed once, on stdout, and no per-measure topology timings anywhere
  const printed = r.stdout
    .trim()
    .split("\n")
    .map((l) => l.split(":")[0]);
  assert.equal(new Set(printed).size, printed.length, r.stdout);
  for (const step of ["geolocate", "topology", "exports", "report", "nodes", "marts", "checks"]) assert.ok(printed.includes(step), step);
  assert.doesNotMatch(r.stderr, /analyze \d+T\d+Z: |topology: \w+ \d+ ms/);
  const quiet = await cli(["analyze", "--data", data, "--quiet"]);
  assert.equal(quiet.status, 0, quiet.stderr);
  assert.equal(quiet.stdout + quiet.stderr, "", "--quiet prints only errors");
  assert.ok(existsSync(join(run.dir, "exports/bitnodes.json")));
  assert.ok(!existsSync(join(run.dir, "exports/nodes.kml")), "no map without coordinates");
});

test("analyze refuses cleanly while another process holds the data folder", async () => {
  const data = mkdtempSync(join(tmpdir(), "fluxture-analyze-lock-"));
  await writeSampleRun(data, { nodes: tenNodes() });
  const lock = await acquireLock(data, "crawl");
  try {
    const r = fluxture(["analyze", "--data", data]); // a real process: the lock names another live pid
    assert.equal(r.status, 75);
    assert.match(r.stderr.trim(), /^fluxture: data folder .* is locked by pid \d+ \(crawl\)/);
    assert.equal(r.stderr.trim().split("\n").length, 1);
  } finally {
    await lock.release();
  }
});

/** The ASNs geo.parquet holds for the run's addresses. */
async function geoAsns(runDir: string): Promise<number[]> {
  const db = await openDuckDB();
  try {
    const rows = await queryRows(
      db.connection,
      `select distinct asn from read_parquet(${quotedString(join(runDir, "geo.parquet"))}) where asn is not null order by 1`,
    );
    return rows.map((r) => Number(r.asn));
  } finally {
    db.close();
  }
}

test("re-geolocating a run, then analyze, refreshes every export built from geo (nodes.csv, maps, report)", async () => {
  const data = mkdtempSync(join(tmpdir(), "fluxture-analyze-regeo-"));
  // public addresses the MaxMind test databases know (Linköping/Bredband2, London, Milton, an AS1221 block)
  const nodes = tenNodes().map((n, i) => ({ ...n, address: ["89.160.20.112", "81.2.69.142", "216.160.83.56", "1.128.0.1"][i] ?? n.address }));
  const run = await writeSampleRun(data, { nodes, withGeo: false, withMetrics: false });
  const noAsn = join(data, "no-such-asn.mmdb");
  const first = await cli(["analyze", "--data", data, "--city-db", CITY, "--asn-db", noAsn]);
  assert.equal(first.status, 0, first.stderr);
  assert.deepEqual(await geoAsns(run.dir), [], "geolocated without an ASN database");
  const csvBefore = readFileSync(join(run.dir, "exports/nodes.csv"), "utf8");

  // the ASN database arrives: a standalone geolocate redoes the run, and only that
  const regeo = await cli(["geolocate", "--data", data, "--city-db", CITY, "--asn-db", ASN]);
  assert.equal(regeo.status, 0, regeo.stderr);
  const asns = await geoAsns(run.dir);
  assert.ok(asns.length > 0, "the ASN test database locates some of the sample addresses");

  const second = await cli(["analyze", "--data", data, "--city-db", CITY, "--asn-db", ASN, "--json"]);
  assert.equal(second.status, 0, second.stderr);
  const steps = (JSON.parse(second.stdout) as { steps: Record<string, { status: string }> }).steps;
  for (const s of ["exports", "report", "nodes", "marts"]) assert.equal(steps[s]?.status, "done", s);
  const csv = readFileSync(join(run.dir, "exports/nodes.csv"), "utf8");
  assert.notEqual(csv, csvBefore);
  for (const asn of asns) assert.ok(csv.includes(String(asn)), `nodes.csv shows AS${asn}`);
  const html = readFileSync(join(run.dir, "exports/report.html"), "utf8");
  assert.ok(
    asns.some((asn) => html.includes(`AS${asn}`)),
    "report.html shows the new ASes",
  );
});

test("topology re-run alone makes analyze redo what reads node_metrics; another seed is redone with analyze's", async () => {
  const data = mkdtempSync(join(tmpdir(), "fluxture-analyze-topo-"));
  const run = await writeSampleRun(data, { nodes: tenNodes(), withGeo: false, withMetrics: false });
  assert.equal((await cli(["analyze", "--data", data])).status, 0);
  const topo = await cli(["topology", "--data", data, "--seed", "7"]);
  assert.equal(topo.status, 0, topo.stderr);
  const manifest = JSON.parse(readFileSync(join(run.dir, "manifest.json"), "utf8")) as { stages: Record<string, { details?: { seed?: number } }> };
  assert.equal(manifest.stages.topology?.details?.seed, 7);
  const again = await cli(["analyze", "--data", data, "--json"]);
  assert.equal(again.status, 0, again.stderr);
  const steps = (JSON.parse(again.stdout) as { steps: Record<string, { status: string; detail: string }> }).steps;
  assert.equal(steps.topology?.status, "done", "seed 7 is not analyze's seed: node_metrics is recomputed");
  assert.equal(steps.exports?.status, "done");
  assert.equal(steps.report?.status, "done");
});

test("analyze --force STEP redoes that step and what depends on it; --force redoes all; an unknown step is a usage error", async () => {
  const data = mkdtempSync(join(tmpdir(), "fluxture-analyze-force-"));
  await writeSampleRun(data, { nodes: tenNodes(), withGeo: false, withMetrics: false });
  assert.equal((await cli(["analyze", "--data", data])).status, 0);
  const statuses = async (...args: string[]) => {
    const r = await cli(["analyze", "--data", data, "--json", ...args]);
    assert.equal(r.status, 0, r.stderr);
    return Object.fromEntries(Object.entries((JSON.parse(r.stdout) as { steps: Record<string, { status: string }> }).steps).map(([k, v]) => [k, v.status]));
  };
  assert.deepEqual(await statuses("--force", "exports"), {
    geolocate: "skipped",
    topology: "already_done",
    removal: "skipped",
    exports: "done",
    report: "already_done",
    nodes: "already_done",
    marts: "already_done",
    checks: "already_done",
  });
  const all = await statuses("--force");
  for (const s of ["topology", "exports", "report", "nodes", "marts", "checks"]) assert.equal(all[s], "done", s);
  const bad = await cli(["analyze", "--data", data, "--force", "nope"]);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /^fluxture: --force: unknown step 'nope' \(expected one of geolocate, topology, removal, exports, report, nodes, marts, checks\)$/m);
});
