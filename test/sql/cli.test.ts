// `fluxture query` and `fluxture runs` as a user runs them (in-process through the program): exit codes, stdout formats.
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { cli } from "../helpers/cli.ts";
import { makeFixtureLake, N, type FixtureLake } from "./fixture.ts";

/** The CLI in-process (test/helpers/cli.ts), with the exit code as `code`. */
async function fluxture(args: readonly string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const r = await cli(args, { env });
  return { code: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
}

let fx: FixtureLake;
let broken: FixtureLake;

before(async () => {
  fx = await makeFixtureLake();
  broken = await makeFixtureLake({ breakage: "geo_missing_ip" });
});

after(async () => {
  await fx?.remove();
  await broken?.remove();
});

describe("fluxture query", () => {
  test("table format: aligned columns, a rule and a row count", async () => {
    const r = await fluxture(["query", "--data", fx.dataDir, "select network, count(*) as runs from runs group by network order by network"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, ["network  runs", "-------  ----", "regtest     1", "simnet      3", "(2 rows)", ""].join("\n"));
  });

  test("csv and json formats; JSON columns stay JSON, timestamps are ISO 8601", async () => {
    const csv = await fluxture([
      "query",
      "--data",
      fx.dataDir,
      "--format",
      "csv",
      `select address, port, outcome from visits where run_id = '${fx.ids.A}' order by address`,
    ]);
    assert.equal(csv.code, 0, csv.stderr);
    const lines = csv.stdout.trimEnd().split("\n");
    assert.equal(lines[0], "address,port,outcome");
    assert.equal(lines.length, 7);
    assert.equal(lines[1], `${N.n1.address},8333,ok`);
    const json = await fluxture([
      "query",
      "--data",
      fx.dataDir,
      "--format",
      "json",
      `select run_id, started_at, counts, 1::ubigint as big from runs where run_id = '${fx.ids.A}'`,
    ]);
    assert.equal(json.code, 0, json.stderr);
    assert.deepEqual(JSON.parse(json.stdout), [{ run_id: fx.ids.A, started_at: "2024-01-01T00:00:00.000Z", counts: { visits: 6, addrs: 4 }, big: 1 }]);
    const none = await fluxture(["query", "--data", fx.dataDir, "--format", "json", "select 1 as a where false"]);
    assert.deepEqual(JSON.parse(none.stdout), []);
  });

  test("--mart NAME prints a mart; --file runs several statements (a setting, then a mart)", async () => {
    const mart = await fluxture(["query", "--data", fx.dataDir, "--mart", "concentration", "--format", "json"]);
    assert.equal(mart.code, 0, mart.stderr);
    const rows = JSON.parse(mart.stdout) as { dimension: string; nakamoto_coefficient: number; top_n: number }[];
    assert.deepEqual(
      rows.map((r) => [r.dimension, r.nakamoto_coefficient, r.top_n]),
      [
        ["asn", 1, 5],
        ["country", 1, 5],
        ["asn", 1, 5],
        ["country", 2, 5],
      ],
    );
    const file = join(fx.root, "top1.sql");
    await writeFile(
      file,
      "-- top-1 share\nset variable fluxture_top_n = 1;\nselect dimension, top_n, round(top_n_share, 4) as share\nfrom mart_concentration order by started_at, dimension;\n",
    );
    const fromFile = await fluxture(["query", "--data", fx.dataDir, "--file", file, "--format", "csv"]);
    assert.equal(fromFile.code, 0, fromFile.stderr);
    assert.equal(fromFile.stdout, "dimension,top_n,share\nasn,1,0.6667\ncountry,1,0.6667\nasn,1,0.6667\ncountry,1,0.3333\n");
  });

  test("FLUXTURE_DATA is the env twin of --data", async () => {
    const r = await fluxture(["query", "--format", "csv", "select count(*) as n from visits"], { FLUXTURE_DATA: fx.dataDir });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "n\n18\n");
  });

  test("--checks: one line per check, exit 0 when all pass", async () => {
    const r = await fluxture(["query", "--data", fx.dataDir, "--checks"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "ok    addrs_source_visited_ok\nok    geo_covers_run_ips\nok    metrics_cover_nodes\nok    visits_unique_address_port\n");
  });

  test("--checks: a failing check is listed with its count and a sample, and the exit code is 1", async () => {
    const r = await fluxture(["query", "--data", broken.dataDir, "--checks"]);
    assert.equal(r.code, 1);
    const failLines = r.stdout.split("\n").filter((l) => l.startsWith("FAIL"));
    assert.deepEqual(failLines, [
      `FAIL  geo_covers_run_ips: 1 offending row; first: {"network":"simnet","run_id":"${broken.ids.B}","address":"${N.n6.address}","network_type":"ipv4"}`,
    ]);
    assert.equal(r.stderr, "fluxture: 1 of 4 checks failed\n");
    const json = await fluxture(["query", "--data", broken.dataDir, "--checks", "--format", "json"]);
    assert.equal(json.code, 1);
    const results = JSON.parse(json.stdout) as { check: string; passed: boolean; offending: number }[];
    assert.deepEqual(
      results.filter((c) => !c.passed).map((c) => [c.check, c.offending]),
      [["geo_covers_run_ips", 1]],
    );
  });

  test("errors: one line and a non-zero exit (bad SQL 1, usage 2, missing data folder 1)", async () => {
    const bad = await fluxture(["query", "--data", fx.dataDir, "select nope from visits"]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^fluxture: query: Binder Error: .*nope.*\n$/);
    const none = await fluxture(["query", "--data", fx.dataDir]);
    assert.equal(none.code, 2);
    assert.equal(none.stderr, 'fluxture: query: give exactly one of "SQL", --file FILE, --mart NAME or --checks\n');
    const mart = await fluxture(["query", "--data", fx.dataDir, "--mart", "nope"]);
    assert.equal(mart.code, 2);
    assert.match(mart.stderr, /^fluxture: unknown mart 'nope' \(marts: churn, .*user_agents\)\n$/);
    const format = await fluxture(["query", "--data", fx.dataDir, "--format", "xml", "select 1"]);
    assert.equal(format.code, 2);
    assert.match(format.stderr, /--format must be one of table\|csv\|json/);
    const missing = await fluxture(["query", "--data", join(fx.root, "nope"), "select 1"]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^fluxture: data folder .*nope does not exist\n$/);
    const second = await fluxture(["query", "--data", fx.dataDir, "select 1;\nselec 2"]);
    assert.equal(second.code, 1);
    assert.match(second.stderr, /^fluxture: query:2: .*syntax error.*\n$/);
  });
});

describe("fluxture runs", () => {
  test("lists every run, oldest first, marking the ones not sealed", async () => {
    const r = await fluxture(["runs", "--data", fx.dataDir]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split("\n");
    assert.match(lines[0]!, /^run_id +network +state +started_at +finished_at +duration_s +counts +stages$/);
    assert.equal(lines.length, 2 + 5 + 1);
    assert.match(lines[2]!, new RegExp(`^${fx.ids.A} +simnet +succeeded +2024-01-01T00:00:00.000Z .* visits=6 addrs=4`));
    assert.match(lines[6]!, new RegExp(`^${fx.ids.F} +simnet +failed \\(not sealed\\) `));
    assert.equal(lines[7], "(5 rows)");
  });

  test("--json and --network", async () => {
    const r = await fluxture(["runs", "--data", fx.dataDir, "--json"]);
    assert.equal(r.code, 0, r.stderr);
    const runs = JSON.parse(r.stdout) as { run_id: string; network: string; state: string; sealed: boolean; counts: Record<string, number> }[];
    assert.deepEqual(
      runs.map((x) => [x.run_id, x.network, x.state, x.sealed]),
      [
        [fx.ids.A, "simnet", "succeeded", true],
        [fx.ids.Z, "regtest", "succeeded", true],
        [fx.ids.B, "simnet", "succeeded", true],
        [fx.ids.C, "simnet", "succeeded", true],
        [fx.ids.F, "simnet", "failed", false],
      ],
    );
    assert.deepEqual(runs[0]!.counts, { visits: 6, addrs: 4 });
    const regtest = await fluxture(["runs", "--data", fx.dataDir, "--json", "--network", "regtest"]);
    assert.deepEqual(
      (JSON.parse(regtest.stdout) as { run_id: string }[]).map((x) => x.run_id),
      [fx.ids.Z],
    );
  });

  test("a missing data folder is one line and exit 1", async () => {
    const r = await fluxture(["runs", "--data", join(fx.root, "missing")]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^fluxture: data folder .*missing does not exist\n$/);
  });
});
