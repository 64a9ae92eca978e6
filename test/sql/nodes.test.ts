// The two paths of int_nodes: runs whose nodes.parquet analyze wrote (prepareRunNodes) and runs joined from visits
// and geo (int_joined_nodes) must give the same rows and the same marts; a nodes file stops counting as soon as
// the run is geolocated again or the file goes missing.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { existsSync } from "node:fs";
import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { listSqlFiles } from "../../pipeline/sql/files.ts";
import { openLake } from "../../pipeline/sql/lake.ts";
import { nodesStale, prepareRunNodes } from "../../stages/nodes/run.ts";
import { findRun, listRuns } from "../../pipeline/runs.ts";
import { NODES } from "../../pipeline/schema/index.ts";
import { makeFixtureLake, type FixtureLake } from "./fixture.ts";
import { rows } from "./helpers.ts";

const sorted = (list: readonly unknown[]) => list.map((r) => JSON.stringify(r, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v))).sort();

/** int_nodes, every mart, and which runs are prepared, from a fresh session (materialized inputs or not). */
async function snapshot(
  dataDir: string,
  materializeMartInputs = false,
): Promise<{ nodes: string[]; marts: Record<string, string[]>; prepared: Record<string, boolean> }> {
  const lake = await openLake(dataDir, { materializeMartInputs });
  try {
    const marts: Record<string, string[]> = {};
    for (const m of await listSqlFiles("marts")) marts[m.name] = sorted(await rows(lake.connection, `select * from mart_${m.name}`));
    const prepared = Object.fromEntries(
      (await rows(lake.connection, "select run_id, nodes_prepared from stg_runs")).map((r) => [String(r.run_id), r.nodes_prepared === true]),
    );
    return { nodes: sorted(await rows(lake.connection, "select * from int_nodes")), marts, prepared };
  } finally {
    await lake.close();
  }
}

for (const breakage of [undefined] as const) {
  describe(`int_nodes from nodes.parquet equals int_nodes joined from visits and geo (${breakage ?? "clean fixture"})`, () => {
    let fx: FixtureLake;
    let joined: Awaited<ReturnType<typeof snapshot>>;

    before(async () => {
      fx = await makeFixtureLake(breakage ? { breakage } : {});
      joined = await snapshot(fx.dataDir);
    });
    after(async () => fx?.remove());

    test("prepareRunNodes writes every sealed run's file; the marts and int_nodes do not change", async () => {
      assert.ok(
        Object.values(joined.prepared).every((p) => p === false),
        "nothing is prepared before analyze",
      );
      const sealed = (await listRuns(fx.dataDir)).filter((r) => r.manifest.state === "succeeded");
      assert.equal(sealed.length, 4);
      for (const run of sealed) {
        const count = await prepareRunNodes(run);
        const after = await findRun(fx.dataDir, { run: run.id, network: run.network });
        assert.equal(await nodesStale(after), null, run.id);
        assert.equal(after.manifest.stages.nodes?.counts?.nodes, count);
      }
      const prepared = await snapshot(fx.dataDir);
      assert.ok(
        Object.values(prepared.prepared).every((p) => p === true),
        "every sealed run is prepared",
      );
      assert.deepEqual(prepared.nodes, joined.nodes);
      assert.deepEqual(prepared.marts, joined.marts);
      assert.deepEqual((await snapshot(fx.dataDir, true)).marts, joined.marts, "with materialized inputs too");
    });

    test("re-geolocating a run retires its file (the run is joined again); so does a missing file", async () => {
      const [a, b] = (await listRuns(fx.dataDir, { network: "simnet" })).filter((r) => r.manifest.state === "succeeded");
      // a new geolocate stage on run a: its nodes.parquet was built from the previous one
      const manifestPath = join(a!.dir, "manifest.json");
      const manifest = JSON.parse(await readFile(manifestPath, "utf8")) as { stages: Record<string, unknown> };
      manifest.stages.geolocate = { state: "succeeded", started_at: "2030-01-01T00:00:00.000Z", finished_at: "2030-01-01T00:00:01.000Z" };
      await writeFile(manifestPath, JSON.stringify(manifest));
      await rm(join(b!.dir, NODES.file));
      const now = await snapshot(fx.dataDir);
      assert.equal(now.prepared[a!.id], false);
      assert.equal(now.prepared[b!.id], false);
      assert.equal(Object.values(now.prepared).filter(Boolean).length, 2);
      // runStage's staleness says the same as the views, from the same recorded fingerprints
      assert.match(String(await nodesStale(await findRun(fx.dataDir, { run: a!.id, network: "simnet" }))), /the geolocate stage changed/);
      assert.match(String(await nodesStale(await findRun(fx.dataDir, { run: b!.id, network: "simnet" }))), /nodes\.parquet is missing/);
      assert.deepEqual(now.nodes, joined.nodes);
      assert.deepEqual(now.marts, joined.marts);
      // analyze's step rebuilds them from the new geolocate stage
      await prepareRunNodes(await findRun(fx.dataDir, { run: a!.id, network: "simnet" }));
      await prepareRunNodes(await findRun(fx.dataDir, { run: b!.id, network: "simnet" }));
      const rebuilt = await snapshot(fx.dataDir);
      assert.ok(Object.values(rebuilt.prepared).every((p) => p === true));
      assert.deepEqual(rebuilt.nodes, joined.nodes);
    });

    test("the `nodes` view serves only current files, with the schema's columns", async () => {
      const lake = await openLake(fx.dataDir, { marts: false });
      try {
        const described = await rows(lake.connection, "describe nodes");
        assert.deepEqual(
          described.map((r) => r.column_name),
          [...NODES.columns.map((c) => c.name), "network", "run_id"],
        );
        const [n] = await rows(lake.connection, "select count(*)::integer as n from nodes");
        const [m] = await rows(lake.connection, "select count(*)::integer as n from int_nodes");
        assert.equal(n!.n, m!.n);
      } finally {
        await lake.close();
      }
    });
  });
}

test("a run that is not sealed gets no nodes file: its nodes are not in the marts", async (t) => {
  const fx = await makeFixtureLake();
  t.after(() => fx.remove());
  const failed = (await listRuns(fx.dataDir)).find((r) => r.manifest.state === "failed")!;
  await assert.rejects(prepareRunNodes(failed), /is failed: only a succeeded run's nodes are in the marts/);
  assert.equal(existsSync(join(failed.dir, NODES.file)), false);
  assert.equal((await findRun(fx.dataDir, { run: failed.id, network: failed.network, states: ["failed"] })).manifest.stages.nodes, undefined);
});

test("a run holding a node twice (breaking the writer's guarantee) gets no nodes file: the count cross-check refuses it", async (t) => {
  const fx = await makeFixtureLake({ breakage: "duplicate_visit" });
  t.after(() => fx.remove());
  const run = await findRun(fx.dataDir, { run: fx.ids.A, network: "simnet" });
  await assert.rejects(prepareRunNodes(run), /would hold 7 nodes but its visits\.parquet has 6: not written/);
  assert.equal(existsSync(join(run.dir, NODES.file)), false);
  assert.equal((await findRun(fx.dataDir, { run: run.id, network: "simnet" })).manifest.stages.nodes?.state, "failed");
});

test("a data folder given as a relative path (as `make analyze` passes `data`) still gets every node", async (t) => {
  const fx = await makeFixtureLake();
  t.after(() => fx.remove());
  const cwd = process.cwd();
  process.chdir(fx.root);
  try {
    const run = (await listRuns("data")).find((r) => r.manifest.state === "succeeded")!;
    assert.ok(!run.dir.startsWith("/"), `relative run folder: ${run.dir}`);
    const count = await prepareRunNodes(run);
    const lake = await openLake("data", { marts: false });
    try {
      const [visits] = await rows(lake.connection, `select count(*)::integer as n from (select distinct address, port from visits where run_id = '${run.id}')`);
      assert.ok(count > 0);
      assert.equal(count, visits!.n);
    } finally {
      await lake.close();
    }
  } finally {
    process.chdir(cwd);
  }
});
