// The invariants in sql/checks pass on good data and each one catches the breakage it is about (and only it).
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { runChecks, type CheckResult } from "../../pipeline/sql/checks.ts";
import { listSqlFiles } from "../../pipeline/sql/files.ts";
import { openLake } from "../../pipeline/sql/lake.ts";
import { makeFixtureLake, N, type Breakage, type FixtureLake } from "./fixture.ts";
import { rows } from "./helpers.ts";

const lakes: FixtureLake[] = [];

async function checksOn(breakage?: Breakage): Promise<{ results: Map<string, CheckResult>; ids: Record<string, string>; dedupedRows?: unknown }> {
  const fx = await makeFixtureLake(breakage ? { breakage } : {});
  lakes.push(fx);
  const lake = await openLake(fx.dataDir);
  try {
    const results = new Map((await runChecks(lake.connection, 5)).map((r) => [r.name, r]));
    const deduped =
      breakage === "duplicate_visit"
        ? await rows(
            lake.connection,
            `select outcome, count(*) over () as n from stg_visits where address = '${N.n4.address}' and run_id = '${fx.ids.A}' order by outcome`,
          )
        : undefined;
    return { results, ids: fx.ids, dedupedRows: deduped };
  } finally {
    await lake.close();
  }
}

function failing(results: Map<string, CheckResult>): string[] {
  return [...results.values()].filter((r) => r.offending > 0).map((r) => r.name);
}

after(async () => {
  for (const fx of lakes) await fx.remove();
});

describe("sql/checks", () => {
  let expectedNames: string[];
  before(async () => {
    expectedNames = (await listSqlFiles("checks")).map((f) => f.name);
  });

  test("the four invariants exist and all pass on the good fixture (the failed run's bad rows are not sealed)", async () => {
    assert.deepEqual(expectedNames, ["addrs_source_visited_ok", "geo_covers_run_ips", "metrics_cover_nodes", "visits_unique_address_port"]);
    const { results } = await checksOn();
    assert.deepEqual(failing(results), []);
    assert.equal(results.size, 4);
  });

  test("a node listed twice in one run's visits is caught; staging does not hide it (the writer owns the duplicate rule)", async () => {
    const { results, ids, dedupedRows } = await checksOn("duplicate_visit");
    assert.deepEqual(failing(results), ["visits_unique_address_port"]);
    const r = results.get("visits_unique_address_port")!;
    assert.equal(r.offending, 1);
    assert.deepEqual(
      { ...r.sample[0], rows_found: Number(r.sample[0]!.rows_found) },
      { network: "simnet", run_id: ids.A, address: N.n4.address, port: N.n4.port, rows_found: 2 },
    );
    // the run holds n4 as timeout and as ok: staging passes both through, the check names the run
    assert.deepEqual(dedupedRows, [
      { outcome: "ok", n: 2 },
      { outcome: "timeout", n: 2 },
    ]);
  });

  test("an addrs source that the run did not visit with outcome ok is caught, with its outcome", async () => {
    const { results, ids } = await checksOn("addrs_source_not_ok");
    assert.deepEqual(failing(results), ["addrs_source_visited_ok"]);
    const r = results.get("addrs_source_visited_ok")!;
    assert.equal(r.offending, 1);
    assert.deepEqual(
      { ...r.sample[0], edges: Number(r.sample[0]!.edges) },
      { network: "simnet", run_id: ids.A, source_address: N.n4.address, source_port: N.n4.port, source_outcome: "timeout", edges: 1 },
    );
  });

  test("a visited IP with no geo row in a geolocated run is caught", async () => {
    const { results, ids } = await checksOn("geo_missing_ip");
    assert.deepEqual(failing(results), ["geo_covers_run_ips"]);
    const r = results.get("geo_covers_run_ips")!;
    assert.deepEqual(r.sample, [{ network: "simnet", run_id: ids.B, address: N.n6.address, network_type: "ipv4" }]);
  });

  test("a graph node with no node_metrics row is caught, with its role in the graph", async () => {
    const { results, ids } = await checksOn("metrics_missing_node");
    assert.deepEqual(failing(results), ["metrics_cover_nodes"]);
    const r = results.get("metrics_cover_nodes")!;
    assert.deepEqual(r.sample, [{ network: "simnet", run_id: ids.A, address: N.n4.address, port: N.n4.port, role: "advertised" }]);
  });
});
