// Betweenness at mainnet size, a section of bench/topology.bench.ts: stages/topology/brandes.ts against Brandes as
// the textbook and networkx write it (one array per quantity, dependencies pushed to in-neighbours one level
// closer: the same sources and sums, another memory layout), on the graph of the 250,000-node scale tests
// (test/scale/mainnet-run.ts: 90% reachable, each advertising two nodes), node ids shuffled as address order does.
import { buildCsr, type CsrGraph } from "../stages/topology/graph.ts";
import { pathMetrics } from "../stages/topology/brandes.ts";
import { sampleWithoutReplacement, seededRng } from "../lib/random.ts";
import { median, report, timeRuns } from "./harness.ts";

/** Unnormalised betweenness sums from `samples` seeded sources, the textbook way (the bench's reference). */
export function textbookBetweenness(g: CsrGraph, samples: number, seed: number): Float64Array {
  const n = g.n;
  const sources = sampleWithoutReplacement(n, Math.min(samples, n), seededRng(seed));
  const bc = new Float64Array(n);
  const sumDist = new Float64Array(n);
  const reach = new Float64Array(n);
  const dist = new Int32Array(n).fill(-1);
  const sigma = new Float64Array(n);
  const delta = new Float64Array(n);
  const order = new Int32Array(n);
  const { outStart, outAdj, inStart, inAdj } = g;
  for (const s of sources) {
    let head = 0;
    let tail = 0;
    order[tail++] = s;
    dist[s] = 0;
    sigma[s] = 1;
    while (head < tail) {
      const v = order[head++]!;
      const dv = dist[v]! + 1;
      for (let k = outStart[v]!; k < outStart[v + 1]!; k++) {
        const w = outAdj[k]!;
        if (dist[w]! < 0) {
          dist[w] = dv;
          order[tail++] = w;
        }
        if (dist[w] === dv) sigma[w]! += sigma[v]!;
      }
    }
    for (let t = tail - 1; t > 0; t--) {
      const w = order[t]!;
      sumDist[w]! += dist[w]!;
      reach[w]! += 1;
      const coeff = (1 + delta[w]!) / sigma[w]!;
      for (let k = inStart[w]!; k < inStart[w + 1]!; k++) {
        const v = inAdj[k]!;
        if (dist[v] === dist[w]! - 1) delta[v]! += sigma[v]! * coeff;
      }
      bc[w]! += delta[w]!;
    }
    for (let t = 0; t < tail; t++) {
      const w = order[t]!;
      dist[w] = -1;
      sigma[w] = 0;
      delta[w] = 0;
    }
  }
  return bc;
}

/** The scale tests' 250,000-node graph (450,000 edges), ids shuffled with a seeded permutation. */
export function mainnetShapedGraph(nodes: number, seed: number): CsrGraph {
  const id = sampleWithoutReplacement(nodes, nodes, seededRng(seed));
  const src: number[] = [];
  const dst: number[] = [];
  for (let i = 0; i < nodes; i++) {
    if (i % 10 === 9) continue; // down: advertises nothing
    for (const j of [(i + 1) % nodes, (i * 7 + 3) % nodes]) {
      src.push(id[i]!);
      dst.push(id[j]!);
    }
  }
  return buildCsr(nodes, src, dst).graph;
}

/** Times both layouts on the mainnet-shaped graph, alternately `runs` times each after a warm-up, and prints medians and their ratio. */
export async function benchBetweennessLayout(runs: number, sources: number, seed: number): Promise<void> {
  const g = mainnetShapedGraph(250_000, seed);
  console.log(`betweenness at mainnet size: ${g.n} nodes, ${g.m} edges, ${sources} sources (analyze uses 512: ×${(512 / sources).toFixed(0)})`);
  // alternated run by run, so a change in the machine's load falls on both
  const ours: number[] = [];
  const textbook: number[] = [];
  for (let r = 0; r <= runs; r++) {
    const a = await timeRuns(() => pathMetrics(g, sources, seed), 1, 0);
    const b = await timeRuns(() => textbookBetweenness(g, sources, seed), 1, 0);
    if (r > 0) ours.push(a[0]!), textbook.push(b[0]!); // the first pair warms up
  }
  report("  stages/topology/brandes.ts (interleaved state, pull from successors)", ours, "s");
  report("  textbook Brandes (separate arrays, push to predecessors), same run", textbook, "s");
  console.log(`  ratio textbook / ours: ${(median(textbook) / median(ours)).toFixed(2)}×`);
}
