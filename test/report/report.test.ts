import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Browser } from "playwright-core";
import { writeSampleRun, tenNodes } from "../helpers/sample-run.ts";
import { cli } from "../helpers/cli.ts";

const data = mkdtempSync(join(tmpdir(), "fluxture-report-"));
const outputs = join(process.cwd(), "test-output");
let browser: Browser;
let secondRunId = "";

before(async () => {
  mkdirSync(outputs, { recursive: true });
  const nodes = tenNodes();
  await writeSampleRun(data, { nodes, startedAt: new Date("2026-11-23T12:00:00Z") });
  await new Promise((r) => setTimeout(r, 1100)); // run ids have one-second resolution
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
  await page.screenshot({ path: join(outputs, "report.png"), fullPage: true });
  assert.deepEqual(requests, [], "the report loads nothing from the network");
  await page.close();
  assert.ok(html.includes(secondRunId));
});
