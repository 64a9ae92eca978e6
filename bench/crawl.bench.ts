// Crawl benchmark (issue 3). The peers are a simnet in worker processes on 127.42.0.0/16 (loopback only); the
// crawler runs in its own process (bench/crawl-child.ts) so its peak RSS is measured alone.
//  1. throughput: 20,000 honest peers, getaddr answered at once with up to 1000 addresses → visits/s, peak RSS
//     (target ≥ 2,000 visits/s on this 2-core machine)
//  2. held sessions: 5,000 peers that answer only after 60 s, every one seeded at once → peak RSS with 5,000
//     sessions open (target < 1 GB)
// Usage: bash scripts/run-bench.sh bench/crawl.bench.ts   (BENCH_RUNS=n to change the number of runs, default 3)
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { crawlChild } from "./crawl-process.ts";
import { report } from "./harness.ts";
import { startSimnet, type Simnet } from "../tools/simnet/index.ts";

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const LOOPBACK = ["127.0.0.0/8", "::1/128"];

async function throughput(): Promise<void> {
  const net: Simnet = await startSimnet({ nodes: 20_000, profile: "fast", replyDelayMs: 0, seed: 7 });
  const rates: number[] = [];
  const sessions: number[] = [];
  const cpuPerSession: number[] = [];
  const rss: number[] = [];
  const peerCpu: number[] = [];
  const simnetCpu = async () => (await net.stats()).processes.reduce((a, p) => a + p.cpuS, 0);
  try {
    for (let r = 0; r < RUNS; r++) {
      const data = await mkdtemp(join(tmpdir(), "fluxture-bench-crawl-"));
      try {
        const cpuBefore = await simnetCpu();
        const res = await crawlChild({
          dataDir: data,
          network: "simnet",
          seeds: [...net.seeds],
          dnsSeeds: false,
          concurrency: 2000,
          connectTimeoutMs: 5000,
          handshakeTimeoutMs: 10_000,
          getaddrTimeoutMs: 70_000,
          dialAllow: LOOPBACK,
          dialDeny: [],
          previousRun: false,
        });
        const s = res.summary;
        const peersCpuS = (await simnetCpu()) - cpuBefore;
        peerCpu.push((1000 * peersCpuS) / s.attempted);
        console.log(
          `  run ${r + 1}: ${s.visits} visits (${s.attempted} dialled, ${s.outcomes.ok} ok) in ${s.durationS.toFixed(1)} s = ` +
            `${s.visitsPerS.toFixed(0)} visits/s, ${(s.attempted / s.durationS).toFixed(0)} sessions/s; ${s.addrs} edges; crawler CPU ` +
            `${res.cpuS.toFixed(1)} s, peers' CPU ${peersCpuS.toFixed(1)} s; peak RSS ${res.peakRssMiB.toFixed(0)} MiB; most descriptors ${res.maxFds}`,
        );
        rates.push(s.visitsPerS);
        sessions.push(s.attempted / s.durationS);
        cpuPerSession.push((1000 * res.cpuS) / s.attempted);
        rss.push(res.peakRssMiB);
      } finally {
        await rm(data, { recursive: true, force: true });
      }
    }
  } finally {
    await net.stop();
  }
  report("crawl 20,000-peer simnet: visits/s (visits.parquet rows, every outcome)", rates, "visits/s", { min: 2000 });
  report("crawl 20,000-peer simnet: dialled sessions/s", sessions, "sessions/s");
  report("crawl 20,000-peer simnet: crawler CPU per dialled session", cpuPerSession, "ms");
  report("crawl 20,000-peer simnet: load generator (simnet) CPU per dialled session", peerCpu, "ms");
  report("crawl 20,000-peer simnet: crawler peak RSS", rss, "MiB");
}

async function heldSessions(): Promise<void> {
  const nodes = 5000;
  const net: Simnet = await startSimnet({ nodes, shares: { slow: 1 }, slowMs: 60_000, replyDelayMs: 0, seed: 11, workers: 1 });
  const rss: number[] = [];
  try {
    const dir = await mkdtemp(join(tmpdir(), "fluxture-bench-held-"));
    const seedFile = join(dir, "all-peers.txt");
    await writeFile(seedFile, Array.from({ length: nodes }, (_, i) => net.model.hostPort(i)).join("\n"));
    try {
      for (let r = 0; r < RUNS; r++) {
        const data = join(dir, `data-${r}`);
        const res = await crawlChild({
          dataDir: data,
          network: "simnet",
          seeds: [],
          seedFile,
          dnsSeeds: false,
          concurrency: 6000,
          connectTimeoutMs: 10_000,
          handshakeTimeoutMs: 20_000,
          getaddrTimeoutMs: 70_000,
          maxDurationS: 25,
          dialAllow: LOOPBACK,
          dialDeny: [],
          previousRun: false,
        });
        const sessions = res.maxFds; // sockets dominate the descriptor count
        console.log(
          `  run ${r + 1}: most descriptors open ${sessions}, RSS then ${res.rssAtMaxFdsMiB.toFixed(0)} MiB, peak RSS ${res.peakRssMiB.toFixed(0)} MiB ` +
            `(${res.summary.outcomes.cancelled} sessions still open at the stop)`,
        );
        if (res.summary.outcomes.cancelled < nodes * 0.95) throw new Error(`only ${res.summary.outcomes.cancelled} sessions were open at the stop`);
        rss.push(res.peakRssMiB);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  } finally {
    await net.stop();
  }
  report("crawl with 5,000 sessions open: crawler peak RSS", rss, "MiB", { max: 1024 });
}

console.log(`crawl benchmark: ${RUNS} run(s) per scenario`);
await throughput();
await heldSessions();
