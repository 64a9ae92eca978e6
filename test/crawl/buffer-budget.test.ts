// End to end on loopback (issue 19, finding 2): a simnet where a few peers stall inside ~4 MB frames, crawled with a
// small crawl-wide buffer budget. Each staller is shed with the recorded outcome (protocol_error,
// over_buffer_budget) instead of holding its frame for the whole getaddr wait, while every honest peer of the same
// crawl is recorded ok with its edges; the manifest counts the shedding.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { quotedString } from "@duckdb/node-api";
import { openDuckDB, queryRows, type RowObject } from "../../pipeline/duckdb.ts";
import { runCrawl, type CrawlSummary } from "../../stages/crawl/index.ts";
import { readGroundTruth, startSimnet, type GroundTruth, type Simnet } from "../../tools/simnet/index.ts";

const NODES = 40;
const GETADDR_TIMEOUT_MS = 60_000; // a staller not shed would hold its frame this long (the test would time out)

let dir: string;
let simnet: Simnet;
let truth: GroundTruth;
let summary: CrawlSummary;
let visits: Map<string, RowObject>;
let edgesBySource: Map<string, number>;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "fluxture-buffer-budget-"));
  simnet = await startSimnet({
    nodes: NODES,
    base: "127.93.0.0",
    seed: 5,
    profile: "fast",
    shares: { honest: 0.85, frame_stall: 0.15 },
    replyDelayMs: 0,
    out: join(dir, "simnet"),
  });
  truth = await readGroundTruth(simnet.groundTruthPath!);
  summary = await runCrawl({
    dataDir: join(dir, "data"),
    network: "simnet",
    seeds: simnet.seeds,
    dnsSeeds: false,
    concurrency: 100,
    connectTimeoutMs: 5000,
    handshakeTimeoutMs: 5000,
    getaddrTimeoutMs: GETADDR_TIMEOUT_MS,
    bufferBudgetMiB: 3, // below one staller's 4 MB: each one passes the budget and is shed
    dialAllow: ["127.0.0.0/8"],
    dialDeny: [],
    previousRun: false,
    progress: false,
  });
  const db = await openDuckDB({ threads: 1 });
  try {
    const v = await queryRows(db.connection, `select * from read_parquet(${quotedString(join(summary.runDir, "visits.parquet"))})`);
    visits = new Map(v.map((r) => [`${String(r.address)}:${String(r.port)}`, r]));
    const e = await queryRows(
      db.connection,
      `select source_address || ':' || source_port as source, count(*)::integer as n from read_parquet(${quotedString(join(summary.runDir, "addrs.parquet"))}) where in_reply group by all`,
    );
    edgesBySource = new Map(e.map((r) => [String(r.source), Number(r.n)]));
  } finally {
    db.close();
  }
});

after(async () => {
  await simnet?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

test("every frame-stalling peer is shed with protocol_error over_buffer_budget, not held for the getaddr wait", () => {
  const stallers = truth.peers.filter((p) => p.behaviour === "frame_stall");
  assert.equal(stallers.length, 6);
  for (const p of stallers) {
    const v = visits.get(`${p.address}:${p.port}`);
    assert.ok(v !== undefined, `${p.address}:${p.port} never visited`);
    assert.equal(v.outcome, "protocol_error", `${p.address}: ${String(v.error_detail)}`);
    assert.equal(v.protocol_error_code, "over_buffer_budget");
    assert.match(String(v.error_detail), /shed holding \d+ bytes of a partial frame .*budget of 3145728 bytes/);
    assert.notEqual(v.handshake_ms, null, "the staller completed the handshake before it stalled");
  }
});

test("honest peers of the same crawl are recorded normally, with their replies", () => {
  const honest = truth.peers.filter((p) => p.behaviour === "honest");
  assert.equal(honest.length, NODES - 6);
  for (const p of honest) {
    const v = visits.get(`${p.address}:${p.port}`);
    assert.ok(v !== undefined, `${p.address}:${p.port} never visited`);
    assert.equal(v.outcome, "ok", `${p.address}: ${String(v.error_detail)}`);
    assert.ok((edgesBySource.get(`${p.address}:${p.port}`) ?? 0) > 0, `${p.address}: no edges`);
  }
  assert.equal(summary.state, "succeeded");
  assert.equal(summary.stoppedBy, "done");
  assert.ok(summary.durationS * 1000 < GETADDR_TIMEOUT_MS, `${summary.durationS} s: a staller was waited for`);
});

test("the manifest records the budget, its peak and the sessions shed", async () => {
  const manifest = JSON.parse(await readFile(join(summary.runDir, "manifest.json"), "utf8")) as {
    stages: { crawl: { details: Record<string, number> } };
  };
  const d = manifest.stages.crawl.details;
  assert.equal(d.buffer_budget_bytes, 3 * 1024 ** 2);
  assert.equal(d.buffer_shed, 6);
  assert.ok(d.buffer_pressure_events! >= 1 && d.buffer_pressure_events! <= 6);
  assert.ok(d.buffer_peak_bytes! > 3 * 1024 ** 2, `peak ${d.buffer_peak_bytes}`);
});
