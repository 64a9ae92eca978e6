import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Browser } from "playwright-core";
import { writeSampleRun, tenNodes } from "../helpers/sample-run.ts";
import { cli, queryJson } from "../helpers/cli.ts";

const data = mkdtempSync(join(tmpdir(), "fluxture-report-"));
const outputs = join(process.cwd(), "test-output");
let browser: Browser;
let firstRunId = "";
let secondRunId = "";

/** Rows of a mart query, through the CLI as a user would read them. */
const mart = (sql: string) => queryJson(data, sql);

before(async () => {
  mkdirSync(outputs, { recursive: true });
  const nodes = tenNodes();
  firstRunId = (await writeSampleRun(data, { nodes, startedAt: new Date("2026-11-23T12:00:00Z") })).id;
  // run ids have one-second resolution: Run.create moves a second run in the same second one second later
  // second run: node 7 (Tokyo) left, the timeout node 8 became reachable
  const second = nodes.map((n, i) =>
    i === 6 ? { ...n, outcome: "timeout" as const } : i === 7 ? { ...n, outcome: "ok" as const, userAgent: "/Satoshi:27.0.0/" } : n,
  );
  secondRunId = (await writeSampleRun(data, { nodes: second })).id;
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
});

test("fluxture report writes one self-contained HTML file whose figures match the data (checked in Chromium)", async () => {
  const out = join(data, "report.html");
  const r = await cli(["report", "--data", data, out]);
  assert.equal(r.status, 0, r.stderr);
  const html = readFileSync(out, "utf8");
  assert.doesNotMatch(html, /<script|<link|src="http|href="http/i, "no scripts and no network resources");

  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const requests: string[] = [];
  page.on("request", (req) => {
    if (!req.url().startsWith("file:")) requests.push(req.url());
  });
  await page.goto(`file://${out}`);
  const figure = async (name: string) => (await page.locator(`[data-figure="${name}"]`).innerText()).trim();
  assert.equal(await figure("reachable"), "7");
  assert.equal(await figure("attempted"), "9"); // 10 visits less the onion (unsupported network)
  assert.equal(await figure("discovered"), "10");
  assert.equal(await figure("located"), "7");
  // countries of reachable nodes: DE 2, US 2, FR 1, NL 2 (node 8 now), JP 0
  const countries = await page.locator('[data-table="countries"] tr').allInnerTexts();
  assert.deepEqual(
    countries.map((row) => row.split("\t")[0]),
    ["DE", "NL", "US", "FR"],
  );
  assert.equal(await figure("countries-nakamoto"), "2");
  assert.equal(await figure("countries-hhi"), String(Math.round(10_000 * ((2 / 7) ** 2 * 3 + (1 / 7) ** 2))).replace(/\B(?=(\d{3})+(?!\d))/g, ","));
  // ASes: Hetzner 2, Amazon 2 (Ashburn), DigitalOcean 2, OVH 1
  assert.equal(await figure("ases-nakamoto"), "2");
  // changes since the first run: node 8 joined, node 7 left, six stayed
  assert.equal(await figure("joined"), "1");
  assert.equal(await figure("left"), "1");
  assert.equal(await figure("stayed"), "6");
  assert.equal(await figure("reachable-delta"), "+0");
  const agents = await page.locator('[data-table="user-agents"] tr').allInnerTexts();
  assert.ok(
    agents.some((row) => row.startsWith(`/Evil<b>&"'/`)),
    "the hostile user agent is shown as text, escaped",
  );
  const dots = await page.locator("#world-map circle.reachable").count();
  assert.equal(dots, 4, "one reachable circle per place with reachable nodes: Falkenstein, Ashburn, Roubaix, Amsterdam");
  assert.ok((await page.locator("#world-map .countries path").count()) > 150, "the world's countries are drawn");
  // concentration figures are mart_concentration's (top N from stg_settings), not recomputed
  const [countryMart] = await mart(`select top_n, top_n_share from mart_concentration where run_id = '${secondRunId}' and dimension = 'country'`);
  assert.equal(await figure("countries-top-n"), `${(100 * Number(countryMart!.top_n_share)).toFixed(1)}%`);
  assert.match(await page.locator('[data-figure="countries-top-n"] + .label').innerText(), new RegExp(`top ${countryMart!.top_n} countries`));
  // the oval is whole: the sphere's outline lies inside the map's box
  const svgBox = (await page.locator("#world-map").boundingBox())!;
  const sphereBox = (await page.locator("#world-map .sphere").boundingBox())!;
  assert.ok(sphereBox.y > svgBox.y && sphereBox.y + sphereBox.height < svgBox.y + svgBox.height, "the sphere is not clipped at the top or bottom");
  await page.screenshot({ path: join(outputs, "report.png"), fullPage: true });
  assert.deepEqual(requests, [], "the report loads nothing from the network");
  await page.close();
  assert.ok(html.includes(secondRunId));
});

test("the trend charts draw the marts' numbers for every sealed run (checked in Chromium)", async () => {
  const out = join(data, "history.html");
  const r = await cli(["report", "--data", data, "--since", "30d", out]);
  assert.equal(r.status, 0, r.stderr);
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  await page.goto(`file://${out}`);
  const drawn = async (chart: string) =>
    page
      .locator(`[data-chart="${chart}"] [data-series]`)
      .evaluateAll((els) => els.map((e) => `${e.getAttribute("data-series")}|${e.getAttribute("data-run")}|${e.getAttribute("data-value")}`).sort());
  const types = await mart("select network_type, run_id, reachable_nodes from mart_nodes_by_network_type where reachable_nodes > 0");
  assert.deepEqual(await drawn("network-types"), types.map((m) => `${m.network_type}|${m.run_id}|${m.reachable_nodes}`).sort());
  const concentration = await mart("select dimension, run_id, hhi, nakamoto_coefficient from mart_concentration");
  const label = (d: unknown) => (d === "asn" ? "AS" : "country");
  assert.deepEqual(await drawn("nakamoto"), concentration.map((m) => `${label(m.dimension)}|${m.run_id}|${m.nakamoto_coefficient}`).sort());
  const hhi = await drawn("hhi");
  assert.equal(hhi.length, concentration.length);
  for (const m of concentration) {
    const point = hhi.find((h) => h.startsWith(`${label(m.dimension)}|${m.run_id}|`))!;
    assert.ok(Math.abs(Number(point.split("|")[2]) - 10_000 * Number(m.hhi)) < 1e-6, `${point} vs ${m.hhi}`);
  }
  const churn = await mart("select run_id, joined, left_nodes from mart_churn");
  assert.equal(churn.length, 1);
  assert.deepEqual(await drawn("churn"), [`joined|${secondRunId}|${churn[0]!.joined}`, `left|${secondRunId}|${churn[0]!.left_nodes}`].sort());
  const agents = await mart("select user_agent, run_id, share from mart_user_agents where user_agent = '/Satoshi:27.0.0/'");
  for (const a of agents) {
    const value = await page.locator(`[data-chart="user-agents"] [data-series="/Satoshi:27.0.0/"][data-run="${a.run_id}"]`).getAttribute("data-value");
    assert.ok(Math.abs(Number(value) - Number(a.share)) < 1e-12);
  }
  assert.equal(await page.locator('[data-chart="user-agents"] circle').count(), 5 * 2, "the five most common agents, one point per run");
  await page.locator("#history").screenshot({ path: join(outputs, "report-history.png") });
  await page.close();

  // a window that holds fewer than two runs has no trend charts; a bad --since is one usage line
  const none = await cli(["report", "--data", data, "--since", "2099-01-01", "-"]);
  assert.equal(none.status, 0, none.stderr);
  assert.ok(!none.stdout.includes('id="history"'));
  const bad = await cli(["report", "--data", data, "--since", "soon", "-"]);
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr.trim(), /^fluxture: --since must be an age such as 30d/);
});

test("small circles are drawn over large ones, grey over red at equal size, so no place's nodes are hidden", async () => {
  // the first run: Amsterdam has one reachable node (127.42.0.6) and one timeout (127.42.0.8)
  const out = join(data, "first.html");
  const r = await cli(["report", "--data", data, "--run", firstRunId, out]);
  assert.equal(r.status, 0, r.stderr);
  assert.ok(!readFileSync(out, "utf8").includes('id="history"'), "a run's report shows the network up to itself: one run, no trend");
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  await page.goto(`file://${out}`);
  const circles = await page
    .locator("#world-map circle")
    .evaluateAll((els) => els.map((e) => ({ cls: e.getAttribute("class"), x: e.getAttribute("cx"), y: e.getAttribute("cy"), r: Number(e.getAttribute("r")) })));
  for (let i = 1; i < circles.length; i++) assert.ok(circles[i]!.r <= circles[i - 1]!.r, "drawn largest first");
  const grey = circles.findIndex((c) => c.cls === "unreachable");
  const red = circles.findIndex((c) => c.cls === "reachable" && c.x === circles[grey]!.x && c.y === circles[grey]!.y);
  assert.ok(red >= 0 && red < grey, "at a shared place of equal counts, the grey circle comes after the red one");
  const top = await page
    .locator("#world-map circle.unreachable")
    .first()
    .evaluate((el) => {
      const box = el.getBoundingClientRect();
      return el.ownerDocument.elementFromPoint(box.x + box.width / 2, box.y + box.height / 2)?.getAttribute("class");
    });
  assert.equal(top, "unreachable", "the grey circle is visible, not under the red one");
  await page.close();
});

test("the footer credits the databases the run's geolocate stage recorded, never MaxMind by assumption", async () => {
  const { geoCredit } = await import("../../stages/report/html.ts");
  assert.match(geoCredit({ cityType: "Simnet-GeoLite2-City", asnType: "Simnet-GeoLite2-ASN" }), /synthetic databases .*not MaxMind data/);
  assert.match(geoCredit({ cityType: "GeoLite2-City", asnType: "GeoLite2-ASN" }), /^This product includes GeoLite2 data created by MaxMind/);
  assert.equal(geoCredit(null), "");
  const html = readFileSync(join(data, "report.html"), "utf8");
  assert.ok(!html.includes("GeoLite2"), "a run with no geolocate record credits no database");
});
