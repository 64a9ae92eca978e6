// Mainnet size, part 1: a generated 250,000-node run through every analyze step in a real CLI process (geolocation
// skipped: no database; the run's own geo.parquet places the nodes), each recorded succeeded in the manifest. At
// this size a spread argument (`Math.min(...xs)`) overflows the stack; test/check-spreads.test.ts keeps them out of
// the code, this proves the exports end to end: the KML and GeoJSON maps, the CSV table and the report that analyze
// writes are the ones `fluxture kml|geojson|export|report` write (the same stage functions, test/export and
// test/report check that at small size). Part 2 (mainnet-pipeline): topology's text, query, crawl --seed-file.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { fluxture, type CliResult } from "../helpers/cli.ts";
import { mainnetSizeRun, NODES } from "./mainnet-run.ts";

const ok = (r: CliResult, what: string) => assert.equal(r.status, 0, `${what}: exit ${r.status}\n${r.stderr.slice(-2000)}`);
const lines = (text: string) => text.split("\n").filter((l) => l.length > 0).length;
const long = { timeoutMs: 280_000 };

test(`a ${NODES}-node run: analyze, and its maps, table and report`, { timeout: 290_000 }, async (t) => {
  const { data, run } = await mainnetSizeRun();
  t.after(() => rmSync(data, { recursive: true, force: true }));
  const analyze = fluxture(["analyze", "--data", data, "--json"], long);
  ok(analyze, "analyze");
  const manifest = JSON.parse(readFileSync(join(run.dir, "manifest.json"), "utf8")) as { stages: Record<string, { state: string }> };
  for (const [name, s] of Object.entries(manifest.stages)) assert.equal(s.state, "succeeded", name);
  const exported = (name: string) => join(run.dir, "exports", name);

  assert.ok(statSync(exported("nodes.kml")).size > NODES * 50);
  const features = (JSON.parse(readFileSync(exported("nodes.geojson"), "utf8")) as { features: { geometry: { type: string } }[] }).features;
  assert.equal(features.filter((f) => f.geometry.type === "Point").length, NODES);
  assert.equal(lines(readFileSync(exported("nodes.csv"), "utf8")), NODES + 1);
  assert.ok(statSync(exported("report.html")).size > 1000);
});
