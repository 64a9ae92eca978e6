// sql/views.sql: runs as-is from the folder holding data/, reads only sealed runs, copes with datasets that do
// not exist yet, and follows --data to any folder (named `data` or not) through the fluxture_runs variable.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { runSqlFile } from "../../pipeline/duckdb.ts";
import { runChecks } from "../../pipeline/sql/checks.ts";
import { listSqlFiles, VIEWS_SQL } from "../../pipeline/sql/files.ts";
import { openLake } from "../../pipeline/sql/lake.ts";
import { DATASETS } from "../../pipeline/schema/index.ts";
import { fixtureRuns, makeFixtureLake, type FixtureLake } from "./fixture.ts";
import { rows } from "./helpers.ts";

const run = promisify(execFile);
const REPO = new URL("../../", import.meta.url);
let fx: FixtureLake;
const cleanups: (() => Promise<void>)[] = [];

before(async () => {
  fx = await makeFixtureLake();
});

after(async () => {
  await fx?.remove();
  for (const c of cleanups) await c();
});

describe("sql/views.sql", () => {
  test("runs as-is (DuckDB's own statement splitter, no file_search_path) with cwd = the folder holding data/", async () => {
    const script = join(fx.root, "as-is.mjs");
    const api = pathToFileURL(join(REPO.pathname, "node_modules/@duckdb/node-api/lib/index.js")).href;
    await writeFile(
      script,
      `import { DuckDBInstance } from ${JSON.stringify(api)};
import { readFileSync } from "node:fs";
const instance = await DuckDBInstance.create(":memory:", { autoinstall_known_extensions: "false", autoload_known_extensions: "false" });
const connection = await instance.connect();
const extracted = await connection.extractStatements(readFileSync(${JSON.stringify(VIEWS_SQL)}, "utf8"));
for (let i = 0; i < extracted.count; i++) await (await extracted.prepare(i)).run();
const read = async (sql) => (await connection.runAndReadAll(sql)).getRowObjectsJson();
console.log(JSON.stringify({
  search: await read("select current_setting('file_search_path') as p"),
  runs: await read("select state, count(*) as n from all_runs group by state order by state"),
  sealed: await read("select count(*) as n from runs"),
  visits: await read("select count(*) as n from visits"),
  raw: await read("select count(*) as n from raw_visits"),
  geo: await read("select count(*) as n from geo"),
}));
`,
    );
    const { stdout } = await run(process.execPath, [script], { cwd: fx.root });
    const got = JSON.parse(stdout) as Record<string, { [k: string]: string | number }[]>;
    assert.equal(got.search?.[0]?.p, "");
    assert.deepEqual(got.runs, [
      { state: "failed", n: "1" },
      { state: "succeeded", n: "4" },
    ]);
    assert.deepEqual(got.sealed, [{ n: "4" }]);
    // sealed visits: A 6 + Z 1 + B 6 + C 5; the failed run F adds 2 more rows to raw_visits only
    assert.deepEqual(got.visits, [{ n: "18" }]);
    assert.deepEqual(got.raw, [{ n: "20" }]);
    // geo: A 6 + B 6 sealed; F's row excluded
    assert.deepEqual(got.geo, [{ n: "12" }]);
  });

  test("the typed empty relations have exactly the columns and types of pipeline/schema (plus network, run_id)", async () => {
    const lake = await openLake(fx.dataDir, { marts: false });
    try {
      for (const dataset of DATASETS) {
        const described = await rows(lake.connection, `describe fluxture_empty_${dataset.name}`);
        const got = described.map((r) => `${r.column_name} ${r.column_type}`).sort();
        const want = [
          ...dataset.columns.map((c) => `${c.name} ${c.type === "TIMESTAMPTZ" ? "TIMESTAMP WITH TIME ZONE" : c.type}`),
          "network VARCHAR",
          "run_id VARCHAR",
        ].sort();
        assert.deepEqual(got, want, dataset.name);
        const file = await rows(lake.connection, `describe ${dataset.name}`);
        assert.deepEqual(file.map((r) => `${r.column_name} ${r.column_type}`).sort(), want, `${dataset.name} view over real files`);
      }
    } finally {
      await lake.close();
    }
  });

  test("only sealed runs: a failed run and a manifest that disagrees with its folder are left out", async () => {
    const lake = await openLake(fx.dataDir);
    try {
      assert.deepEqual(await rows(lake.connection, "select count(*)::integer as n from visits where user_agent = '/Satoshi:99.0.0/'"), [{ n: 0 }]);
      assert.deepEqual(await rows(lake.connection, "select count(*)::integer as n from raw_visits where user_agent = '/Satoshi:99.0.0/'"), [{ n: 2 }]);
      const manifest = join(fx.dataDir, "runs", "network=regtest", `run_id=${fx.ids.Z}`, "manifest.json");
      const original = await readFile(manifest, "utf8");
      await writeFile(manifest, original.replace(`"network": "regtest"`, `"network": "signet"`));
      try {
        assert.deepEqual(await rows(lake.connection, `select network, folder_network, state from all_runs where run_id = '${fx.ids.Z}'`), [
          { network: "signet", folder_network: "regtest", state: "succeeded" },
        ]);
        assert.deepEqual(await rows(lake.connection, `select count(*)::integer as n from runs where run_id = '${fx.ids.Z}'`), [{ n: 0 }]);
        assert.deepEqual(await rows(lake.connection, "select count(*)::integer as n from visits where network = 'regtest'"), [{ n: 0 }]);
      } finally {
        await writeFile(manifest, original);
      }
    } finally {
      await lake.close();
    }
  });

  test("a new sealed run of an existing dataset shows up without re-running views.sql", async () => {
    const fresh = await makeFixtureLake({ runs: fixtureRuns().slice(0, 1) });
    cleanups.push(fresh.remove);
    const lake = await openLake(fresh.dataDir);
    try {
      assert.deepEqual(await rows(lake.connection, "select count(*)::integer as n from runs"), [{ n: 1 }]);
      const { writeRuns } = await import("./fixture.ts");
      await writeRuns(fresh.dataDir, fixtureRuns().slice(2, 3));
      assert.deepEqual(await rows(lake.connection, "select count(*)::integer as n from runs"), [{ n: 2 }]);
      assert.deepEqual(await rows(lake.connection, "select count(*)::integer as n from visits"), [{ n: 12 }]);
    } finally {
      await lake.close();
    }
  });

  test("datasets that do not exist yet: empty typed views, marts and checks still run; re-running views.sql picks them up", async () => {
    const runs = fixtureRuns()
      .filter((r) => r.state === "succeeded")
      .map((r) => ({ ...r, addrs: undefined, geo: undefined, metrics: undefined }));
    const onlyVisits = await makeFixtureLake({ runs });
    cleanups.push(onlyVisits.remove);
    const lake = await openLake(onlyVisits.dataDir);
    try {
      for (const view of ["addrs", "geo", "node_metrics", "stg_geo", "stg_addrs", "stg_node_metrics"]) {
        assert.deepEqual(await rows(lake.connection, `select count(*)::integer as n from ${view}`), [{ n: 0 }], view);
      }
      assert.deepEqual(await rows(lake.connection, "select count(*)::integer as n from visits"), [{ n: 18 }]);
      for (const f of await listSqlFiles("marts")) await rows(lake.connection, `select * from mart_${f.name}`);
      assert.deepEqual(await rows(lake.connection, "select count(*)::integer as n from mart_reachable_by_country"), [{ n: 0 }]);
      assert.deepEqual(await rows(lake.connection, "select count(*)::integer as n from mart_churn"), [{ n: 2 }]);
      assert.ok((await runChecks(lake.connection)).every((r) => r.offending === 0));
      // A geo file lands: the session's guard still says "no geo" until views.sql runs again (documented).
      const { writeParquet } = await import("../../pipeline/snapshot/index.ts");
      const { GEO } = await import("../../pipeline/schema/index.ts");
      const a = fixtureRuns()[0]!;
      await writeParquet(join(onlyVisits.dataDir, "runs", "network=simnet", `run_id=${onlyVisits.ids.A}`, "geo.parquet"), GEO, a.geo!);
      assert.deepEqual(await rows(lake.connection, "select count(*)::integer as n from geo"), [{ n: 0 }]);
      await runSqlFile(lake.connection, VIEWS_SQL);
      assert.deepEqual(await rows(lake.connection, "select count(*)::integer as n from geo"), [{ n: 6 }]);
      assert.deepEqual(await rows(lake.connection, "select count(*)::integer as n from mart_reachable_by_country"), [{ n: 2 }]);
    } finally {
      await lake.close();
    }
  });

  test("an empty data folder (no runs at all) gives empty views, marts and passing checks", async () => {
    const root = await mkdtemp(join(tmpdir(), "fluxture-sql-empty-"));
    cleanups.push(() => rm(root, { recursive: true, force: true }));
    await mkdir(join(root, "data"));
    const lake = await openLake(join(root, "data"));
    try {
      assert.deepEqual(await rows(lake.connection, "select count(*)::integer as n from all_runs"), [{ n: 0 }]);
      for (const f of await listSqlFiles("marts")) {
        assert.deepEqual(await rows(lake.connection, `select count(*)::integer as n from mart_${f.name}`), [{ n: 0 }], f.name);
      }
      assert.ok((await runChecks(lake.connection)).every((r) => r.offending === 0));
    } finally {
      await lake.close();
    }
  });

  test("--data to any folder (not named data, a comma in its path) is read through the fluxture_runs variable, no symlink", async () => {
    const other = join(fx.root, "lake,2024");
    await rename(fx.dataDir, other);
    try {
      const lake = await openLake(other);
      try {
        assert.equal(lake.runsGlob, join(other, "runs", "*", "*"));
        assert.deepEqual(await rows(lake.connection, "select getvariable('fluxture_runs') as g"), [{ g: lake.runsGlob }]);
        assert.deepEqual(await rows(lake.connection, "select count(*)::integer as n from visits"), [{ n: 18 }]);
        const second = await lake.connect();
        const n = (await second.runAndReadAll("select count(*)::integer as n from geo")).getRowObjectsJS();
        assert.deepEqual(n, [{ n: 12 }]);
        lake.release(second);
      } finally {
        await lake.close();
      }
    } finally {
      await rename(other, fx.dataDir);
    }
    const one = join(fx.dataDir, "runs", "network=simnet", `run_id=${fx.ids.A}`);
    const lake = await openLake(fx.dataDir, { runDir: one });
    try {
      assert.deepEqual(await rows(lake.connection, "select run_id, count(*)::integer as n from visits group by all"), [{ run_id: fx.ids.A, n: 6 }]);
    } finally {
      await lake.close();
    }
    await assert.rejects(openLake(join(fx.root, "nope")), /data folder .*nope does not exist/);
  });
});
