// All marts over 200 runs × 25,000 nodes of generated Parquet (target: under 5 s in total), and the same marts
// in SQLite (the Debian sqlite3 CLI, fluxture's store) on the same rows, loaded and indexed once, untimed.
// The lake is what `fluxture analyze` leaves: every run's visits and geo, plus the nodes.parquet its `nodes` step
// writes (built here by the same prepareRunNodes, timed per run but not in the target). SQLite gets the same
// prepared rows as a `nodes` table. One pass of each engine also runs the path of never-analyzed runs (int_nodes
// joined from visits and geo), for information.
// Run: bash scripts/run-bench.sh bench/marts.bench.ts   (MARTS_BENCH_RUNS / MARTS_BENCH_NODES shrink it,
// MARTS_BENCH_PASSES / MARTS_BENCH_SQLITE_PASSES set the repetitions, MARTS_BENCH_SKIP_SQLITE=1 times DuckDB only)
import { execFile, spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { quotedString } from "@duckdb/node-api";
import { openDuckDB, queryRows } from "../pipeline/duckdb.ts";
import { listSqlFiles, martViewName } from "../pipeline/sql/files.ts";
import { openLake } from "../pipeline/sql/lake.ts";
import { prepareRunNodes } from "../stages/nodes/run.ts";
import { listRuns } from "../pipeline/runs.ts";
import { NODES as NODES_DATASET } from "../pipeline/schema/index.ts";
import { median, report, timeRuns } from "./harness.ts";
import { generateLake } from "./marts-data.ts";

const execFileP = promisify(execFile);
const RUNS = Number(process.env.MARTS_BENCH_RUNS ?? 200);
const NODES = Number(process.env.MARTS_BENCH_NODES ?? 25_000);
const DUCKDB_PASSES = Number(process.env.MARTS_BENCH_PASSES ?? 5);
const SQLITE_PASSES = Number(process.env.MARTS_BENCH_SQLITE_PASSES ?? 3);
const SQLITE_DIR = new URL("./sqlite/", import.meta.url);

/** A column sum both engines' outputs have, to check they computed the same marts. */
const CHECKSUMS: Record<string, string> = {
  churn: "sum(stayed) + sum(joined) * 1000",
  compare_countries: "sum(discovered_nodes) + sum(reachable_change)",
  concentration: "sum(nakamoto_coefficient) + sum(hhi)",
  node_reliability: "sum(runs_reachable) + sum(runs_recorded) * 1000",
  nodes_by_network_type: "sum(reachable_nodes) + sum(dialed_nodes) * 1000",
  outdated_versions: "sum(outdated_core_nodes) + sum(core_nodes) * 1000",
  protocol_versions: "sum(reachable_nodes) + sum(cumulative_share)",
  reachable_by_asn: "sum(reachable_nodes * asn_rank)",
  reachable_by_continent: "sum(reachable_nodes * continent_rank)",
  reachable_by_country: "sum(reachable_nodes * country_rank)",
  unreachable: "sum(failed_nodes) + sum(no_route_nodes) * 1000",
  user_agents: "sum(reachable_nodes * agent_rank)",
};

/** One DuckDB pass: a fresh session on the lake, mart inputs materialized, every mart computed into a table. */
async function duckdbPass(dataDir: string, marts: readonly string[], perMart?: Map<string, number>): Promise<Map<string, number[]>> {
  let t = performance.now();
  const lake = await openLake(dataDir, { materializeMartInputs: true });
  perMart?.set("(session: views, materialized inputs)", (performance.now() - t) / 1000);
  const sums = new Map<string, number[]>();
  try {
    for (const mart of marts) {
      t = performance.now();
      await lake.connection.run(`create or replace temp table bench_${mart} as select * from ${martViewName(mart)}`);
      perMart?.set(mart, (performance.now() - t) / 1000);
    }
    for (const mart of marts) {
      const [row] = await queryRows(lake.connection, `select count(*)::double as n, (${CHECKSUMS[mart]})::double as s from bench_${mart}`);
      sums.set(mart, [Number(row?.n ?? 0), Number(row?.s ?? 0)]);
    }
  } finally {
    await lake.close();
  }
  return sums;
}

/** Loads the rows the marts read into a SQLite file through CSV, with the indexes a user would create. */
async function loadSqlite(dataDir: string, root: string): Promise<string> {
  const db = await openDuckDB();
  const lake = await openLake(dataDir, { marts: false });
  const iso = (c: string) => `strftime(${c}, '%Y-%m-%dT%H:%M:%S.%gZ')`;
  const csv = (name: string) => join(root, `${name}.csv`);
  try {
    await lake.connection.run(
      `copy (select network, run_id, state, ${iso("started_at")} as started_at from all_runs) to ${quotedString(csv("runs"))} (header)`,
    );
    await lake.connection.run(
      `copy (select network, run_id, address, port, network_type, outcome, ${iso("attempted_at")} as attempted_at, protocol_version, user_agent from raw_visits) to ${quotedString(csv("visits"))} (header)`,
    );
    await lake.connection.run(
      `copy (select network, run_id, address, country_code, continent_code, asn, as_org, ${iso("located_at")} as located_at from raw_geo) to ${quotedString(csv("geo"))} (header)`,
    );
    const nodeColumns = NODES_DATASET.columns.map((c) => (c.type === "BOOLEAN" ? `${c.name}::integer as ${c.name}` : c.name)).join(", ");
    await lake.connection.run(`copy (select network, run_id, ${nodeColumns} from nodes) to ${quotedString(csv("nodes"))} (header)`);
  } finally {
    await lake.close();
    db.close();
  }
  const file = join(root, "marts.sqlite");
  const script = `
create table runs (network text, run_id text, state text, started_at text);
create table visits (network text, run_id text, address text, port integer, network_type text, outcome text, attempted_at text, protocol_version integer, user_agent text);
create table geo (network text, run_id text, address text, country_code text, continent_code text, asn integer, as_org text, located_at text);
create table nodes (network text, run_id text, address text, port integer, network_type text, outcome text, protocol_version integer, user_agent text, run_is_geolocated integer, country_code text, continent_code text, asn integer, as_org text);
.import --csv --skip 1 ${csv("runs")} runs
.import --csv --skip 1 ${csv("visits")} visits
.import --csv --skip 1 ${csv("geo")} geo
.import --csv --skip 1 ${csv("nodes")} nodes
update visits set protocol_version = null where protocol_version = '';
update visits set user_agent = null where user_agent = '';
update geo set asn = null where asn = '';
update geo set country_code = null where country_code = '';
update geo set continent_code = null where continent_code = '';
update geo set as_org = null where as_org = '';
update nodes set protocol_version = null where protocol_version = '';
update nodes set user_agent = null where user_agent = '';
update nodes set asn = null where asn = '';
update nodes set country_code = null where country_code = '';
update nodes set continent_code = null where continent_code = '';
update nodes set as_org = null where as_org = '';
create index runs_key on runs (network, run_id);
create index visits_key on visits (network, run_id, address, port);
create index geo_key on geo (network, run_id, address);
create index nodes_key on nodes (network, run_id, address, port);
analyze;
`;
  await sqlite(file, script);
  for (const name of ["runs", "visits", "geo", "nodes"]) await rm(csv(name), { force: true });
  return file;
}

/** Runs a script through the sqlite3 CLI; resolves with its stdout, rejects on a non-zero exit. */
function sqlite(file: string, script: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn("sqlite3", ["-batch", "-bail", file], { stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 && err.trim() === "" ? resolve(out) : reject(new Error(`sqlite3 exited ${code}: ${err.trim()}`))));
    child.stdin.end(script);
  });
}

const SQLITE_PRAGMAS = "pragma temp_store = memory;\npragma cache_size = -2000000;\n";

/** Whether two [row count, checksum] pairs disagree (checksums within a relative 1e-6: float sums vary with order). */
function sumsDiffer(a: readonly number[] | undefined, b: readonly number[] | undefined): boolean {
  return !a || !b || a[0] !== b[0] || Math.abs(a[1]! - b[1]!) > 1e-6 * Math.max(1, Math.abs(a[1]!));
}

async function main(): Promise<void> {
  await execFileP("sqlite3", ["-version"]).catch(() => {
    throw new Error("sqlite3 CLI missing: run scripts/install-system-deps.sh");
  });
  const marts = (await listSqlFiles("marts")).map((f) => f.name);
  const root = await mkdtemp(join(tmpdir(), "fluxture-marts-bench-"));
  try {
    const dataDir = join(root, "data");
    let t = performance.now();
    const rows = await generateLake(dataDir, { runs: RUNS, nodesPerRun: NODES });
    console.log(`generated ${RUNS} runs × ${NODES} nodes (${rows} visits rows, geo for each IP) in ${((performance.now() - t) / 1000).toFixed(1)} s`);

    // the path of runs never analyzed: int_nodes joined from visits and geo (one pass, for information)
    t = performance.now();
    const joinedSums = await duckdbPass(dataDir, marts);
    console.log(`DuckDB, runs never analyzed (int_nodes joined from visits and geo), one pass: ${((performance.now() - t) / 1000).toFixed(2)} s`);

    // what analyze's nodes step leaves in every run
    const prepareTimes: number[] = [];
    for (const run of await listRuns(dataDir)) {
      const t0 = performance.now();
      await prepareRunNodes(run);
      prepareTimes.push((performance.now() - t0) / 1000);
    }
    console.log(
      `analyze's nodes step: nodes.parquet for each of ${RUNS} runs, median ${(median(prepareTimes) * 1000).toFixed(0)} ms per run of ${NODES} nodes (not timed below)`,
    );

    const duck = await timeRuns(() => duckdbPass(dataDir, marts), DUCKDB_PASSES, 1);
    report(`DuckDB: all ${marts.length} marts over ${RUNS} runs × ${NODES} nodes`, duck, "s", { max: 5 });
    const perMart = new Map<string, number>();
    const duckSums = await duckdbPass(dataDir, marts, perMart);
    console.log(`  one pass: ${[...perMart].map(([k, v]) => `${k} ${v.toFixed(2)}`).join(", ")}`);
    const pathsDiffer = marts.filter((m) => sumsDiffer(joinedSums.get(m), duckSums.get(m)));
    if (pathsDiffer.length > 0) {
      console.log(`OUTPUTS DIFFER between the joined and the prepared path for ${pathsDiffer.join(", ")}`);
      process.exitCode = 1;
    }

    if (process.env.MARTS_BENCH_SKIP_SQLITE === "1") return;
    t = performance.now();
    const file = await loadSqlite(dataDir, root);
    console.log(
      `SQLite: loaded the same rows (runs, visits, geo, nodes) and built indexes in ${((performance.now() - t) / 1000).toFixed(1)} s (not timed below)`,
    );
    const checks = marts.map((m) => `select '${m}', count(*), ${CHECKSUMS[m]} from out_${m};`).join("\n");
    const sqliteScript = async (inputs: string) =>
      [
        SQLITE_PRAGMAS,
        ...(await Promise.all(["runs.sql", inputs, "marts.sql"].map((f) => readFile(new URL(f, SQLITE_DIR), "utf8")))),
        `.mode csv\n${checks}\n`,
      ].join("\n");
    const prepared = await sqliteScript("int-nodes-prepared.sql");
    let lastOutput = "";
    const lite = await timeRuns(
      async () => {
        lastOutput = await sqlite(file, prepared);
      },
      SQLITE_PASSES,
      0,
    );
    report(`SQLite: the same ${marts.length} marts on the same rows (int_nodes from the nodes table)`, lite, "s");
    console.log(`SQLite / DuckDB (medians): ${(median(lite) / median(duck)).toFixed(1)}×`);
    t = performance.now();
    await sqlite(file, await sqliteScript("int-nodes-joined.sql"));
    console.log(`SQLite, runs never analyzed (int_nodes joined from visits and geo), one pass: ${((performance.now() - t) / 1000).toFixed(1)} s`);

    const liteSums = new Map(
      lastOutput
        .trim()
        .split("\n")
        .map((line) => {
          const [name, n, s] = line.split(",");
          return [name!, [Number(n), Number(s)]] as const;
        }),
    );
    const differ = marts.filter((m) => sumsDiffer(duckSums.get(m), liteSums.get(m)));
    console.log(
      differ.length === 0
        ? `outputs agree: every mart has the same row count and checksum in both engines`
        : `OUTPUTS DIFFER for ${differ.join(", ")}: ${differ.map((m) => `${m} duckdb=${duckSums.get(m)} sqlite=${liteSums.get(m)}`).join("; ")}`,
    );
    if (differ.length > 0) process.exitCode = 1;
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

await main();
