// Mainnet size, part 1: a generated 250,000-node run through kml, geojson, export and query's table format. At this
// size a spread argument (`Math.min(...xs)`) overflows the stack; test/check-spreads.test.ts keeps them out of the
// code, this proves the commands end to end. Real CLI processes, real Parquet and DuckDB. Part 2: mainnet-pipeline.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { fluxture, type CliResult } from "../helpers/cli.ts";
import { mainnetSizeRun, NODES } from "./mainnet-run.ts";

const ok = (r: CliResult, what: string) => assert.equal(r.status, 0, `${what}: exit ${r.status}\n${r.stderr.slice(-2000)}`);
const lines = (text: string) => text.split("\n").filter((l) => l.length > 0).length;
const long = { timeoutMs: 280_000 };

test(`a ${NODES}-node run: kml, geojson, export, query table`, { timeout: 290_000 }, async (t) => {
  const { data } = await mainnetSizeRun();
  t.after(() => rmSync(data, { recursive: true, force: true }));
  const out = (name: string) => join(data, name);

  ok(fluxture(["kml", out("nodes.kml"), "--data", data], long), "kml");
  assert.ok(statSync(out("nodes.kml")).size > NODES * 100);

  ok(fluxture(["geojson", out("nodes.geojson"), "--data", data], long), "geojson");
  const features = (JSON.parse(readFileSync(out("nodes.geojson"), "utf8")) as { features: { geometry: { type: string } }[] }).features;
  assert.equal(features.filter((f) => f.geometry.type === "Point").length, NODES);

  ok(fluxture(["export", out("nodes.csv"), "--format", "csv", "--data", data], long), "export");
  assert.equal(lines(readFileSync(out("nodes.csv"), "utf8")), NODES + 1);

  const q = fluxture(["query", "--data", data, "select address, port, outcome, user_agent from visits"], long);
  ok(q, "query");
  assert.ok(lines(q.stdout) >= NODES + 2, `${lines(q.stdout)} lines`);
});
