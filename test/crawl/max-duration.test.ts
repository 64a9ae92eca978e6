// --max-duration is honoured within seconds (issue 19, finding 2): a crawl of peers that complete the handshake and
// never answer getaddr (every session would wait 160–210 s) stops at the deadline, which counts from the start of the
// crawl: no new dial, every open session recorded cancelled at once, the run sealed cancelled with its data. The
// engine stops early by the seal's reserve, so the whole command (seal included) ends by the deadline.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { quotedString } from "@duckdb/node-api";
import { openDuckDB, queryRows } from "../../pipeline/duckdb.ts";
import { readManifest } from "../../pipeline/manifest.ts";
import type { VisitRow } from "../../pipeline/schema/visits.ts";
import { CHAINS } from "../../lib/bitcoin/chains.ts";
import { CrawlEngine } from "../../stages/crawl/engine.ts";
import { Frontier } from "../../stages/crawl/frontier.ts";
import { runCrawl } from "../../stages/crawl/index.ts";
import { DialPolicy } from "../../stages/crawl/policy.ts";
import { SEAL_ROWS_PER_S, sealReserveMs } from "../../stages/crawl/store.ts";
import { startSimnet } from "../../tools/simnet/index.ts";

const NODES = 300;
const MAX_DURATION_S = 4;
/** The engine test's deadline: far enough that only a reserve re-read can stop it near 2 s. */
const DEADLINE_MS = 30_000;

test("a crawl whose peers never answer getaddr ends within seconds of --max-duration, sealed cancelled", { timeout: 120_000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "fluxture-max-duration-"));
  const simnet = await startSimnet({ nodes: NODES, base: "127.94.0.0", seed: 9, shares: { slow: 1 }, slowMs: 600_000, replyDelayMs: 0 });
  t.after(async () => {
    await simnet.stop();
    await rm(dir, { recursive: true, force: true });
  });
  const t0 = performance.now();
  const summary = await runCrawl({
    dataDir: join(dir, "data"),
    network: "simnet",
    seeds: Array.from({ length: NODES }, (_, i) => simnet.model.hostPort(i)),
    dnsSeeds: false,
    connectTimeoutMs: 5000,
    handshakeTimeoutMs: 10_000, // the adaptive getaddr wait (160–210 s) applies
    maxDurationS: MAX_DURATION_S,
    dialAllow: ["127.0.0.0/8"],
    dialDeny: [],
    previousRun: false,
    progress: false,
  });
  const wallS = (performance.now() - t0) / 1000;
  const { getaddrs } = await simnet.stats(); // sessions that had reached the getaddr wait: their peer got the getaddr
  assert.ok(wallS < MAX_DURATION_S + 5, `ended ${wallS.toFixed(1)} s after the start, deadline ${MAX_DURATION_S} s`);
  // it stops early only by the seal's reserve (1 s plus the few rows here; store.ts sealReserveMs)
  assert.ok(wallS >= MAX_DURATION_S - 2, `stopped early: ${wallS.toFixed(1)} s`);
  assert.deepEqual([summary.state, summary.stoppedBy], ["cancelled", "max_duration"]);
  assert.equal(summary.visits, NODES);
  assert.equal(summary.outcomes.cancelled, NODES, JSON.stringify(summary.outcomes));
  assert.equal((await readManifest(join(summary.runDir, "manifest.json"))).state, "cancelled");
  const db = await openDuckDB({ threads: 1 });
  try {
    const rows = await queryRows(
      db.connection,
      `select outcome, count(*)::integer as n, count(handshake_ms)::integer as handshakes from read_parquet(${quotedString(join(summary.runDir, "visits.parquet"))}) group by all`,
    );
    // every session was cancelled, each one that was waiting for its reply (160–210 s to go) with its handshake kept:
    // all of them on an idle machine (handshakes take ~0.5 s); a starved one may still be handshaking some at the deadline
    assert.deepEqual(
      rows.map((r) => [r.outcome, r.n]),
      [["cancelled", NODES]],
    );
    t.diagnostic(`${rows[0]!.handshakes} of ${NODES} sessions had handshaken, ${getaddrs} were waiting for their reply`);
    assert.ok(Number(rows[0]!.handshakes) >= getaddrs, `${rows[0]!.handshakes} visits with a handshake, ${getaddrs} getaddr received by the peers`);
  } finally {
    db.close();
  }
});

test("the seal's reserve: 1 s plus the rows gathered at the seal's rate", () => {
  assert.equal(sealReserveMs(0), 1000);
  assert.equal(sealReserveMs(SEAL_ROWS_PER_S * 4), 5000); // e.g. 1 M addrs rows at 250,000/s: stop 5 s early
});

test("the engine stops at the deadline minus the reserve it is given, re-read as rows arrive", { timeout: 60_000 }, async (t) => {
  const simnet = await startSimnet({ nodes: 20, base: "127.95.0.0", seed: 4, shares: { slow: 1 }, slowMs: 600_000, replyDelayMs: 0 });
  t.after(() => simnet.stop());
  const frontier = new Frontier();
  for (let i = 0; i < 20; i++) {
    const [address, port] = simnet.model.hostPort(i).split(":") as [string, string];
    frontier.add({ address, port: Number(port), networkType: "ipv4", source: "seed_arg", depth: 0 });
  }
  const visits: VisitRow[] = [];
  const t0 = performance.now();
  // the reserve grows (as rows are gathered) once every session waits for its reply, i.e. the peers got every getaddr:
  // decided by state, so a loaded machine that handshakes slowly reaches the same situation later, not a different one
  let reserve = 0;
  let grewS = 0;
  const watch = setInterval(() => {
    void simnet.stats().then((s) => {
      if (s.getaddrs < 20 || reserve > 0) return;
      reserve = DEADLINE_MS - 2000;
      grewS = (performance.now() - t0) / 1000;
    });
  }, 20);
  t.after(() => clearInterval(watch));
  const engine = new CrawlEngine(
    frontier,
    { record: (v) => void visits.push(v) },
    {
      concurrency: 50,
      policy: DialPolicy.of(["127.95.0.0/16"], []),
      session: { magic: CHAINS.regtest.magic, connectTimeoutMs: 5000, handshakeTimeoutMs: 5000, getaddrTimeoutMs: 60_000 },
      deadline: t0 + DEADLINE_MS,
      reserveMs: () => reserve,
    },
  );
  const stats = await engine.run();
  const stoppedS = (performance.now() - t0) / 1000;
  assert.equal(stats.stoppedBy, "max_duration");
  // not before the deadline minus the reserve (2 s), and soon after it or after the reserve grew past it (re-read every
  // 250 ms), long before the deadline itself
  const due = Math.max(2, grewS);
  t.diagnostic(`reserve grew at ${grewS.toFixed(2)} s, stopped at ${stoppedS.toFixed(2)} s`);
  assert.ok(grewS > 0 && stoppedS >= 1.5 && stoppedS < due + 2, `stopped at ${stoppedS.toFixed(2)} s; reserve grew at ${grewS.toFixed(2)} s; due ${due} s`);
  assert.equal(visits.length, 20);
  assert.ok(visits.every((v) => v.outcome === "cancelled" && v.handshake_ms !== null));
  assert.equal(stats.rows, 20); // visit rows (no edges): what the reserve is computed from
});
