// Every per-node metric and the graph summary of one advertised-address graph: pure computation on typed arrays.
import { type CsrGraph, inDegrees, inducedSubgraph, outDegrees } from "./graph.ts";
import { type PowerResult, pagerank, weightedPagerank, GETADDR_SHARE } from "./pagerank.ts";
import { eigenvectorCentrality } from "./eigenvector.ts";
import { pathMetrics } from "./brandes.ts";
import { type Components, strongComponents, weakComponents } from "./components.ts";
import { type ConnectivityResult, edgeConnectivity } from "./connectivity.ts";
import { louvain } from "./louvain.ts";

/** What the computation needs besides the graph: who was dialled, reachable, replied, and raw reply sizes. */
export interface NodeFacts {
  /** 1 when the crawler dialled the node. */
  readonly attempted?: Uint8Array;
  /** 1 when a handshake with the node succeeded. */
  readonly reachable?: Uint8Array;
  /** 1 when the node answered getaddr (its out-edges are known). */
  readonly replied?: Uint8Array;
  /** Raw number of entries in the node's reply (≥ its distinct out-degree); decides truncation. */
  readonly replyEntries?: Int32Array;
}

/** Tunables of `computeMetrics`. */
export interface MetricsOptions {
  readonly betweennessSamples: number;
  readonly seed: number;
  readonly getaddrShare?: number;
  /** Called after each measure with its name and milliseconds (progress lines on long runs). */
  readonly onStep?: (name: string, ms: number) => void;
}

/** Per-node metric arrays, indexed like the graph's nodes. */
export interface NodeMetricArrays {
  readonly inDegree: Int32Array;
  readonly outDegree: Int32Array;
  readonly pagerank: Float64Array;
  readonly weightedPagerank: Float64Array;
  readonly eigenvector: Float64Array;
  readonly betweenness: Float64Array;
  readonly closeness: Float64Array;
  readonly component: Int32Array;
  readonly strongComponent: Int32Array;
  readonly community: Int32Array;
}

/** Mean, population standard deviation and median of a list of numbers. */
export interface Spread {
  readonly mean: number;
  readonly stddev: number;
  readonly median: number;
}

/** How an iterative measure ended. */
export interface IterationInfo {
  readonly iterations: number;
  readonly converged: boolean;
}

/** Graph-level facts printed after the ranking and recorded in the manifest. */
export interface GraphSummary {
  readonly nodes: number;
  readonly edges: number;
  readonly attemptedNodes: number;
  readonly reachableNodes: number;
  readonly repliedNodes: number;
  readonly reachableShare: number;
  readonly truncatedReplies: number;
  readonly weakComponents: { readonly count: number; readonly largest: number };
  readonly strongComponents: { readonly count: number; readonly largest: number };
  /** Out-degree over the nodes that replied (the only ones whose out-edges are known); all nodes without reply facts. */
  readonly outDegree: Spread & { readonly over: "replied_nodes" | "all_nodes"; readonly nodes: number };
  readonly edgeConnectivity: ConnectivityResult;
  readonly largestSccEdgeConnectivity: ConnectivityResult & { readonly nodes: number };
  readonly communities: { readonly count: number; readonly modularity: number };
  readonly pagerank: IterationInfo;
  readonly weightedPagerank: IterationInfo;
  readonly eigenvector: IterationInfo;
  readonly betweenness: { readonly sources: number; readonly exact: boolean };
}

/** Everything `computeMetrics` produces, with wall-clock milliseconds per measure. */
export interface MetricsResult {
  readonly metrics: NodeMetricArrays;
  readonly summary: GraphSummary;
  readonly timingsMs: Record<string, number>;
}

/** Mean, σ (population) and median. */
export function spread(values: ArrayLike<number>): Spread {
  const n = values.length;
  if (n === 0) return { mean: 0, stddev: 0, median: 0 };
  let sum = 0;
  for (let i = 0; i < n; i++) sum += values[i]!;
  const mean = sum / n;
  let sq = 0;
  for (let i = 0; i < n; i++) sq += (values[i]! - mean) ** 2;
  const sorted = Float64Array.from(values).sort();
  const mid = n >> 1;
  const median = n % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { mean, stddev: Math.sqrt(sq / n), median };
}

const info = (r: PowerResult): IterationInfo => ({ iterations: r.iterations, converged: r.converged });

/** Computes every metric; `timed` wraps each measure so callers (CLI, manifest, bench) see where time goes. */
export function computeMetrics(g: CsrGraph, facts: NodeFacts, opts: MetricsOptions): MetricsResult {
  const timingsMs: Record<string, number> = {};
  const timed = <T>(name: string, fn: () => T): T => {
    const t0 = performance.now();
    const out = fn();
    timingsMs[name] = Math.round((performance.now() - t0) * 10) / 10;
    opts.onStep?.(name, timingsMs[name]);
    return out;
  };
  const { inDegree, outDegree } = timed("degrees", () => ({ inDegree: inDegrees(g), outDegree: outDegrees(g) }));
  const pr = timed("pagerank", () => pagerank(g));
  const wpr = timed("weighted_pagerank", () => weightedPagerank(g, facts.replyEntries, { share: opts.getaddrShare ?? GETADDR_SHARE }));
  const eig = timed("eigenvector", () => eigenvectorCentrality(g));
  const weak = timed("weak_components", () => weakComponents(g));
  const strong = timed("strong_components", () => strongComponents(g));
  const comm = timed("louvain", () => louvain(g, { seed: opts.seed }));
  const paths = timed("betweenness_closeness", () => pathMetrics(g, opts.betweennessSamples, opts.seed));
  const lambda = timed("edge_connectivity", () => edgeConnectivity(g));
  const sccLambda = timed("scc_edge_connectivity", () => largestSccConnectivity(g, strong));

  const replied = facts.replied;
  const degreesOver: number[] = [];
  let attemptedNodes = 0;
  let reachableNodes = 0;
  let repliedNodes = 0;
  let truncatedReplies = 0;
  for (let i = 0; i < g.n; i++) {
    if (replied === undefined || replied[i] === 1) degreesOver.push(outDegree[i]!);
    if (replied?.[i] === 1) repliedNodes++;
    if (facts.attempted?.[i] === 1) attemptedNodes++;
    if (facts.reachable?.[i] === 1) reachableNodes++;
    if ((facts.replyEntries?.[i] ?? outDegree[i]!) >= 1000) truncatedReplies++;
  }
  const summary: GraphSummary = {
    nodes: g.n,
    edges: g.m,
    attemptedNodes,
    reachableNodes,
    repliedNodes,
    reachableShare: g.n === 0 ? 0 : reachableNodes / g.n,
    truncatedReplies,
    weakComponents: { count: weak.count, largest: weak.sizes[0] ?? 0 },
    strongComponents: { count: strong.count, largest: strong.sizes[0] ?? 0 },
    outDegree: { ...spread(degreesOver), over: replied === undefined ? "all_nodes" : "replied_nodes", nodes: degreesOver.length },
    edgeConnectivity: lambda,
    largestSccEdgeConnectivity: sccLambda,
    communities: { count: comm.count, modularity: comm.modularity },
    pagerank: info(pr),
    weightedPagerank: info(wpr),
    eigenvector: info(eig),
    betweenness: { sources: paths.sources, exact: paths.exact },
  };
  const metrics: NodeMetricArrays = {
    inDegree,
    outDegree,
    pagerank: pr.values,
    weightedPagerank: wpr.values,
    eigenvector: eig.values,
    betweenness: paths.betweenness,
    closeness: paths.closeness,
    component: weak.label,
    strongComponent: strong.label,
    community: comm.label,
  };
  return { metrics, summary, timingsMs };
}

/** λ of the subgraph induced by the largest strongly connected component (the mutually-advertising core). */
export function largestSccConnectivity(g: CsrGraph, strong: Components): ConnectivityResult & { nodes: number } {
  const nodes = strong.sizes[0] ?? 0;
  if (nodes < 2) return { value: 0, nodes };
  const { graph } = inducedSubgraph(g, (i) => strong.label[i] === 0);
  return { ...edgeConnectivity(graph), nodes };
}
