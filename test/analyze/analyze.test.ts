import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeSampleRun, tenNodes } from "../helpers/sample-run.ts";
import { fluxture } from "../helpers/cli.ts";
import { acquireLock } from "../../pipeline/lock.ts";

const CITY = join(process.cwd(), "test/fixtures/mmdb/GeoLite2-City-Test.mmdb");
const ASN = join(process.cwd(), "test/fixtures/mmdb/GeoLite2-ASN-Test.mmdb");

test("analyze runs every step once, records them, and the second time finds them done", async () => {
  const data = mkdtempSync(join(tmpdir(), "fluxture-analyze-"));
  const run = await writeSampleRun(data, { nodes: tenNodes(), withGeo: false, withMetrics: false });
  const first = fluxture(["analyze", "--data", data, "--city-db", CITY, "--asn-db", ASN, "--json"]);
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

  const second = fluxture(["analyze", "--data", data, "--city-db", CITY, "--asn-db", ASN, "--json"]);
  assert.equal(second.status, 0, second.stderr);
  const again = (JSON.parse(second.stdout) as { steps: Record<string, { status: string }> }).steps;
  for (const s of ["geolocate", "topology", "removal", "exports", "report", "nodes", "marts"]) assert.equal(again[s]?.status, "already_done", s);

  // geolocating the run again retires its nodes.parquet: the next analyze rebuilds it (and the marts after it)
  const regeo = fluxture(["geolocate", "--data", data, "--city-db", CITY, "--asn-db", ASN, "--process-all"]);
  assert.equal(regeo.status, 0, regeo.stderr);
  const third = fluxture(["analyze", "--data", data, "--city-db", CITY, "--asn-db", ASN, "--json"]);
  assert.equal(third.status, 0, third.stderr);
  const after = (JSON.parse(third.stdout) as { steps: Record<string, { status: string }> }).steps;
  assert.deepEqual([after.geolocate?.status, after.nodes?.status, after.marts?.status], ["already_done", "done", "done"]);
});

test("analyze without a City database skips geolocation with one line and does the rest", async () => {
  const data = mkdtempSync(join(tmpdir(), "fluxture-analyze-nogeo-"));
  const run = await writeSampleRun(data, { nodes: tenNodes(), withGeo: false, withMetrics: false });
  const r = fluxture(["analyze", "--data", data]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^geolocate: skipped — no City database at .*GeoLite2-City\.mmdb: run `fluxture update-geo-db` or pass --city-db$/m);
  assert.match(r.stdout, /^topology: done/m);
  assert.ok(existsSync(join(run.dir, "exports/bitnodes.json")));
  assert.ok(!existsSync(join(run.dir, "exports/nodes.kml")), "no map without coordinates");
});

test("analyze refuses cleanly while another process holds the data folder", async () => {
  const data = mkdtempSync(join(tmpdir(), "fluxture-analyze-lock-"));
  await writeSampleRun(data, { nodes: tenNodes() });
  const lock = await acquireLock(data, "crawl");
  try {
    const r = fluxture(["analyze", "--data", data]);
    assert.equal(r.status, 75);
    assert.match(r.stderr.trim(), /^fluxture: data folder .* is locked by pid \d+ \(crawl\)/);
    assert.equal(r.stderr.trim().split("\n").length, 1);
  } finally {
    await lock.release();
  }
});
