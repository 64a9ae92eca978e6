// Mainnet size, part 3: a generated 250,000-node run through every analyze step (geolocation skipped: no database;
// the run's own geo.parquet places the nodes), each recorded succeeded in the manifest, the map export included.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { fluxture, type CliResult } from "../helpers/cli.ts";
import { mainnetSizeRun, NODES } from "./mainnet-run.ts";

const ok = (r: CliResult, what: string) => assert.equal(r.status, 0, `${what}: exit ${r.status}\n${r.stderr.slice(-2000)}`);
const long = { timeoutMs: 280_000 };

test(`a ${NODES}-node run: analyze`, { timeout: 290_000 }, async (t) => {
  const { data, run } = await mainnetSizeRun();
  t.after(() => rmSync(data, { recursive: true, force: true }));
  const analyze = fluxture(["analyze", "--data", data, "--json"], long);
  ok(analyze, "analyze");
  const manifest = JSON.parse(readFileSync(join(run.dir, "manifest.json"), "utf8")) as { stages: Record<string, { state: string }> };
  for (const [name, s] of Object.entries(manifest.stages)) assert.equal(s.state, "succeeded", name);
  assert.ok(statSync(join(run.dir, "exports", "nodes.kml")).size > NODES * 50);
});
