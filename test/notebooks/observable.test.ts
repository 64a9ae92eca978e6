// notebooks/observable built offline (inside a network namespace: no network at all) for the newest of two
// real demo runs, served on 127.0.0.1 and opened in headless Chromium: the figures and charts it shows match
// queries of our own over the same Parquet files, and no request leaves 127.0.0.1.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { main as buildMain, RUN_FILES, type NotebookManifest } from "../../notebooks/observable/build.ts";
import { serveStatic, type StaticServer } from "../../notebooks/observable/serve.ts";
import { buildDemoData, nakamoto, NOTEBOOK_OUTPUTS, ROOT, type DemoRun } from "./demo-data.ts";
import { queryJson } from "../helpers/cli.ts";

const tmp = mkdtempSync(join(tmpdir(), "fluxture-observable-"));
const data = join(tmp, "data");
const site = join(tmp, "site");
let runs: DemoRun[] = [];
let server: StaticServer;
let browser: Browser;
let page: Page;
const requests: string[] = [];
const problems: string[] = [];

/** Runs the notebook build as a user would, in a network namespace of its own (only a loopback that is down). */
function buildOffline(args: readonly string[]): SpawnSyncReturns<string> {
  return spawnSync("unshare", ["-rn", process.execPath, "--import", "tsx", "notebooks/observable/build.ts", ...args], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 180_000,
    env: { ...process.env, FLUXTURE_DATA: "" },
  });
}

/**
 * Runs the build's command line (its `main`) in this process, for input it must refuse before building anything:
 * what it writes to stderr and the exit status it sets. The bin itself runs in buildOffline (the build above).
 */
async function refusedBuild(args: readonly string[]): Promise<{ status: number; stderr: string }> {
  const write = process.stderr.write;
  const exitCode = process.exitCode;
  let stderr = "";
  process.stderr.write = ((chunk: string | Uint8Array) => {
    stderr += typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
    return true;
  }) as typeof process.stderr.write;
  try {
    await buildMain(args);
    return { status: Number(process.exitCode ?? 0), stderr };
  } finally {
    process.stderr.write = write;
    process.exitCode = exitCode;
  }
}

before(async () => {
  mkdirSync(NOTEBOOK_OUTPUTS, { recursive: true });
  runs = await buildDemoData(data);
  const built = buildOffline(["--data", data, "--out", site]);
  assert.equal(built.status, 0, `build failed:\n${built.stdout}\n${built.stderr}`);
  assert.match(built.stdout, new RegExp(`notebook: built ${site} for run ${runs[1]?.runId} \\(simnet, 2 run\\(s\\) of history\\)\\n$`));
  server = await serveStatic(site);
  browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  page.on("request", (req) => requests.push(req.url()));
  page.on("console", (msg) => {
    if (msg.type() === "error") problems.push(`console: ${msg.text()}`);
  });
  page.on("pageerror", (err) => problems.push(`page error: ${err.message}`));
  await page.goto(server.url);
  for (const name of ["map", "countries", "asns", "user-agents", "degrees", "runs"]) {
    await page.locator(`[data-chart="${name}"] svg`).first().waitFor({ timeout: 90_000 });
  }
  await page.locator('[data-figure="ases-hhi"]').waitFor({ timeout: 30_000 });
});

after(async () => {
  await browser?.close();
  await server?.close();
  rmSync(tmp, { recursive: true, force: true });
});

const figure = async (name: string): Promise<string> => (await page.locator(`[data-figure="${name}"]`).innerText()).trim().replaceAll(",", "");
const texts = (selector: string): Promise<string[]> => page.locator(selector).evaluateAll((els) => els.map((e) => e.textContent ?? ""));
const newest = (): DemoRun => {
  const run = runs[runs.length - 1];
  assert.ok(run);
  return run;
};
const reachable = `outcome in ('ok', 'no_addr_reply')`;

test("the built site holds the page, DuckDB-WASM and the chosen run's Parquet files, nothing else of the data folder", () => {
  const manifest = JSON.parse(readFileSync(join(site, "data", "manifest.json"), "utf8")) as NotebookManifest;
  assert.equal(manifest.run.run_id, newest().runId);
  assert.deepEqual(
    manifest.history.map((h) => h.run_id),
    runs.map((r) => r.runId),
  );
  for (const file of RUN_FILES) {
    const copied = join(site, "data", `runs/network=simnet/run_id=${newest().runId}`, file);
    assert.equal(statSync(copied).size, statSync(join(newest().runDir, file)).size, `${file} copied whole`);
  }
  assert.ok(existsSync(join(site, "data", `runs/network=simnet/run_id=${runs[0]?.runId}`, "visits.parquet")));
  assert.ok(!existsSync(join(site, "data", `runs/network=simnet/run_id=${runs[0]?.runId}`, "geo.parquet")), "only visits of earlier runs");
  const html = readFileSync(join(site, "index.html"), "utf8");
  assert.doesNotMatch(html, /<(script|link)[^>]+(src|href)="https?:/i, "the page loads no script or stylesheet from elsewhere");
});

test("the run's headline figures match the visits and geo of the newest run", async () => {
  const [expected] = await queryJson<Record<string, number>>(
    data,
    `
    select count(*)::int as discovered,
      count(*) filter (where outcome not in ('not_dialed', 'unsupported_network'))::int as dialed,
      count(*) filter (where ${reachable})::int as reachable,
      count(g.latitude) filter (where ${reachable})::int as located,
      count(distinct g.country_code) filter (where ${reachable})::int as countries,
      count(distinct g.asn) filter (where ${reachable})::int as ases
    from visits as v left join geo as g on g.run_id = v.run_id and g.address = v.address
    where v.run_id = '${newest().runId}'`,
  );
  assert.ok(expected && expected.reachable! > 0);
  assert.equal(await figure("run"), newest().runId);
  assert.match(await figure("duckdb"), /^v0\.9\.\d+$/, "DuckDB-WASM from node_modules ran the queries");
  for (const name of ["reachable", "dialed", "discovered", "located", "countries", "ases"]) {
    assert.equal(await figure(name), String(expected[name]), name);
  }
});

test("the map draws one dot per place of the located reachable nodes, over the world's land", async () => {
  const places = await queryJson<{ nodes: number }>(
    data,
    `
    select count(*)::int as nodes from visits as v join geo as g on g.run_id = v.run_id and g.address = v.address
    where v.run_id = '${newest().runId}' and ${reachable} and g.latitude is not null group by g.latitude, g.longitude`,
  );
  const titles = await texts('[data-chart="map"] g[aria-label="dot"] circle title');
  assert.equal(titles.length, places.length);
  const shown = titles.map((t) => Number(/: (\d+)$/.exec(t)?.[1]));
  assert.deepEqual(
    [...shown].sort((a, b) => a - b),
    places.map((p) => p.nodes).sort((a, b) => a - b),
  );
  const outlines = await page.locator('[data-chart="map"] g[aria-label="geo"] path').evaluateAll((els) => els.map((e) => (e.getAttribute("d") ?? "").length));
  assert.equal(outlines.length, 2, "the sphere and the land");
  assert.ok(Math.max(...outlines) > 20_000, "the land outlines are drawn in detail");
});

test("the country and AS charts and the concentration figures match the data", async () => {
  const countries = await queryJson<{ label: string; n: number }>(
    data,
    `
    select g.country_code as label, count(*)::int as n
    from visits as v join geo as g on g.run_id = v.run_id and g.address = v.address
    where v.run_id = '${newest().runId}' and ${reachable} and g.country_code is not null group by all order by n desc, label`,
  );
  const ases = await queryJson<{ asn: number; n: number }>(
    data,
    `
    select asn::int as asn, n from (
      select g.asn, count(*) as n from visits as v join geo as g on g.run_id = v.run_id and g.address = v.address
      where v.run_id = '${newest().runId}' and ${reachable} and g.asn is not null group by g.asn)
    order by n desc, asn::varchar`,
  );
  const located = countries.reduce((s, c) => s + c.n, 0);
  assert.deepEqual(
    await texts('[data-chart="countries"] g[aria-label="y-axis tick label"] text'),
    countries.slice(0, 15).map((c) => c.label),
  );
  assert.deepEqual(
    await texts('[data-chart="countries"] g[aria-label="text"] text'),
    countries.slice(0, 15).map((c) => String(c.n)),
  );
  const asLabels = await texts('[data-chart="asns"] g[aria-label="y-axis tick label"] text');
  assert.deepEqual(
    asLabels.map((l) => l.split(" ")[0]),
    ases.slice(0, 15).map((a) => `AS${a.asn}`),
  );
  assert.deepEqual(
    await texts('[data-chart="asns"] g[aria-label="text"] text'),
    ases.slice(0, 15).map((a) => String(a.n)),
  );
  assert.equal(await figure("countries-nakamoto"), String(nakamoto(countries.map((c) => c.n))));
  assert.equal(await figure("ases-nakamoto"), String(nakamoto(ases.map((a) => a.n))));
  assert.equal(await figure("countries-hhi"), String(Math.round(10_000 * countries.reduce((s, c) => s + (c.n / located) ** 2, 0))));
  const asLocated = ases.reduce((s, a) => s + a.n, 0);
  assert.equal(await figure("ases-hhi"), String(Math.round(10_000 * ases.reduce((s, a) => s + (a.n / asLocated) ** 2, 0))));
});

test("client versions, degree distribution and reachable nodes over runs match the data", async () => {
  const agents = await queryJson<{ label: string; n: number }>(
    data,
    `
    select coalesce(user_agent, '(none)') as label, count(*)::int as n from visits
    where run_id = '${newest().runId}' and ${reachable} group by all order by n desc, label limit 12`,
  );
  assert.deepEqual(
    await texts('[data-chart="user-agents"] g[aria-label="y-axis tick label"] text'),
    agents.map((a) => a.label),
  );
  assert.deepEqual(
    await texts('[data-chart="user-agents"] g[aria-label="text"] text'),
    agents.map((a) => String(a.n)),
  );

  const [degrees] = await queryJson<{ points: number }>(
    data,
    `
    select ((select count(distinct in_degree) from node_metrics where run_id = '${newest().runId}' and in_degree > 0)
      + (select count(distinct out_degree) from node_metrics where run_id = '${newest().runId}' and out_degree > 0))::int as points`,
  );
  assert.equal(await page.locator('[data-chart="degrees"] g[aria-label="dot"] circle').count(), degrees?.points);

  const perRun = await queryJson<{ run_id: string; n: number }>(
    data,
    `
    select run_id, count(*) filter (where ${reachable})::int as n from visits group by run_id order by run_id`,
  );
  assert.equal(perRun.length, 2);
  assert.notEqual(perRun[0]?.n, perRun[1]?.n, "the two runs differ, so the chart shows each run's own count");
  assert.deepEqual(
    await texts('[data-chart="runs"] g[aria-label="x-axis tick label"] text'),
    perRun.map((r) => r.run_id),
  );
  assert.deepEqual(
    await texts('[data-chart="runs"] g[aria-label="text"] text'),
    perRun.map((r) => String(r.n)),
  );
});

test("nothing was requested from anywhere but the local server, and the page logged no error", () => {
  assert.ok(requests.length > 5);
  assert.deepEqual(
    requests.filter((url) => !url.startsWith(server.url)),
    [],
  );
  assert.ok(
    requests.some((url) => url.endsWith(".wasm")),
    "the DuckDB WebAssembly came from the local server",
  );
  assert.ok(
    requests.some((url) => url.endsWith("/geo.parquet")),
    "the Parquet files were read over HTTP",
  );
  assert.deepEqual(problems, []);
});

test("a screenshot of the whole notebook is kept under test-output/notebooks", async () => {
  const path = join(NOTEBOOK_OUTPUTS, "observable.png");
  await page.screenshot({ path, fullPage: true });
  await page.locator('[data-chart="map"] svg').waitFor();
  assert.ok(statSync(path).size > 100_000);
});

test("the build fails with one line and no site for a run that is not there or bad flags", async () => {
  const out = join(tmp, "bad-site");
  const missing = await refusedBuild(["--data", data, "--run", "20990101T000000Z", "--out", out]);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /^notebook: run 20990101T000000Z not found in .+\n$/);
  const history = await refusedBuild(["--data", data, "--history", "0", "--out", out]);
  assert.equal(history.status, 2);
  assert.equal(history.stderr, "notebook: --history must be a positive integer, got 0\n");
  const empty = await refusedBuild(["--data", join(tmp, "empty"), "--out", out]);
  assert.equal(empty.status, 1);
  assert.match(empty.stderr, /^notebook: no succeeded run in .+\n$/);
  assert.ok(!existsSync(out));
});

test("the static server answers byte ranges and HEAD as DuckDB-WASM asks for them, and stays inside its folder", async () => {
  const file = `data/runs/network=simnet/run_id=${newest().runId}/visits.parquet`;
  const whole = readFileSync(join(site, file));
  const head = await fetch(new URL(file, server.url), { method: "HEAD" });
  assert.equal(head.status, 200);
  assert.equal(head.headers.get("content-length"), String(whole.length));
  assert.equal(head.headers.get("accept-ranges"), "bytes");
  const tail = await fetch(new URL(file, server.url), { headers: { range: "bytes=-8" } });
  assert.equal(tail.status, 206);
  assert.deepEqual(Buffer.from(await tail.arrayBuffer()), whole.subarray(whole.length - 8));
  assert.equal(Buffer.from(whole.subarray(whole.length - 4)).toString(), "PAR1");
  const mid = await fetch(new URL(file, server.url), { headers: { range: "bytes=4-11" } });
  assert.equal(mid.headers.get("content-range"), `bytes 4-11/${whole.length}`);
  assert.deepEqual(Buffer.from(await mid.arrayBuffer()), whole.subarray(4, 12));
  const beyond = await fetch(new URL(file, server.url), { headers: { range: `bytes=${whole.length}-` } });
  assert.equal(beyond.status, 416);
  await beyond.arrayBuffer();
  const escaped = await fetch(`${server.url}..%2f..%2fetc%2fpasswd`);
  assert.ok(escaped.status === 403 || escaped.status === 404);
  await escaped.arrayBuffer();
});
