// End to end (issue 4): crawl a simnet of 2,000 peers with the real crawler (runCrawl, loopback-only dial
// policy) and compare the run's visits and addrs with the simnet's ground truth: every reachable honest
// peer found with its exact version record, every advertised entry present in addrs, every hostile peer
// classified with the right outcome, every nothing-listens address refused, the crawl done in time.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { quotedString } from "@duckdb/node-api";
import { openDuckDB, queryRows, type RowObject } from "../../pipeline/duckdb.ts";
import { runCrawl, type CrawlSummary } from "../../stages/crawl/index.ts";
import type { Behaviour } from "../../tools/simnet/behaviours.ts";
import { readGroundTruth, startSimnet, type GroundTruth, type Simnet } from "../../tools/simnet/index.ts";

const NODES = 2000;
const SLOW_MS = 1500;
const REPLY_DELAY_MS = 100; // honest replies come within 3 × 100 ms
const GETADDR_TIMEOUT_MS = 6000; // > SLOW_MS: slow peers are patient-crawler material and must end ok
const MAX_DURATION_S = 240;

/** The outcome the crawler must record for each behaviour (with the timeouts above). */
const EXPECTED: Record<Behaviour, string> = {
  honest: "ok",
  slow: "ok",
  ping_flood: "ok",
  silent: "timeout",
  full: "reset",
  garbage: "protocol_error",
  wrong_magic: "protocol_error",
  oversized: "protocol_error",
  addr_flood: "protocol_error",
  close_mid_message: "protocol_error",
  spammer: "ok",
  frame_stall: "no_addr_reply",
};

let dir: string;
let simnet: Simnet;
let truth: GroundTruth;
let summary: CrawlSummary;
let visits: Map<string, RowObject>;
let addrs: Map<string, Set<string>>;

const key = (address: string, port: number) => `${address}|${port}`;
const entryKey = (type: string, address: string, port: number, services: string, time: number) => `${type}|${address}|${port}|${services}|${time}`;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "simnet-crawl-"));
  simnet = await startSimnet({
    nodes: NODES,
    base: "127.80.0.0",
    seed: 21,
    epoch: 1_717_200_000,
    replyDelayMs: REPLY_DELAY_MS,
    slowMs: SLOW_MS,
    out: join(dir, "simnet"),
  });
  truth = await readGroundTruth(simnet.groundTruthPath!);
  summary = await runCrawl({
    dataDir: join(dir, "data"),
    network: "simnet",
    seeds: simnet.seeds,
    dnsSeeds: false,
    concurrency: 400,
    connectTimeoutMs: 5000,
    handshakeTimeoutMs: 5000,
    getaddrTimeoutMs: GETADDR_TIMEOUT_MS,
    maxDurationS: MAX_DURATION_S,
    dialAllow: ["127.0.0.0/8", "::1/128"],
    dialDeny: [],
    previousRun: false,
    progress: false,
  });
  const db = await openDuckDB({ threads: 2 });
  try {
    const v = await queryRows(db.connection, `select * from read_parquet(${quotedString(join(summary.runDir, "visits.parquet"))})`);
    visits = new Map(v.map((r) => [key(r.address as string, r.port as number), r]));
    const a = await queryRows(
      db.connection,
      `select source_address, source_port, network_type, address, port, services::varchar as services, epoch(advertised_at)::bigint as t
       from read_parquet(${quotedString(join(summary.runDir, "addrs.parquet"))})`,
    );
    addrs = new Map();
    for (const r of a) {
      const k = key(r.source_address as string, r.source_port as number);
      let set = addrs.get(k);
      if (!set) addrs.set(k, (set = new Set()));
      set.add(entryKey(r.network_type as string, r.address as string, r.port as number, r.services as string, Number(r.t)));
    }
  } finally {
    db.close();
  }
});

after(async () => {
  await simnet?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

test("the crawl finishes by exhausting its frontier, within its deadline", () => {
  assert.equal(summary.state, "succeeded");
  assert.equal(summary.stoppedBy, "done");
  assert.ok(summary.durationS < MAX_DURATION_S, `${summary.durationS} s`);
});

test("every peer was visited, and every behaviour got its outcome", () => {
  const wrong: string[] = [];
  for (const p of truth.peers) {
    const v = visits.get(key(p.address, p.port));
    if (!v) wrong.push(`${p.address}:${p.port} (${p.behaviour}) never visited`);
    else if (v.outcome !== EXPECTED[p.behaviour]) wrong.push(`${p.address}:${p.port} ${p.behaviour}: ${String(v.outcome)} (${String(v.error_detail)})`);
  }
  assert.deepEqual(wrong.slice(0, 20), [], `${wrong.length} peers wrong`);
});

test("every reachable peer's version record is exactly the ground truth's", () => {
  let checked = 0;
  for (const p of truth.peers) {
    if (EXPECTED[p.behaviour] !== "ok") continue;
    const v = visits.get(key(p.address, p.port))!;
    assert.deepEqual(
      [v.protocol_version, String(v.services), v.user_agent, v.start_height, v.relay],
      [p.version.protocol_version, p.version.services, p.version.user_agent, p.version.start_height, p.version.relay],
      `${p.address}:${p.port}`,
    );
    checked++;
  }
  assert.ok(checked > 0.85 * NODES, `${checked} peers checked`);
});

test("every advertised entry of every replying peer is in addrs, with its services and timestamp", () => {
  let entries = 0;
  for (const p of truth.peers) {
    if (!p.replies) continue;
    const got = addrs.get(key(p.address, p.port)) ?? new Set<string>();
    const missing = p.advertises.filter(([t, a, port, s, time]) => !got.has(entryKey(t, a, port, s, time)));
    assert.deepEqual(missing.slice(0, 5), [], `${p.address}:${p.port} (${p.behaviour}): ${missing.length} of ${p.advertises.length} missing`);
    entries += p.advertises.length;
  }
  assert.ok(entries > 50_000, `${entries} entries compared`);
});

test("addresses where nothing listens are refused; overlay entries are recorded, not dialled", () => {
  const seen = { refusedV4: 0, refusedV6: 0, overlay: 0 };
  const peerKeys = new Set(truth.peers.map((p) => key(p.address, p.port)));
  for (const [k, v] of visits) {
    if (peerKeys.has(k)) continue;
    const type = v.network_type as string;
    if (type === "ipv4" || type === "ipv6") {
      assert.equal(v.outcome, "refused", `${k}: ${String(v.outcome)} ${String(v.error_detail)}`);
      if (type === "ipv4") seen.refusedV4++;
      else seen.refusedV6++;
    } else {
      assert.ok(v.outcome === "unsupported_network" || v.outcome === "not_dialed", `${k}: ${String(v.outcome)}`);
      seen.overlay++;
    }
  }
  assert.ok(seen.refusedV4 > 100 && seen.refusedV6 > 10 && seen.overlay > 100, JSON.stringify(seen));
});
