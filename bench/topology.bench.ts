// Topology stage on a 25,000-node, 1,000,000-edge crawl-shaped graph (seeded): build, degrees, pagerank, weighted
// pagerank, eigenvector, components, Louvain, betweenness from 256 sources (+ closeness, edge connectivity).
// Target (issue 6): under 60 s in total and 2 GB RSS, medians of ≥ 3 runs. The same measures are then timed in
// networkx (Debian python3-networkx, child process, same edges) with a per-measure timeout, and the ratios printed.
// Then betweenness on the scale tests' 250,000-node graph against the textbook layout (bench/brandes-layout.ts).
// Env: BENCH_RUNS (default 3), NX_TIMEOUT_S (default 300), BENCH_SKIP_NX=1 to leave networkx out (said so),
// BENCH_MAINNET_SOURCES (default 64) for the mainnet-size section.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { median, peakRssMiB, report, timeRuns } from "./harness.ts";
import { Run } from "../pipeline/runs.ts";
import { writeParquet } from "../pipeline/snapshot/index.ts";
import { ADDRS, VISITS, type AddrRow, type VisitRow } from "../pipeline/schema/index.ts";
import { runTopology } from "../stages/topology/run.ts";
import { setQuiet } from "../pipeline/log.ts";
import { DirectedGraph } from "graphology";
import pagerankCjs from "graphology-metrics/centrality/pagerank.js";
import eigenvectorCjs from "graphology-metrics/centrality/eigenvector.js";
import { connectedComponents, stronglyConnectedComponents } from "graphology-components";
import louvainCjs from "graphology-communities-louvain";
import { seededRng } from "../lib/random.ts";
import { buildCsr } from "../stages/topology/graph.ts";
import { computeMetrics, type NodeFacts } from "../stages/topology/metrics.ts";
import { syntheticCrawlGraph } from "../stages/topology/synthetic.ts";
import { benchBetweennessLayout } from "./brandes-layout.ts";

const RUNS = Math.max(3, Number(process.env.BENCH_RUNS ?? 3));
const NX_TIMEOUT_S = Number(process.env.NX_TIMEOUT_S ?? 300);
const NODES = 25_000;
const EDGES = 1_000_000;
const SAMPLES = 256;
const SEED = 1;
const TARGET_S = 60;
const TARGET_RSS_MIB = 2048;

const spec = { nodes: NODES, edges: EDGES, crawledShare: 0.3, truncatedShare: 0.1, seed: SEED };
const g0 = syntheticCrawlGraph(spec);
const replyEntries = new Int32Array(NODES);
for (let k = 0; k < g0.src.length; k++) replyEntries[g0.src[k]!]!++;
console.log(
  `graph: ${NODES} nodes, ${g0.src.length} edges, ${g0.crawled.reduce((a, b) => a + b, 0)} nodes with replies ` +
    `(${Array.from(replyEntries).filter((d) => d >= 1000).length} of 1000 entries), seed ${SEED}; ${RUNS} runs after 1 warm-up`,
);

// The measured unit: CSR build from the edge arrays, then every metric the stage computes.
const perMeasure = new Map<string, number[]>();
let lastModularity = NaN;
let lastCommunities = 0;
function once(): void {
  const t0 = performance.now();
  const { graph } = buildCsr(g0.n, g0.src, g0.dst);
  const build = (performance.now() - t0) / 1000;
  const facts: NodeFacts = { replied: g0.crawled, replyEntries };
  const r = computeMetrics(graph, facts, { betweennessSamples: SAMPLES, seed: SEED });
  lastModularity = r.summary.communities.modularity;
  lastCommunities = r.summary.communities.count;
  const add = (k: string, s: number) => perMeasure.set(k, [...(perMeasure.get(k) ?? []), s]);
  add("build", build);
  for (const [k, ms] of Object.entries(r.timingsMs)) add(k, ms / 1000);
}
let warm = true;
const totals = await timeRuns(
  () => {
    if (warm) {
      once();
      perMeasure.clear();
      warm = false;
      return;
    }
    once();
  },
  RUNS,
  1,
);
for (const [k, v] of perMeasure) report(`  ${k}`, v, "s");
report("topology total (build + all metrics)", totals, "s", { max: TARGET_S });
const rss = await peakRssMiB();
console.log(`peak RSS: ${rss.toFixed(0)} MiB [target ≤ ${TARGET_RSS_MIB} MiB: ${rss <= TARGET_RSS_MIB ? "PASS" : "MISS"}]`);
console.log(`Louvain: ${lastCommunities} communities, directed modularity ${lastModularity.toFixed(4)}`);

await benchBetweennessLayout(RUNS, Number(process.env.BENCH_MAINNET_SOURCES ?? 64), SEED);

// ---- end to end: the same graph as a run on disk (visits + addrs Parquet) through runTopology -------------
{
  setQuiet(true);
  const data = mkdtempSync(join(tmpdir(), "fluxture-topology-e2e-"));
  try {
    const addr = (i: number) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
    const run = await Run.create(data, "simnet", { bench: "topology" });
    const at = new Date("2026-01-01T00:00:00Z");
    const visits = function* (): Generator<VisitRow> {
      for (let i = 0; i < NODES; i++) {
        yield {
          address: addr(i),
          port: 8333,
          network_type: "ipv4",
          source: "peer",
          depth: 1,
          attempted_at: at,
          outcome: g0.crawled[i] === 1 ? "ok" : "timeout",
          error_detail: null,
          protocol_error_code: null,
          timeout_phase: null,
          connect_ms: null,
          handshake_ms: null,
          getaddr_ms: null,
          protocol_version: null,
          services: null,
          user_agent: null,
          start_height: null,
          relay: null,
          peer_time: null,
          addr_messages: 0,
          addrs_received: replyEntries[i]!,
        };
      }
    };
    const addrs = function* (): Generator<AddrRow> {
      for (let k = 0; k < g0.src.length; k++) {
        yield {
          source_address: addr(g0.src[k]!),
          source_port: 8333,
          address: addr(g0.dst[k]!),
          port: 8333,
          network_type: "ipv4",
          services: 1n,
          advertised_at: at,
          message: "addrv2",
          in_reply: true,
        };
      }
    };
    await writeParquet(join(run.dir, VISITS.file), VISITS, visits());
    await writeParquet(join(run.dir, ADDRS.file), ADDRS, addrs());
    await run.seal("succeeded");
    const loads: number[] = [];
    const e2e = await timeRuns(
      async () => {
        const r = await runTopology({ data, betweennessSamples: SAMPLES, seed: SEED });
        loads.push((r.timingsMs.load ?? NaN) / 1000);
      },
      RUNS,
      0,
    );
    report("  load from Parquet (DuckDB)", loads, "s");
    report("end to end: runTopology on the run (load + metrics + node_metrics.parquet + manifest)", e2e, "s", { max: TARGET_S });
  } finally {
    rmSync(data, { recursive: true, force: true });
    setQuiet(false);
  }
}

// These CommonJS packages export the function itself; under NodeNext their d.ts `export default` types as `.default`.
const graphologyPagerank = pagerankCjs as unknown as (typeof pagerankCjs)["default"];
const graphologyEigenvector = eigenvectorCjs as unknown as (typeof eigenvectorCjs)["default"];
const graphologyLouvain = louvainCjs as unknown as (typeof louvainCjs)["default"];

// ---- graphology on the same edges (why stages/topology uses typed arrays instead), one run each -------------
{
  const results: string[] = [];
  const time = <T>(name: string, fn: () => T): T | undefined => {
    const t0 = performance.now();
    try {
      const out = fn();
      results.push(`${name} ${((performance.now() - t0) / 1000).toFixed(2)} s`);
      return out;
    } catch (err) {
      results.push(
        `${name} FAILED after ${((performance.now() - t0) / 1000).toFixed(2)} s (${err instanceof Error ? `${err.name}: ${err.message}` : String(err)})`,
      );
      return undefined;
    }
  };
  const rssBefore = process.memoryUsage().rss;
  const graph = time("build", () => {
    const gr = new DirectedGraph({ allowSelfLoops: false });
    const keys = Array.from({ length: NODES }, (_, i) => String(i));
    for (const k of keys) gr.addNode(k);
    for (let k = 0; k < g0.src.length; k++) gr.addDirectedEdge(keys[g0.src[k]!]!, keys[g0.dst[k]!]!);
    return gr;
  })!;
  results.push(`graph object +${((process.memoryUsage().rss - rssBefore) / 2 ** 20).toFixed(0)} MiB RSS`);
  time("pagerank", () => graphologyPagerank(graph, { getEdgeWeight: null, alpha: 0.85, tolerance: 1e-10, maxIterations: 1000 }));
  time("eigenvector", () => graphologyEigenvector(graph, { maxIterations: 1000, tolerance: 1e-9 }));
  time("weak components", () => connectedComponents(graph));
  time("strong components", () => stronglyConnectedComponents(graph));
  const lv = time("louvain", () => graphologyLouvain.detailed(graph, { rng: seededRng(SEED) }));
  if (lv) results.push(`louvain modularity ${lv.modularity.toFixed(4)}`);
  console.log("graphology 0.26, one run each (graphology-metrics has no sampled betweenness: not timed):");
  for (const line of results) console.log(`  ${line}`);
}

// ---- networkx on the same edges ------------------------------------------------------------------------------
const NX_SCRIPT = `
import json, resource, signal, sys, time
import numpy as np
import networkx as nx

path, n, timeout, samples, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
pairs = np.fromfile(path, dtype="<i4").reshape(-1, 2)
entries = np.bincount(pairs[:, 0], minlength=n)

class Timeout(Exception):
    pass

def on_alarm(signum, frame):
    raise Timeout()

signal.signal(signal.SIGALRM, on_alarm)
out = {}
def timed(name, fn):
    signal.alarm(timeout)
    t0 = time.perf_counter()
    try:
        value = fn()
        out[name] = time.perf_counter() - t0
    except Timeout:
        value = None
        out[name] = None
    finally:
        signal.alarm(0)
    print(json.dumps({"measure": name, "seconds": out[name]}), flush=True)
    return value

def build():
    G = nx.DiGraph()
    G.add_nodes_from(range(n))
    G.add_edges_from(map(tuple, pairs.tolist()))
    return G

def weighted_pagerank_numpy(G, alpha=0.85, tol=1e-10, share=0.23, cap=1000):
    # No networkx equivalent: the same rank-one model with numpy (bincount scatter), as docs/TOPOLOGY.md defines it.
    src, dst = pairs[:, 0], pairs[:, 1]
    d = np.bincount(src, minlength=n).astype(float)
    D = np.where(d > 0, np.minimum(n - 1, np.maximum(d / share, np.where(np.maximum(d, entries) >= cap, cap / share, 0))), 1)
    named = np.where(d > 0, 1 / D, 0)
    spread = np.where(d > 0, (1 - d / D) / np.maximum(n - 1 - d, 1), 0)
    dangling = d == 0
    x = np.full(n, 1 / n)
    for _ in range(1000):
        y = np.bincount(dst, weights=x[src] * (named[src] - spread[src]), minlength=n)
        y = alpha * (y - x * spread + (x * spread).sum() + x[dangling].sum() / n) + (1 - alpha) / n
        err = np.abs(y - x).sum()
        x = y
        if err < n * tol:
            break
    return x

G = timed("build", build)
timed("degrees", lambda: (dict(G.in_degree()), dict(G.out_degree())))
timed("pagerank", lambda: nx.pagerank(G, alpha=0.85, tol=1e-10, max_iter=1000))
timed("weighted_pagerank", lambda: weighted_pagerank_numpy(G))
timed("eigenvector", lambda: nx.eigenvector_centrality(G, tol=1e-9, max_iter=1000))
timed("weak_components", lambda: list(nx.weakly_connected_components(G)))
timed("strong_components", lambda: list(nx.strongly_connected_components(G)))
communities = timed("louvain", lambda: nx.community.louvain_communities(G, seed=seed))
if communities is not None:  # quality, not timed
    print(json.dumps({"measure": "louvain_modularity", "seconds": nx.community.modularity(G, communities), "count": len(communities)}), flush=True)
timed("betweenness", lambda: nx.betweenness_centrality(G, k=samples, seed=seed))
print(json.dumps({"measure": "peak_rss_mib", "seconds": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}), flush=True)
`;

if (process.env.BENCH_SKIP_NX === "1") {
  console.log("networkx comparison skipped (BENCH_SKIP_NX=1)");
} else {
  const dir = mkdtempSync(join(tmpdir(), "fluxture-topology-bench-"));
  try {
    const edgesFile = join(dir, "edges.i32");
    const pairs = new Int32Array(2 * g0.src.length);
    for (let k = 0; k < g0.src.length; k++) (pairs[2 * k] = g0.src[k]!), (pairs[2 * k + 1] = g0.dst[k]!);
    writeFileSync(edgesFile, pairs);
    writeFileSync(join(dir, "nx_bench.py"), NX_SCRIPT);
    const version = await runPython(["-c", "import networkx, numpy, scipy; print(networkx.__version__, numpy.__version__, scipy.__version__)"], 60);
    console.log("ratio = networkx time / fluxture time (fluxture: median of the runs above)");
    console.log(
      `networkx ${version.out
        .trim()
        .split(" ")
        .join(", numpy ")
        .replace(/, numpy ([^,]+)$/, ", scipy $1")} (/usr/bin/python3), per-measure timeout ${NX_TIMEOUT_S} s, one run each:`,
    );
    const nx = new Map<string, number | null>();
    const res = await runPython(
      [join(dir, "nx_bench.py"), edgesFile, String(NODES), String(NX_TIMEOUT_S), String(SAMPLES), String(SEED)],
      NX_TIMEOUT_S * 10 + 600,
      (line) => {
        const m = JSON.parse(line) as { measure: string; seconds: number | null };
        nx.set(m.measure, m.seconds);
      },
    );
    if (res.code !== 0) console.log(`networkx script exited ${res.code}: ${res.err.trim().split("\n").pop()}`);
    const ours = (k: string) => median(perMeasure.get(k) ?? [NaN]);
    const rows: [string, string, number][] = [
      ["build", "build", ours("build")],
      ["degrees", "degrees", ours("degrees")],
      ["pagerank", "pagerank", ours("pagerank")],
      ["weighted pagerank (networkx has none: numpy)", "weighted_pagerank", ours("weighted_pagerank")],
      ["eigenvector", "eigenvector", ours("eigenvector")],
      ["weak components", "weak_components", ours("weak_components")],
      ["strong components", "strong_components", ours("strong_components")],
      ["louvain", "louvain", ours("louvain")],
      [`betweenness k=${SAMPLES} (ours: + closeness)`, "betweenness", ours("betweenness_closeness")],
    ];
    let nxTotal = 0;
    let nxCapped = false;
    for (const [label, key, mine] of rows) {
      const theirs = nx.get(key);
      const text = theirs === undefined ? "not run (script ended early)" : theirs === null ? `> ${NX_TIMEOUT_S} s (timeout)` : `${theirs.toFixed(2)} s`;
      const ratio = theirs === undefined ? "" : theirs === null ? `  ratio ≥ ${(NX_TIMEOUT_S / mine).toFixed(0)}×` : `  ratio ${(theirs / mine).toFixed(1)}×`;
      if (theirs === null || theirs === undefined) nxCapped = true;
      nxTotal += theirs ?? NX_TIMEOUT_S;
      console.log(`  ${label}: fluxture ${mine.toFixed(3)} s, networkx ${text}${ratio}`);
    }
    const oursTotal = rows.reduce((s, r) => s + r[2], 0);
    console.log(
      `  sum of these measures: fluxture ${oursTotal.toFixed(2)} s, networkx ${nxCapped ? "≥ " : ""}${nxTotal.toFixed(1)} s, ratio ${nxCapped ? "≥ " : ""}${(nxTotal / oursTotal).toFixed(0)}×`,
    );
    const nxQ = nx.get("louvain_modularity");
    if (typeof nxQ === "number") console.log(`  Louvain modularity: fluxture ${lastModularity.toFixed(4)}, networkx ${nxQ.toFixed(4)}`);
    const nxRss = nx.get("peak_rss_mib");
    if (typeof nxRss === "number") console.log(`  networkx peak RSS: ${nxRss.toFixed(0)} MiB`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs /usr/bin/python3 with a hard timeout; streams stdout lines to `onLine`. */
function runPython(args: string[], timeoutS: number, onLine?: (line: string) => void): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn("/usr/bin/python3", args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    let pending = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      out += chunk;
      pending += chunk;
      let nl: number;
      while ((nl = pending.indexOf("\n")) >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        if (onLine && line.startsWith("{")) {
          onLine(line);
          const m = JSON.parse(line) as { measure: string; seconds: number | null };
          if (m.measure !== "peak_rss_mib" && m.measure !== "louvain_modularity")
            console.log(`    (networkx ${m.measure}: ${m.seconds === null ? "timeout" : `${m.seconds.toFixed(2)} s`})`);
        }
      }
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (err += chunk));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutS * 1000);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  });
}
