// The removal analysis (stages/topology/removal.ts) on a mainnet-sized reachable graph: 15,000 nodes, 400,000
// edges (seeded, crawl-shaped), grouped into 120 countries and ~1,500 ASes with Zipf-like sizes, as analyze runs it:
// every country, the 100 largest ASes (ANALYZE_AS_GROUPS). `topology --removal asn` does every AS: the per-group
// figure extrapolates it. Reference in the same run: one weighted pagerank of the full graph, so the ratio says how
// many full pageranks the analysis costs. Medians of BENCH_RUNS (default 3) runs after one warm-up.
import { median, peakRssMiB, report, timeRuns } from "./harness.ts";
import { buildCsr } from "../stages/topology/graph.ts";
import { weightedPagerank } from "../stages/topology/pagerank.ts";
import { removalAnalysis, type RemovalGroup } from "../stages/topology/removal.ts";
import { ANALYZE_AS_GROUPS } from "../stages/topology/removal-run.ts";
import { seededRng } from "../lib/random.ts";
import { syntheticCrawlGraph } from "../stages/topology/synthetic.ts";

const RUNS = Math.max(3, Number(process.env.BENCH_RUNS ?? 3));
const NODES = 15_000;
const g0 = syntheticCrawlGraph({ nodes: NODES, edges: 400_000, crawledShare: 0.6, truncatedShare: 0.05, seed: 7 });
const { graph } = buildCsr(g0.n, g0.src, g0.dst);
const entries = new Int32Array(NODES);
for (let k = 0; k < g0.src.length; k++) entries[g0.src[k]!]!++;

/** `count` groups with Zipf-like sizes (exponent 1), members drawn at random. */
function groups(count: number, prefix: string, seed: number): RemovalGroup[] {
  const rng = seededRng(seed);
  const weights = Array.from({ length: count }, (_, k) => 1 / (k + 1));
  const total = weights.reduce((a, b) => a + b, 0);
  const members: number[][] = Array.from({ length: count }, () => []);
  for (let i = 0; i < NODES; i++) {
    let r = rng() * total;
    let k = 0;
    while (k < count - 1 && r > weights[k]!) r -= weights[k++]!;
    members[k]!.push(i);
  }
  return members
    .filter((m) => m.length > 0)
    .map((m, k) => ({ key: `${prefix}${k}`, label: null, members: m }))
    .sort((a, b) => b.members.length - a.members.length);
}
const countries = groups(120, "C", 1);
const ases = groups(1500, "AS", 2);
console.log(
  `graph: ${graph.n} nodes, ${graph.m} edges; ${countries.length} countries, ${ases.length} ASes; ${RUNS} runs after 1 warm-up (machine shared, figures noisy)`,
);

const full = await timeRuns(() => weightedPagerank(graph, entries), RUNS);
report("one weighted pagerank of the full graph (reference)", full, "s");
const byCountry = await timeRuns(() => removalAnalysis(graph, entries, countries), RUNS);
report(`removal by country (${countries.length} groups)`, byCountry, "s");
const topAs = ases.slice(0, ANALYZE_AS_GROUPS);
const byAs = await timeRuns(() => removalAnalysis(graph, entries, topAs), RUNS);
report(`removal by AS, the ${topAs.length} largest of ${ases.length} (analyze)`, byAs, "s");
const perGroupMs = (1000 * median(byAs)) / topAs.length;
console.log(
  `per group ${perGroupMs.toFixed(0)} ms (every AS, as topology --removal asn: ~${((perGroupMs * ases.length) / 1000).toFixed(0)} s); ` +
    `ratio to one full weighted pagerank: country ${(median(byCountry) / median(full)).toFixed(0)}×, AS top ${topAs.length} ${(median(byAs) / median(full)).toFixed(0)}×; ` +
    `peak RSS ${(await peakRssMiB()).toFixed(0)} MiB`,
);
