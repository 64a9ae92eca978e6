// `fluxture report --site DIR` over a lake of demo runs (scripts/demo.sh: simnets of different sizes crawled on
// loopback, analysed with the simnet's databases; the notebook tests' data, built once per suite run), opened from
// file:// in Chromium.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Browser } from "playwright-core";
import { cli, queryJson } from "../helpers/cli.ts";
import { buildDemoData } from "../notebooks/demo-data.ts";

const tmp = mkdtempSync(join(tmpdir(), "fluxture-site-"));
const data = join(tmp, "data");
const site = join(tmp, "site");
const outputs = join(process.cwd(), "test-output");
let browser: Browser;
/** Runs in the lake: at least two, so that every trend chart (churn included) is drawn. */
let RUNS = 0;

/** Rows of a mart query, through the CLI as a user would read them. */
const mart = (sql: string) => queryJson(data, sql);

before(async () => {
  mkdirSync(outputs, { recursive: true });
  RUNS = (await buildDemoData(data)).length;
  assert.ok(RUNS >= 2, `${RUNS} demo runs`);
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
});

after(async () => {
  await browser?.close();
  rmSync(tmp, { recursive: true, force: true });
});

test("report --site writes index.html with trend charts, a page per run, the map and the run's files, all working from file://", async () => {
  const r = await cli(["report", "--data", data, "--site", site]);
  assert.equal(r.status, 0, r.stderr);
  const runs = await mart("select run_id, started_at from stg_runs where network = 'simnet' order by started_at");
  assert.equal(runs.length, RUNS);

  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const requests: string[] = [];
  page.on("request", (req) => {
    if (!req.url().startsWith("file:")) requests.push(req.url());
  });
  await page.goto(`file://${join(site, "index.html")}`);
  // trend charts: one point per run per network type, equal to mart_nodes_by_network_type
  const types = await mart("select network_type, run_id, reachable_nodes from mart_nodes_by_network_type where reachable_nodes > 0");
  const drawn = await page
    .locator('[data-chart="network-types"] [data-series]')
    .evaluateAll((els) => els.map((e) => `${e.getAttribute("data-series")}|${e.getAttribute("data-run")}|${e.getAttribute("data-value")}`).sort());
  assert.deepEqual(drawn, types.map((m) => `${m.network_type}|${m.run_id}|${m.reachable_nodes}`).sort());
  const churn = await mart("select run_id, joined from mart_churn");
  assert.equal(churn.length, RUNS - 1);
  for (const c of churn) {
    assert.equal(await page.locator(`[data-chart="churn"] [data-series="joined"][data-run="${c.run_id}"]`).getAttribute("data-value"), String(c.joined));
  }
  assert.equal(await page.locator('[data-chart="nakamoto"] [data-series]').count(), 2 * RUNS, "country and AS per run");
  assert.ok((await page.locator("#world-map circle.reachable").count()) > 0, "the newest run's map");
  assert.equal(await page.locator('[data-table="runs-simnet"] tr[data-run]').count(), RUNS);
  await page.screenshot({ path: join(outputs, "site-index.png"), fullPage: true });

  // every run page is reachable by its link from the index, and links back to it; its files are there and non-empty
  for (const run of runs) {
    await page.locator(`[data-table="runs-simnet"] tr[data-run="${run.run_id}"] a`).first().click();
    await page.waitForLoadState("load");
    assert.ok(page.url().endsWith(`runs/simnet/${run.run_id}/index.html`), page.url());
    assert.match(await page.locator("h1").innerText(), new RegExp(String(run.run_id)));
    const hrefs = await page.locator("nav.site a").evaluateAll((els) => els.map((e) => e.getAttribute("href")!));
    for (const f of ["data/visits.parquet", "data/geo.parquet", "data/nodes.parquet", "exports/nodes.kml", "exports/nodes.geojson", "exports/bitnodes.json"]) {
      assert.ok(hrefs.includes(f), `${run.run_id} links ${f}`);
      assert.ok(statSync(join(site, "runs", "simnet", String(run.run_id), f)).size > 0);
    }
    // the geography came from the simnet's databases (recorded by geolocate), not MaxMind's
    const credit = await page.locator('[data-figure="geo-credit"]').innerText();
    assert.match(credit, /synthetic databases \(Simnet-GeoLite2-City, Simnet-GeoLite2-ASN\), not MaxMind data/);
    await page.locator('nav.site a[data-link="index"]').click();
    await page.waitForLoadState("load");
    assert.ok(page.url().endsWith("site/index.html"));
  }
  const newest = String(runs[runs.length - 1]!.run_id);
  await page.goto(`file://${join(site, "runs", "simnet", newest, "index.html")}`);
  await page.screenshot({ path: join(outputs, "site-run.png"), fullPage: true });
  assert.deepEqual(requests, [], "the site loads nothing from the network");
  await page.close();
  // the published Parquet is the lake's file (a hard link when on the same file system)
  const lakeVisits = execFileSync("find", [data, "-path", `*run_id=${newest}/visits.parquet`], { encoding: "utf8" }).trim();
  assert.equal(readFileSync(join(site, "runs", "simnet", newest, "data", "visits.parquet")).equals(readFileSync(lakeVisits)), true);
  assert.ok(existsSync(join(site, "runs", "simnet", newest, "data", "manifest.json")));
});
