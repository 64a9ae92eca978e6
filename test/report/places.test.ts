// The report's map places: one per coordinate, in one order, each labelled by one rule, so that the same run
// always draws the same map (DuckDB's hash aggregation returns groups in no particular order, and any_value
// picks whichever row it met first). Real Parquet and DuckDB.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findRun } from "../../pipeline/runs.ts";
import { loadReportData } from "../../stages/report/load.ts";
import { PLACES, writeSampleRun, type SampleNode } from "../helpers/sample-run.ts";

const data = mkdtempSync(join(tmpdir(), "fluxture-places-"));
after(() => rmSync(data, { recursive: true, force: true }));

test("places come ordered by latitude then longitude; a shared coordinate takes the smallest label", async () => {
  const base = PLACES[0]!;
  const nodes: SampleNode[] = Array.from({ length: 600 }, (_, i) => ({
    address: `10.${i >> 8}.${i & 255}.1`,
    port: 8333,
    outcome: i % 3 === 0 ? "timeout" : "ok",
    userAgent: "/Satoshi:27.0.0/",
    // 300 coordinates, each held by two nodes, scattered so that no insertion order is sorted
    place: { ...base, city: `City ${(i * 7919) % 300}`, latitude: ((i * 7919) % 300) / 10 - 15, longitude: ((i * 104729) % 300) / 10 },
    advertises: [],
  }));
  // two cities at one coordinate, the larger name met first
  nodes.push({ ...nodes[1]!, address: "10.9.0.1", place: { ...base, city: "Zurich", latitude: 47.37, longitude: 8.54 } });
  nodes.push({ ...nodes[1]!, address: "10.9.0.2", place: { ...base, city: "Aarau", latitude: 47.37, longitude: 8.54 } });
  await writeSampleRun(data, { nodes });
  const run = await findRun(data);

  const first = await loadReportData(data, run);
  const keys = first.places.map((p) => [p.latitude, p.longitude] as const);
  const sorted = [...keys].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  assert.deepEqual(keys, sorted);
  assert.equal(new Set(keys.map((k) => k.join())).size, keys.length, "one place per coordinate");
  const shared = first.places.find((p) => p.latitude === 47.37 && p.longitude === 8.54);
  assert.equal(shared?.label, `Aarau, ${base.country}`);
  assert.equal(shared.reachable, 2);
  assert.deepEqual((await loadReportData(data, run)).places, first.places);
});
