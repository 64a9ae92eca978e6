import { test, before } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeSampleRun, tenNodes } from "../helpers/sample-run.ts";
import { cli } from "../helpers/cli.ts";
import { quotedString } from "@duckdb/node-api";
import { openDuckDB, queryRows } from "../../pipeline/duckdb.ts";
import { assertWellFormedXml, ogrFileLayerCounts, ogrLayerCounts } from "./readers.ts";

const data = mkdtempSync(join(tmpdir(), "fluxture-export-"));
let runId = "";
let runDir = "";

before(async () => {
  const run = await writeSampleRun(data, { nodes: tenNodes() });
  runId = run.id;
  runDir = run.dir;
});

test("fluxture kml writes a KML that GDAL opens: every located node, and arcs summing the edges between cities", async () => {
  const out = join(data, "nodes.kml");
  const r = await cli(["kml", "--data", data, out]);
  assert.equal(r.status, 0, r.stderr);
  const kml = readFileSync(out, "utf8");
  assertWellFormedXml(kml);
  const counts = ogrLayerCounts(kml, "kml");
  // 8 located nodes (7 reachable + 1 timeout); 14 edges, 13 join located nodes (one goes to the onion), 2 of those
  // inside Falkenstein; the other 11 make 8 city pairs (Falkenstein → Ashburn three times, Ashburn → Falkenstein twice)
  assert.equal(counts.get("Nodes (8)"), 8);
  assert.equal(counts.get("Edges between cities (8)"), 8);
  assert.match(kml, /<name>Falkenstein, DE → Ashburn, US \(3\)<\/name><styleUrl>#edge-5<\/styleUrl>/);
  assert.ok(kml.includes("/Evil&lt;b&gt;&amp;&quot;&apos;/"));
  const all = await cli(["kml", "--data", data, "--edges", "all", "-"]);
  assert.equal(all.status, 0, all.stderr);
  assert.equal(ogrLayerCounts(all.stdout, "kml").get("Edges (13)"), 13);
});

test("fluxture kml --kmz writes a zipped KML that GDAL opens with the same layers", async () => {
  const out = join(data, "nodes.kmz");
  const r = await cli(["kml", "--data", data, "--kmz", out]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(readFileSync(out).subarray(0, 4).toString("latin1"), "PK\u0003\u0004", "a zip archive");
  const counts = ogrFileLayerCounts(out);
  assert.equal(counts.get("Nodes (8)"), 8);
  assert.equal(counts.get("Edges between cities (8)"), 8);
});

test("fluxture kml --group-by country --no-edges writes one placemark per country to stdout", async () => {
  const r = await cli(["kml", "--data", data, "--run", runId, "--group-by", "country", "--no-edges", "-"]);
  assert.equal(r.status, 0, r.stderr);
  const counts = ogrLayerCounts(r.stdout, "kml");
  assert.equal(counts.get("Nodes (5)"), 5);
  assert.equal(counts.size, 1);
});

test("fluxture geojson's points equal geo.parquet bit for bit, per node and per city", async () => {
  const db = await openDuckDB();
  try {
    const geo = join(runDir, "geo.parquet");
    const rows = await queryRows(db.connection, `select address, latitude, longitude from read_parquet(${quotedString(geo)}) where latitude is not null`);
    const want = new Map(rows.map((r) => [String(r.address), [Number(r.longitude), Number(r.latitude)]]));
    const r = await cli(["geojson", "--data", data, "--edges", "none", "-"]);
    assert.equal(r.status, 0, r.stderr);
    const fc = JSON.parse(r.stdout) as { features: { geometry: { coordinates: number[] }; properties: { address: string } }[] };
    assert.equal(fc.features.length, 8);
    for (const f of fc.features) {
      const [lon, lat] = want.get(f.properties.address)!;
      assert.ok(Object.is(f.geometry.coordinates[0], lon) && Object.is(f.geometry.coordinates[1], lat), `${f.properties.address}`);
    }
    const byCity = await cli(["geojson", "--data", data, "--group-by", "city", "--edges", "none", "-"]);
    const places = new Set([...want.values()].map((p) => p.join(",")));
    for (const f of (JSON.parse(byCity.stdout) as typeof fc).features) assert.ok(places.has(f.geometry.coordinates.join(",")));
  } finally {
    db.close();
  }
});

test("fluxture geojson --edges all --max-edges 4 writes a FeatureCollection GDAL reads", async () => {
  const out = join(data, "nodes.geojson");
  const r = await cli(["geojson", "--data", data, "--edges", "all", "--max-edges", "4", out]);
  assert.equal(r.status, 0, r.stderr);
  const fc = JSON.parse(readFileSync(out, "utf8")) as { type: string; features: { geometry: { type: string } }[] };
  assert.equal(fc.type, "FeatureCollection");
  assert.equal(fc.features.filter((f) => f.geometry.type === "Point").length, 8);
  assert.equal(fc.features.filter((f) => f.geometry.type !== "Point").length, 4);
  const counts = ogrLayerCounts(readFileSync(out, "utf8"), "geojson");
  assert.equal(
    [...counts.values()].reduce((a, b) => a + b, 0),
    12,
  );
});

test("fluxture export --format bitnodes lists the reachable nodes with bitnodes' 13 fields", async () => {
  const r = await cli(["export", "--format", "bitnodes", "--data", data]);
  assert.equal(r.status, 0, r.stderr);
  const doc = JSON.parse(r.stdout) as { total_nodes: number; nodes: Record<string, unknown[]> };
  assert.equal(doc.total_nodes, 7);
  const entry = doc.nodes["127.42.0.1:18444"]!;
  assert.deepEqual(entry.slice(0, 2), [70016, "/Satoshi:27.0.0/"]);
  assert.deepEqual(entry.slice(5), [null, "Falkenstein", "DE", 50.4779, 12.3713, "Europe/Berlin", "AS24940", "Hetzner Online GmbH"]);
});

test("fluxture export --format csv --only-crawled-nodes has one row per attempted node with degrees", async () => {
  const r = await cli(["export", "--format", "csv", "--only-crawled-nodes", "--data", data, "-"]);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trimEnd().split("\n");
  assert.equal(lines.length, 1 + 10);
  const header = lines[0]!.split(",");
  const first = lines.find((l) => l.startsWith("127.42.0.1,"))!.split(",");
  assert.equal(first[header.indexOf("out_degree")], "5");
  assert.equal(first[header.indexOf("in_degree")], "4");
  assert.equal(first[header.indexOf("mutual_neighbours")], "3"); // 1, 2 and 3 advertise it back; 4 does not
});

test("bad input: a wrong format, a missing run, an ungeolocated run each give one line and a non-zero exit", async () => {
  const bad = await cli(["export", "--format", "xml", "--data", data]);
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /--format must be one of csv\|arff\|jsonl\|bitnodes/);
  const missing = await cli(["kml", "--data", data, "--run", "20200101T000000Z", join(data, "x.kml")]);
  assert.notEqual(missing.status, 0);
  assert.match(missing.stderr.trim(), /^fluxture: run 20200101T000000Z not found/);
  assert.equal(existsSync(join(data, "x.kml")), false);
  const bare = mkdtempSync(join(tmpdir(), "fluxture-export-nogeo-"));
  await writeSampleRun(bare, { nodes: tenNodes(), withGeo: false });
  const nogeo = await cli(["kml", "--data", bare, join(bare, "x.kml")]);
  assert.notEqual(nogeo.status, 0);
  assert.match(nogeo.stderr, /is not geolocated.*fluxture geolocate --run/);
  assert.equal(nogeo.stderr.trim().split("\n").length, 1);
  const csv = await cli(["export", "--format", "csv", "--data", bare, "-"]);
  assert.equal(csv.status, 0, csv.stderr);
});
