// import-fluxture on a mainnet-sized original crawl.db: 50,000 node rows (IPv4-mapped, 2% stored twice in the 6to4
// form), 1,000,000 edges over two crawls, 20,000 version events, 30,000 locations; written by better-sqlite3 in the
// original's schema. Measured: the whole import (read, plan, two sealed runs) into a fresh data folder; reference
// in the same run: reading and checking the database alone (readCrawlDb). Medians of BENCH_RUNS (default 3).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { median, peakRssMiB, report, timeRuns } from "./harness.ts";
import { seededRng } from "../lib/random.ts";
import { setQuiet } from "../pipeline/log.ts";
import { runImport } from "../stages/import/run.ts";
import { readCrawlDb } from "../stages/import/sqlite.ts";

const RUNS = Math.max(3, Number(process.env.BENCH_RUNS ?? 3));
const NODES = 50_000;
const EDGES = 1_000_000;
const root = mkdtempSync(join(tmpdir(), "fluxture-import-bench-"));
const path = join(root, "crawl.db");
setQuiet(true);

const ipv4 = (i: number) => [10 + (i >>> 24), (i >>> 16) & 255, (i >>> 8) & 255, i & 255];
const mapped = (i: number) => Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, ...ipv4(i)]);
const sixToFour = (i: number) => Buffer.from([0x20, 0x02, ...ipv4(i), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
{
  const db = new Database(path);
  db.exec(`create table nodes (ip blob, port integer, is_miner integer, state integer, source text);
    create table edges (from_node integer, to_node integer, timestamp integer);
    create table events (node integer, timestamp integer, event text, description text);
    create table locations (ip blob, city text, country_code text, continent_code text, lat real, lon real, timestamp integer);
    create table hosts (ip blob, isp text, os text, timestamp integer);`);
  const rng = seededRng(3);
  const states = [0, 1, 5, 13, 21, 53, 85, 981, 983];
  db.transaction(() => {
    const node = db.prepare("insert into nodes values (?, 8333, 0, ?, ?)");
    for (let i = 0; i < NODES; i++) node.run(i % 50 === 7 ? sixToFour(i) : mapped(i), i < 20_000 ? 981 : states[i % states.length]!, i < 50 ? "seed" : "peer");
    const edge = db.prepare("insert into edges values (?, ?, ?)");
    for (let k = 0; k < EDGES; k++) {
      const crawl = k < EDGES / 2 ? 0 : 1;
      const from = 1 + Math.floor(rng() * 20_000);
      edge.run(from, 1 + Math.floor(rng() * NODES), 1_609_459_200 + crawl * 2_678_400 + (from % 3600));
    }
    const event = db.prepare("insert into events values (?, ?, 'version', ?)");
    for (let i = 1; i <= 20_000; i++) event.run(i, 1_609_459_200 + (i % 3600), `70016 /Satoshi:${20 + (i % 6)}.0.0/`);
    const loc = db.prepare("insert into locations values (?, 'City', 'US', 'NA', 1.5, 2.5, ?)");
    for (let i = 0; i < 30_000; i++) loc.run(mapped(i), 1_609_459_200 + i);
  })();
  db.close();
}
console.log(`crawl.db: ${NODES} nodes, ${EDGES} edges, 2 crawls; ${RUNS} runs after 1 warm-up (machine shared, figures noisy)`);
const read = await timeRuns(() => readCrawlDb(path), RUNS);
report("read and check the database (reference)", read, "s");
let n = 0;
const full = await timeRuns(async () => {
  const data = join(root, `data-${n++}`);
  await runImport({ source: path, dataDir: data });
  rmSync(data, { recursive: true, force: true });
}, RUNS);
report("import-fluxture: two sealed runs", full, "s");
console.log(`ratio to reading alone ${(median(full) / median(read)).toFixed(1)}×; peak RSS ${(await peakRssMiB()).toFixed(0)} MiB`);
rmSync(root, { recursive: true, force: true });
