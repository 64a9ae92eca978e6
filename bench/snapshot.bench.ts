// Snapshot writer throughput: 1,000,000 visit rows end to end (append → durable parts → sealed ZSTD Parquet).
import { mkdtempSync, rmSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { median, report, timeRuns } from "./harness.ts";
import { VISITS, type VisitRow } from "../pipeline/schema/index.ts";
import { listParts, SnapshotWriter } from "../pipeline/snapshot/index.ts";

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const FLUSH_ROWS = Number(process.env.BENCH_FLUSH_ROWS ?? 100_000);
const SLICE = 10_000; // rows appended between event-loop turns, as a crawl interleaves appends with socket I/O

const OUTCOMES = ["ok", "ok", "ok", "timeout", "refused", "unreachable", "no_addr_reply", "not_dialed"] as const;
const AGENTS = ["/Satoshi:27.0.0/", "/Satoshi:26.1.0/", "/Satoshi:25.0.0/", "/btcd:0.24.0/", "/Satoshi:0.21.1/"];

/** A plausible crawl: most rows reachable with a full version record, the rest failures with nulls. */
function makeRows(n: number): VisitRow[] {
  const rows: VisitRow[] = new Array(n);
  const t0 = Date.UTC(2026, 0, 1);
  for (let i = 0; i < n; i++) {
    const outcome = OUTCOMES[i % OUTCOMES.length]!;
    const ok = outcome === "ok" || outcome === "no_addr_reply";
    rows[i] = {
      address: `${(i >>> 24) & 255}.${(i >>> 16) & 255}.${(i >>> 8) & 255}.${i & 255}`,
      port: 8333,
      network_type: "ipv4",
      source: i < 100 ? "dns_seed" : "peer",
      depth: i % 7,
      attempted_at: new Date(t0 + i * 3),
      outcome,
      error_detail: ok ? null : `connect ${outcome}`,
      protocol_error_code: null,
      timeout_phase: null,
      connect_ms: outcome === "not_dialed" ? null : 20 + (i % 300),
      handshake_ms: ok ? 40 + (i % 500) : null,
      getaddr_ms: outcome === "ok" ? 1000 + (i % 30000) : null,
      protocol_version: ok ? 70016 : null,
      services: ok ? (i % 5 === 0 ? 1n << 63n : 1033n) : null,
      user_agent: ok ? AGENTS[i % AGENTS.length]! : null,
      start_height: ok ? 900000 + (i % 10) : null,
      relay: ok ? i % 11 !== 0 : null,
      peer_time: ok ? BigInt(1767225600 + i) : null,
      addr_messages: outcome === "ok" ? 2 : 0,
      addrs_received: outcome === "ok" ? 1000 : 0,
    };
  }
  return rows;
}

const rows = makeRows(ROWS);
const root = mkdtempSync(join(tmpdir(), "fluxture-bench-snapshot-"));
let runNo = 0;
let appendSeconds: number[] = [];
let sealSeconds: number[] = [];
let cpuSeconds: number[] = [];
let partCounts: number[] = [];
try {
  const seconds = await timeRuns(
    async () => {
      const dir = join(root, `run${runNo++}`);
      await mkdir(dir);
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      const writer = await SnapshotWriter.open(dir, VISITS, { flushRows: FLUSH_ROWS });
      for (let i = 0; i < rows.length; i++) {
        writer.append(rows[i]!);
        if (i % SLICE === SLICE - 1) await new Promise<void>((r) => setImmediate(r)); // lets background part writes run
      }
      const t1 = performance.now();
      partCounts.push((await listParts(dir, VISITS)).length);
      const n = await writer.seal();
      const t2 = performance.now();
      const c1 = process.cpuUsage(c0);
      cpuSeconds.push((c1.user + c1.system) / 1e6);
      if (n !== ROWS) throw new Error(`sealed ${n} rows, expected ${ROWS}`);
      appendSeconds.push((t1 - t0) / 1000);
      sealSeconds.push((t2 - t1) / 1000);
      rmSync(dir, { recursive: true, force: true });
    },
    RUNS,
    1,
  );
  appendSeconds = appendSeconds.slice(-RUNS);
  sealSeconds = sealSeconds.slice(-RUNS);
  cpuSeconds = cpuSeconds.slice(-RUNS);
  partCounts = partCounts.slice(-RUNS);
  const load = (await import("node:os")).loadavg()[0]!.toFixed(1);
  console.log(`snapshot writer: ${ROWS} visit rows, a part every ${FLUSH_ROWS} rows, appended ${SLICE} per event-loop turn, ${RUNS} runs after 1 warm-up`);
  console.log(
    `  append phase median ${median(appendSeconds).toFixed(3)} s, flush+merge+seal median ${median(sealSeconds).toFixed(3)} s; parts durable before seal: ${partCounts.join(", ")}; load average ${load}`,
  );
  report(
    "snapshot writer rows/s (append → parts → seal)",
    seconds.map((s) => ROWS / s),
    "rows/s",
    { min: 1_000_000 },
  );
  report(
    "  same, per CPU-second of this process (all threads; less sensitive to other load)",
    cpuSeconds.map((s) => ROWS / s),
    "rows/cpu-s",
  );
} finally {
  rmSync(root, { recursive: true, force: true });
}
