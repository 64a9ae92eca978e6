// Stall benchmark (issue 19, finding 2): 2,000 simnet peers that each stall inside a ~4 MB frame (`frame_stall`: a
// block header declaring 4,000,000 bytes, all of the payload but its last byte, then silence), crawled with the
// crawler's default concurrency and buffer budget, every peer seeded at once; peak RSS of the crawler must stay
// < 1 GB. Reference in the same bench: 2,000 honest peers crawled the same way. And once, 250 stallers with the
// budget switched off (a 1 TiB budget: what the crawler did before it had one; the issue measured 1.23 GB).
// The simnet runs in this process, the crawler in its own (bench/crawl-child.ts), both inside a private network
// namespace (re-executed through `unshare -rn` when not in one). The getaddr wait is pinned to 30 s: a staller not
// shed holds its frame that long (the default 160–210 s would only lengthen the runs; the budget bounds the sum at
// any wait).
// Usage: bash scripts/run-bench.sh bench/stall.bench.ts   (BENCH_RUNS, default 3; BENCH_STALL_NODES, default 2000;
// BENCH_STALL_BEFORE, default 250: stallers of the no-budget run, 0 to skip it)
import { execFileSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { crawlChild, enterPrivateNetns } from "./crawl-process.ts";
import { report } from "./harness.ts";
import { startSimnet, type Shares } from "../tools/simnet/index.ts";
import type { CrawlSummary } from "../stages/crawl/index.ts";

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const NODES = Number(process.env.BENCH_STALL_NODES ?? 2000);
const BEFORE = Number(process.env.BENCH_STALL_BEFORE ?? 250);
const GETADDR_TIMEOUT_MS = 30_000;
const NO_BUDGET_MIB = 1024 * 1024; // 1 TiB: never reached

await enterPrivateNetns();

interface Measured {
  peakRssMiB: number;
  wallS: number;
  summary: CrawlSummary;
  details: Record<string, number>;
}

/** One crawl of `nodes` simnet peers of the given shares, every one seeded; default options but the pinned wait. */
async function crawl(nodes: number, shares: Shares, seed: number, bufferBudgetMiB?: number): Promise<Measured> {
  const dir = await mkdtemp(join(tmpdir(), "fluxture-bench-stall-"));
  const simnet = await startSimnet({ nodes, shares, replyDelayMs: 0, seed, base: "127.60.0.0", workers: 0 });
  try {
    const seedFile = join(dir, "all-peers.txt");
    await writeFile(seedFile, Array.from({ length: nodes }, (_, i) => simnet.model.hostPort(i)).join("\n"));
    const res = await crawlChild({
      dataDir: join(dir, "data"),
      network: "simnet",
      seeds: [],
      seedFile,
      dnsSeeds: false,
      connectTimeoutMs: 5000,
      handshakeTimeoutMs: 10_000,
      getaddrTimeoutMs: GETADDR_TIMEOUT_MS,
      dialAllow: ["127.0.0.0/8"],
      dialDeny: [],
      previousRun: false,
      ...(bufferBudgetMiB === undefined ? {} : { bufferBudgetMiB }),
    });
    const manifest = JSON.parse(await readFile(join(res.summary.runDir, "manifest.json"), "utf8")) as {
      stages: { crawl: { details: Record<string, number> } };
    };
    return { peakRssMiB: res.peakRssMiB, wallS: res.summary.durationS, summary: res.summary, details: manifest.stages.crawl.details };
  } finally {
    await simnet.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

function describe(label: string, m: Measured): void {
  const o = Object.entries(m.summary.outcomes)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${k} ${n}`)
    .join(", ");
  const d = m.details;
  console.log(
    `  ${label}: peak RSS ${m.peakRssMiB.toFixed(0)} MiB, wall ${m.wallS.toFixed(1)} s; outcomes ${o}; buffer budget ${(d.buffer_budget_bytes! / 1024 ** 2).toFixed(0)} MiB, ` +
      `peak buffered ${(d.buffer_peak_bytes! / 1024 ** 2).toFixed(0)} MiB, ${d.buffer_pressure_events} back-pressure episodes, ${d.buffer_shed} shed`,
  );
}

console.log(
  `stall benchmark: ${RUNS} run(s) each of ${NODES} frame-stalling peers and of ${NODES} honest peers (machine: ${execFileSync("uptime").toString().trim()})`,
);
const stall: Measured[] = [];
const honest: Measured[] = [];
for (let r = 0; r < RUNS; r++) {
  const s = await crawl(NODES, { frame_stall: 1 }, 41 + r);
  describe(`run ${r + 1}, ${NODES} stallers`, s);
  if (s.summary.outcomes.protocol_error + s.summary.outcomes.no_addr_reply !== NODES) throw new Error("a staller was not recorded shed or no_addr_reply");
  stall.push(s);
  const h = await crawl(NODES, { honest: 1 }, 41 + r);
  describe(`run ${r + 1}, ${NODES} honest (reference)`, h);
  if (h.summary.outcomes.ok !== NODES) throw new Error(`only ${h.summary.outcomes.ok} of ${NODES} honest peers ok`);
  honest.push(h);
}
report(
  `${NODES} frame-stalling peers: crawler peak RSS`,
  stall.map((m) => m.peakRssMiB),
  "MiB",
  { max: 1000 },
);
report(
  `${NODES} honest peers (reference): crawler peak RSS`,
  honest.map((m) => m.peakRssMiB),
  "MiB",
);
report(
  `stalling / honest peak RSS`,
  stall.map((m, i) => m.peakRssMiB / honest[i]!.peakRssMiB),
  "×",
);
report(
  `${NODES} frame-stalling peers: sessions shed (protocol_error over_buffer_budget)`,
  stall.map((m) => m.details.buffer_shed!),
  "sessions",
);
report(
  `${NODES} frame-stalling peers: wall`,
  stall.map((m) => m.wallS),
  "s",
);
report(
  `${NODES} honest peers (reference): wall`,
  honest.map((m) => m.wallS),
  "s",
);
if (BEFORE > 0) {
  const b = await crawl(BEFORE, { frame_stall: 1 }, 97, NO_BUDGET_MIB);
  describe(`${BEFORE} stallers without the budget (as before it existed), one run`, b);
  report(`${BEFORE} frame-stalling peers, no budget: crawler peak RSS`, [b.peakRssMiB], "MiB");
}
