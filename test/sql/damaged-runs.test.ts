// One damaged run never blocks the lake: a truncated Parquet file, an unparsable manifest and a manifest with an
// invalid state each leave their run out of every query and mart with one warning line naming it; `fluxture runs`
// marks them; every healthy run stays queryable. Real CLI, real DuckDB, real files.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile, stat, truncate, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { cli } from "../helpers/cli.ts";
import { makeFixtureLake } from "./fixture.ts";
import { findRun } from "../../pipeline/runs.ts";

test("a truncated Parquet file, a corrupt manifest and an invalid state: each run skipped with one warning, the rest queryable", async (t) => {
  const lake = await makeFixtureLake();
  t.after(() => lake.remove());
  const dirOf = async (id: string) => (await findRun(lake.dataDir, { run: id })).dir;
  const healthyBefore = await cli(["query", "--data", lake.dataDir, "--format", "csv", "select run_id, count(*) as n from visits group by all order by all"]);
  assert.equal(healthyBefore.status, 0, healthyBefore.stderr);

  const truncated = join(await dirOf(lake.ids.B), "visits.parquet");
  await truncate(truncated, Math.floor((await stat(truncated)).size / 2));
  const corrupt = join(await dirOf(lake.ids.C), "manifest.json");
  await writeFile(corrupt, "{ not json");
  const invalid = join(await dirOf(lake.ids.Z), "manifest.json");
  await writeFile(invalid, (await readFile(invalid, "utf8")).replace(/"state": "succeeded"/, '"state": "bogus"'));

  const r = await cli(["query", "--data", lake.dataDir, "--format", "csv", "select run_id, count(*) as n from visits group by all order by all"]);
  assert.equal(r.status, 0, r.stderr);
  const expected = healthyBefore.stdout
    .trim()
    .split("\n")
    .filter((line) => ![lake.ids.B, lake.ids.C, lake.ids.Z].some((id) => line.startsWith(`${id},`)));
  assert.deepEqual(r.stdout.trim().split("\n"), expected);
  assert.ok(expected.some((line) => line.startsWith(`${lake.ids.A},`)));
  const warnings = r.stderr.split("\n").filter((l) => /warn/.test(l));
  assert.equal(warnings.length, 3, r.stderr);
  for (const [id, why] of [
    [lake.ids.B, /visits\.parquet is not a whole Parquet file/],
    [lake.ids.C, /manifest.*corrupt/],
    [lake.ids.Z, /state/],
  ] as const) {
    const line = warnings.filter((l) => l.includes(id));
    assert.equal(line.length, 1, `one warning naming ${id}:\n${r.stderr}`);
    assert.match(line[0]!, why);
    assert.match(line[0]!, /skipping damaged run/);
  }
  assert.doesNotMatch(r.stderr, /\.tmp|\/tmp\/duckdb|Error:/);

  // marts and checks read the same healthy runs
  const mart = await cli(["query", "--data", lake.dataDir, "--format", "csv", "select count(*) from runs"]);
  assert.equal(mart.status, 0, mart.stderr);

  // `fluxture runs` lists every folder and marks the damaged ones
  const runs = await cli(["runs", "--data", lake.dataDir, "--json"]);
  assert.equal(runs.status, 0, runs.stderr);
  const listed = JSON.parse(runs.stdout) as { run_id: string; damaged: string | null }[];
  for (const id of [lake.ids.B, lake.ids.C, lake.ids.Z]) {
    const row = listed.find((l) => l.run_id === id);
    assert.ok(row !== undefined, `${id} missing from runs --json`);
    assert.ok(row.damaged !== null && row.damaged.length > 0, `${id} not marked damaged`);
  }
  assert.equal(listed.find((l) => l.run_id === lake.ids.A)?.damaged, null);
  const table = await cli(["runs", "--data", lake.dataDir]);
  assert.equal(table.status, 0, table.stderr);
  for (const id of [lake.ids.B, lake.ids.C, lake.ids.Z]) assert.match(table.stdout, new RegExp(`${id} .*damaged`));
});
