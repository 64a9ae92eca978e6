// notebooks/explore.ipynb executed headless (jupyter nbconvert, Python 3 kernel) against two real demo runs:
// every code cell runs without error, and the numbers it prints and draws match queries of our own.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { worldLand } from "../../notebooks/world-land.ts";
import { buildDemoData, nakamoto, NOTEBOOK_OUTPUTS, ROOT, type DemoRun } from "./demo-data.ts";
import { queryJson } from "../helpers/cli.ts";

interface NotebookOutput {
  readonly output_type: string;
  readonly name?: string;
  readonly text?: string | string[];
  readonly data?: Record<string, string | string[]>;
  readonly ename?: string;
  readonly evalue?: string;
}
interface NotebookCell {
  readonly cell_type: string;
  readonly source: string | string[];
  readonly execution_count?: number | null;
  readonly outputs?: NotebookOutput[];
}

const data = mkdtempSync(join(tmpdir(), "fluxture-jupyter-"));
const executed = join(NOTEBOOK_OUTPUTS, "explore.executed.ipynb");
let runs: DemoRun[] = [];
let cells: NotebookCell[] = [];
let stdout = "";

const joined = (text: string | string[] | undefined): string => (Array.isArray(text) ? text.join("") : (text ?? ""));

before(async () => {
  mkdirSync(NOTEBOOK_OUTPUTS, { recursive: true });
  runs = await buildDemoData(data);
  const r = spawnSync(
    "jupyter",
    [
      "nbconvert",
      "--to",
      "notebook",
      "--execute",
      "notebooks/explore.ipynb",
      "--output-dir",
      NOTEBOOK_OUTPUTS,
      "--output",
      "explore.executed.ipynb",
      "--ExecutePreprocessor.timeout=240",
      "--ExecutePreprocessor.kernel_name=python3",
    ],
    { cwd: ROOT, env: { ...process.env, FLUXTURE_DATA: data, FLUXTURE_RUN: "", PYDEVD_DISABLE_FILE_VALIDATION: "1" }, encoding: "utf8", timeout: 240_000 },
  );
  assert.equal(r.status, 0, `jupyter nbconvert --execute failed:\n${r.stderr}`);
  cells = (JSON.parse(readFileSync(executed, "utf8")) as { cells: NotebookCell[] }).cells;
  stdout = cells
    .flatMap((c) => c.outputs ?? [])
    .filter((o) => o.output_type === "stream" && o.name === "stdout")
    .map((o) => joined(o.text))
    .join("");
});

after(() => {
  rmSync(data, { recursive: true, force: true });
});

test("the demo data has two sealed, analysed runs that differ", async () => {
  assert.equal(runs.length, 2);
  const reachable = await queryJson<{ n: number }>(
    data,
    "select count(*) filter (where outcome in ('ok', 'no_addr_reply'))::int as n from visits group by run_id order by run_id",
  );
  assert.notEqual(reachable[0]?.n, reachable[1]?.n, "two simnets of different sizes give two different runs");
});

test("explore.ipynb starts with a markdown cell that says how it gets its data and how to run it", () => {
  const first = cells[0];
  assert.equal(first?.cell_type, "markdown");
  const text = joined(first?.source);
  assert.match(text, /Python 3 kernel/);
  assert.match(text, /fluxture\.js query --data \$FLUXTURE_DATA --format json/);
  assert.match(text, /FLUXTURE_DATA=data jupyter nbconvert --to notebook --execute notebooks\/explore\.ipynb/);
});

test("every code cell of explore.ipynb ran, none raised, and it drew its five figures", () => {
  const code = cells.filter((c) => c.cell_type === "code");
  assert.ok(code.length >= 8);
  for (const [i, cell] of code.entries()) {
    assert.equal(typeof cell.execution_count, "number", `code cell ${i} was executed`);
    const errors = (cell.outputs ?? []).filter((o) => o.output_type === "error" || (o.output_type === "stream" && o.name === "stderr"));
    assert.deepEqual(
      errors.map((o) => `${o.ename ?? o.name}: ${o.evalue ?? joined(o.text)}`),
      [],
      `code cell ${i} wrote no error`,
    );
  }
  const images = cells.flatMap((c) => c.outputs ?? []).filter((o) => o.data?.["image/png"] !== undefined);
  assert.equal(images.length, 5, "runs over time, map, countries/ASes, client versions, degree distribution");
});

test("reachable, dialed and discovered nodes per run match the visits", async () => {
  const expected = await queryJson<{ run_id: string; network: string; reachable: number; dialed: number; discovered: number }>(
    data,
    `
    select run_id, network,
      count(*) filter (where outcome in ('ok', 'no_addr_reply'))::int as reachable,
      count(*) filter (where outcome not in ('not_dialed', 'unsupported_network'))::int as dialed,
      count(*)::int as discovered
    from visits group by all order by run_id`,
  );
  assert.equal(expected.length, 2);
  for (const r of expected) {
    assert.ok(
      stdout.includes(`run ${r.run_id} (${r.network}): reachable=${r.reachable} dialed=${r.dialed} discovered=${r.discovered}\n`),
      `notebook shows run ${r.run_id}: reachable=${r.reachable} dialed=${r.dialed} discovered=${r.discovered}`,
    );
  }
});

test("the map, countries, ASes, concentration, client versions and degrees match the newest run's data", async () => {
  const newest = runs[runs.length - 1];
  assert.ok(newest);
  assert.ok(stdout.includes(`single-run sections use run ${newest.runId} (${newest.network})`));
  const where = `v.run_id = '${newest.runId}' and v.outcome in ('ok', 'no_addr_reply')`;
  const [map] = await queryJson<{ reachable: number; located: number; places: number }>(
    data,
    `
    select count(*)::int as reachable, count(g.latitude)::int as located, count(distinct (g.latitude, g.longitude))::int as places
    from visits as v left join geo as g on g.run_id = v.run_id and g.address = v.address where ${where}`,
  );
  assert.ok(map && map.located > 0);
  assert.ok(stdout.includes(`map: ${map.located} of ${map.reachable} reachable nodes located, at ${map.places} places\n`), `map: ${JSON.stringify(map)}`);

  const countries = await queryJson<{ country: string; n: number }>(
    data,
    `
    select g.country_code as country, count(*)::int as n
    from visits as v join geo as g on g.run_id = v.run_id and g.address = v.address
    where ${where} and g.country_code is not null group by all order by n desc, country`,
  );
  assert.ok(
    stdout.includes(
      `top countries: ${countries
        .slice(0, 5)
        .map((c) => `${c.country}=${c.n}`)
        .join(", ")}\n`,
    ),
  );
  const ases = await queryJson<{ asn: number; n: number }>(
    data,
    `
    select asn::int as asn, n from (
      select g.asn, count(*) as n
      from visits as v join geo as g on g.run_id = v.run_id and g.address = v.address
      where ${where} and g.asn is not null group by g.asn)
    order by n desc, asn::varchar`,
  );
  assert.ok(
    stdout.includes(
      `top ASes: ${ases
        .slice(0, 5)
        .map((a) => `AS${a.asn}=${a.n}`)
        .join(", ")}\n`,
    ),
    stdout,
  );
  const countryHhi = Math.round(10_000 * countries.reduce((s, c) => s + (c.n / map.located) ** 2, 0));
  assert.ok(stdout.includes(`country: groups=${countries.length} nakamoto=${nakamoto(countries.map((c) => c.n))} hhi=${countryHhi} `));
  assert.ok(stdout.includes(`asn: groups=${ases.length} nakamoto=${nakamoto(ases.map((a) => a.n))} `));

  const agents = await queryJson<{ user_agent: string; n: number }>(
    data,
    `
    select coalesce(user_agent, '(none)') as user_agent, count(*)::int as n from visits as v where ${where} group by all order by n desc, user_agent`,
  );
  assert.ok(stdout.includes(`${agents.length} user agents; most common: ${agents[0]?.user_agent} on ${agents[0]?.n} reachable nodes\n`));

  const [graph] = await queryJson<{ nodes: number; max_in: number; max_out: number }>(
    data,
    `
    select count(*)::int as nodes, max(in_degree)::int as max_in, max(out_degree)::int as max_out from node_metrics where run_id = '${newest.runId}'`,
  );
  assert.ok(graph);
  assert.match(stdout, new RegExp(`graph: nodes=${graph.nodes} edges=\\d+ max_in_degree=${graph.max_in} max_out_degree=${graph.max_out} components=\\d+\\n`));
});

test("the executed notebook and its map are kept under test-output/notebooks", () => {
  const map = cells.find((c) => c.cell_type === "code" && joined(c.source).includes("world-land.ts"));
  const png = map?.outputs?.map((o) => o.data?.["image/png"]).find((d) => d !== undefined);
  assert.ok(png, "the map cell shows a PNG");
  const bytes = Buffer.from(joined(png), "base64");
  assert.deepEqual([...bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  assert.ok(bytes.length > 20_000, "a real map, not an empty canvas");
  writeFileSync(join(NOTEBOOK_OUTPUTS, "explore-map.png"), bytes);
});

test("notebooks/world-land.ts prints the world's land as GeoJSON (what the map cell draws)", () => {
  const r = spawnSync(process.execPath, ["--import", "tsx", "notebooks/world-land.ts"], { cwd: ROOT, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  assert.equal(r.status, 0, r.stderr);
  const printed = JSON.parse(r.stdout) as ReturnType<typeof worldLand>;
  assert.deepEqual(printed, JSON.parse(JSON.stringify(worldLand("110m"))));
  const geometries = printed.type === "FeatureCollection" ? printed.features.map((f) => f.geometry) : [printed.geometry];
  const lons = geometries.flatMap((g) => (g.type === "MultiPolygon" ? g.coordinates.flat(2) : g.coordinates.flat())).map(([lon]) => lon ?? 0);
  assert.ok(Math.min(...lons) <= -179 && Math.max(...lons) >= 179, "land on both sides of the antimeridian");
  const bad = spawnSync(process.execPath, ["--import", "tsx", "notebooks/world-land.ts", "1m"], { cwd: ROOT, encoding: "utf8" });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /^world-land: unknown resolution '1m' \(110m or 50m\)\n$/);
});
