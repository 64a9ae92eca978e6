// Overlay benchmark (issue 14): a mainnet-shaped simnet (--profile mainnet: 30% IPv4, 5% IPv6 on [::1], 60% Tor v3,
// 5% I2P; Core's uncapped exponential getaddr timer, mean 30 s; nothing-listens addresses blackholed) with its
// SOCKS5 gateway and SAM bridge at realistic Tor/I2P latency (circuit 3 s ±50%, 0.5 s RTT; I2P stream 5 s, 1 s
// RTT; 8% of overlay peers failed by their gateway), crawled with the crawler's default options plus the
// gateways: `BENCH_OVERLAY_PROXIES` SOCKS5 proxies (distinct addresses of the one gateway, as several tor
// clients; default 4) at the default --proxy-concurrency each, and the SAM bridge. Every other option is the CLI's
// default (connect 5 s, handshake 10 s, proxy connect 30 s, I2P 60 s/30 s, adaptive getaddr wait and end-of-crawl
// rule, concurrency sized from the descriptor limit and memory), plus what any simnet crawl needs: the simnet's
// seeds, no DNS seeds, no previous run, a loopback dial policy. Reports wall time, the share of reachable peers
// found per network type, Core replies captured, the crawler's peak RSS, and where the time goes (per network:
// when peers were first advertised, how long they waited for a slot — the proxy cap —, last dial and end,
// circuit setup, handshake and reply wait; the bound the proxy cap sets; event-loop stalls) and why each missed
// reachable peer was missed. Runs inside its own network namespace (re-executes itself through `unshare -rn`).
// Usage: bash scripts/run-bench.sh bench/overlay.bench.ts   (BENCH_OVERLAY_NODES, BENCH_OVERLAY_PROXIES, BENCH_RUNS)
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { crawlChild, enterPrivateNetns } from "./crawl-process.ts";
import { report } from "./harness.ts";
import { describeStalls, watchStalls } from "./loop-stalls.ts";
import { type BenchVisit, readVisits, whereTimeGoes, whyMissed } from "./overlay-where.ts";
import { DEFAULT_PROXY_CONCURRENCY } from "../stages/crawl/gateways.ts";
import type { CrawlOptions } from "../stages/crawl/index.ts";
import { readGroundTruth, startSimnet } from "../tools/simnet/index.ts";
import type { GroundTruthPeer } from "../tools/simnet/ground-truth.ts";

const RUNS = Number(process.env.BENCH_RUNS ?? 1);
const NODES = Number(process.env.BENCH_OVERLAY_NODES ?? 25_000);
const PROXIES = Number(process.env.BENCH_OVERLAY_PROXIES ?? 4);

await enterPrivateNetns();

const NETWORKS = ["ipv4", "ipv6", "onion_v3", "i2p"] as const;
const REACHABLE = new Set(["honest", "spammer", "close_mid_message"]);
const REPLIERS = new Set(["honest", "spammer"]);

interface Measured {
  wallS: number;
  found: Record<string, number>;
  capturedPct: number;
  peakRssMiB: number;
  capBoundS: number;
}

async function overlayCensus(run: number): Promise<Measured> {
  const dir = await mkdtemp(join(tmpdir(), "fluxture-bench-overlay-"));
  const t0 = performance.now();
  const simnet = await startSimnet({
    nodes: NODES,
    profile: "mainnet",
    seed: 41 + run,
    blackhole: true,
    workers: 3,
    torGateway: "0.0.0.0:0", // inside the private namespace: every 127.x address reaches it
    i2pGateway: "127.0.0.1:0",
    out: join(dir, "simnet"),
  });
  const startS = (performance.now() - t0) / 1000;
  try {
    const truth = await readGroundTruth(simnet.groundTruthPath!);
    // The peers fill their reply caches in the background once up; a real network does that on other machines, so
    // the census starts once it is done instead of sharing the 2 cores with it.
    const processes = Math.max(1, simnet.workers);
    const t1 = performance.now();
    while ((await simnet.stats()).prewarmed < processes) await new Promise((r) => setTimeout(r, 500));
    const prewarmS = (performance.now() - t1) / 1000;
    const gatewayStalls = watchStalls();
    const port = simnet.torGateway!.split(":").at(-1);
    const proxies = Array.from({ length: PROXIES }, (_, k) => `socks5://127.0.0.${k + 1}:${port}`);
    const res = await crawlChild({
      dataDir: join(dir, "data"),
      network: "simnet",
      seeds: [...simnet.seeds],
      dnsSeeds: false,
      connectTimeoutMs: 5000,
      handshakeTimeoutMs: 10_000,
      dialAllow: ["127.0.0.0/8", "::1/128"],
      dialDeny: [],
      previousRun: false,
      proxies,
      i2pSam: simnet.i2pGateway!,
    } as CrawlOptions);
    const s = res.summary;
    const parentStalls = gatewayStalls.stop();
    const visits = await readVisits(s.runDir);
    const byKey = new Map(visits.map((v) => [`${v.address}|${v.port}`, v]));
    const visitOf = (p: GroundTruthPeer) => byKey.get(`${p.address}|${p.port}`);
    const isFound = (v: BenchVisit | undefined) =>
      v !== undefined && v.outcome !== "timeout" && v.outcome !== "refused" && v.outcome !== "not_dialed" && v.outcome !== "unreachable";
    const reachable: Record<string, number> = {};
    const found: Record<string, number> = {};
    const missed: GroundTruthPeer[] = [];
    let replied = 0;
    let captured = 0;
    for (const p of truth.peers) {
      const v = visitOf(p);
      if (REACHABLE.has(p.behaviour) && p.gateway_failure === undefined) {
        reachable[p.network] = (reachable[p.network] ?? 0) + 1;
        if (isFound(v)) found[p.network] = (found[p.network] ?? 0) + 1;
        else missed.push(p);
      }
      if (REPLIERS.has(p.behaviour) && p.gateway_failure === undefined) {
        replied++;
        if (v?.outcome === "ok") captured++;
      }
    }
    const advertisers = new Map<string, GroundTruthPeer[]>();
    if (missed.length > 0) {
      const wanted = new Set(missed.map((p) => `${p.address}|${p.port}`));
      for (const p of truth.peers)
        for (const e of p.advertises) {
          const k = `${e[1]}|${e[2]}`;
          if (wanted.has(k)) advertisers.set(k, [...(advertisers.get(k) ?? []), p]);
        }
    }
    const phases = whereTimeGoes(visits, NETWORKS);
    const onionSessionS = visits
      .filter((v) => v.network_type === "onion_v3")
      .reduce((a, v) => a + ((v.connect_ms ?? 0) + (v.handshake_ms ?? 0) + (v.getaddr_ms ?? 0)) / 1000, 0);
    const capBoundS = onionSessionS / (PROXIES * DEFAULT_PROXY_CONCURRENCY);
    const gw = simnet.gatewayStats();
    const m: Measured = {
      wallS: s.durationS,
      found: Object.fromEntries(NETWORKS.map((n) => [n, (100 * (found[n] ?? 0)) / Math.max(1, reachable[n] ?? 0)])),
      capturedPct: (100 * captured) / Math.max(1, replied),
      peakRssMiB: res.peakRssMiB,
      capBoundS,
    };
    console.log(
      `  run ${run + 1}: simnet up in ${startS.toFixed(0)} s, reply caches filled ${prewarmS.toFixed(0)} s later; crawl ${s.visits} visits (${s.attempted} dialled) in ${m.wallS.toFixed(0)} s, crawler CPU ${res.cpuS.toFixed(0)} s; ` +
        `reachable found ${NETWORKS.map((n) => `${n} ${found[n] ?? 0}/${reachable[n] ?? 0}`).join(", ")}; replies captured ${captured}/${replied}; ` +
        `summary reachable ${JSON.stringify(s.reachable)}; outcomes ${JSON.stringify(s.outcomes)}; peak RSS ${m.peakRssMiB.toFixed(0)} MiB; most descriptors ${res.maxFds}`,
    );
    console.log(`  where the time goes (seconds from the first dial):\n    ${phases.join("\n    ")}`);
    console.log(`  event-loop stalls: crawler ${describeStalls(res.stalls)}; gateways (this process) ${describeStalls(parentStalls)}`);
    const why = whyMissed(missed, visitOf, advertisers, (p) => visitOf(p)?.outcome === "ok");
    if (why.length > 0) console.log(`  reachable peers missed:\n    ${why.join("\n    ")}`);
    console.log(
      `  proxy cap: ${PROXIES} proxies × ${DEFAULT_PROXY_CONCURRENCY} sessions; onion session-seconds ${onionSessionS.toFixed(0)} → ≥ ${capBoundS.toFixed(0)} s of wall at the cap ` +
        `(one proxy: ≥ ${(onionSessionS / DEFAULT_PROXY_CONCURRENCY).toFixed(0)} s); tor gateway peak streams ${gw.tor?.peakStreams}, SOCKS credentials ${gw.tor?.credentials}, SAM sessions ${gw.i2p?.credentials}`,
    );
    return m;
  } finally {
    await simnet.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

console.log(
  `overlay benchmark: ${NODES} peers (mainnet mix), ${RUNS} run(s); crawl options: defaults + --proxy ×${PROXIES} (one simnet SOCKS5 gateway, ` +
    `${PROXIES} addresses standing for ${PROXIES} tor clients, --proxy-concurrency default ${DEFAULT_PROXY_CONCURRENCY}) + --i2p-sam + simnet seeds, ` +
    `no DNS seeds, no previous run, --dial-allow 127.0.0.0/8,::1/128; machine shared (2 cores), so figures are noisy`,
);
const runs: Measured[] = [];
for (let r = 0; r < RUNS; r++) runs.push(await overlayCensus(r));
report(
  "overlay census: wall",
  runs.map((m) => m.wallS),
  "s",
  { max: 600 },
);
for (const n of NETWORKS)
  report(
    `overlay census: reachable ${n} peers found`,
    runs.map((m) => m.found[n]!),
    "%",
    { min: 100 },
  );
report(
  "overlay census: Core replies captured",
  runs.map((m) => m.capturedPct),
  "%",
  { min: 99.5 },
);
report(
  "overlay census: crawler peak RSS",
  runs.map((m) => m.peakRssMiB),
  "MiB",
  { max: 1024 },
);
report(
  "overlay census: wall the proxy cap alone imposes (onion session-seconds / total cap)",
  runs.map((m) => m.capBoundS),
  "s",
);
