// `fluxture topology`: load a run's advertised-address graph, compute every metric, write node_metrics.parquet,
// through runStage (which records it in the manifest), and rank nodes or groups.
import { join } from "node:path";
import { DataError, UsageError } from "../../pipeline/errors.ts";
import { log } from "../../pipeline/log.ts";
import { findRun, type RunInfo } from "../../pipeline/runs.ts";
import type { NetworkName } from "../../lib/bitcoin/networks.ts";
import { NODE_METRICS, type NodeMetricsRow } from "../../pipeline/schema/index.ts";
import { runStage, type StageBodyResult, type StageDefinition, type StageOptions, type StageOutcome } from "../../pipeline/stage.ts";
import { writeParquet } from "../../pipeline/snapshot/index.ts";
import { formatHostPort } from "../../lib/bitcoin/index.ts";
import { buildCsr, inducedSubgraph } from "./graph.ts";
import { conglomerateRanking, groupRanking, nodeRanking, type RankRow, type ConglomerateInfo } from "./groups.ts";
import { isGeolocated, loadGraph, type LoadedGraph } from "./load.ts";
import { computeMetrics, type NodeFacts } from "./metrics.ts";
import { writeDegreeDistribution } from "./degree-dist.ts";
import { GRAPH_NOTE, type TopologyReport } from "./report.ts";
import { DEFAULT_BETWEENNESS_SAMPLES, DEFAULT_SEED, type GroupBy } from "./options.ts";

/** Name of the manifest stage record of topology. */
export const STAGE_NAME = "topology";

const GEO_GROUPS: ReadonlySet<GroupBy> = new Set(["city", "country", "continent", "asn"]);

/** Options of one topology invocation (the CLI flags). */
export interface TopologyOptions {
  readonly data: string;
  readonly run?: string;
  /** With no run: the newest succeeded run of this network. */
  readonly network?: NetworkName;
  readonly groupBy?: GroupBy;
  readonly conglomerate?: boolean;
  readonly onlyCrawledNodes?: boolean;
  readonly betweennessSamples?: number;
  readonly seed?: number;
  readonly degreeDist?: string;
}

/** The options that shape one computation, without the run selection. */
export type TopologyParams = Omit<TopologyOptions, "data" | "run" | "network">;

const UNKNOWN = "(unknown)";

/** Group label of every kept node (`ids[k]` = loaded id of graph node k). */
export function groupNames(loaded: LoadedGraph, ids: ArrayLike<number>, groupBy: GroupBy): string[] {
  const out: string[] = new Array<string>(ids.length);
  const geo = loaded.geo;
  for (let k = 0; k < ids.length; k++) {
    const i = ids[k]!;
    let name: string | null;
    switch (groupBy) {
      case "ip":
        name = loaded.address[i]!;
        break;
      case "version":
        name = loaded.userAgent[i] ?? null;
        break;
      case "city": {
        const city = geo?.city[i] ?? null;
        name = city === null ? null : `${city}, ${geo?.countryCode[i] ?? "??"}`;
        break;
      }
      case "country":
        name = geo?.countryCode[i] ?? null;
        break;
      case "continent":
        name = geo?.continentCode[i] ?? null;
        break;
      case "asn": {
        const asn = geo?.asn[i] ?? null;
        const org = geo?.asOrg[i] ?? null;
        name = asn === null ? null : `AS${asn}${org ? ` ${org}` : ""}`;
        break;
      }
    }
    out[k] = name === null || name === "" ? UNKNOWN : name;
  }
  return out;
}

const subset = <T extends Uint8Array | Int32Array>(a: T, ids: Int32Array): T => {
  const out = new (a.constructor as new (n: number) => T)(ids.length);
  for (let k = 0; k < ids.length; k++) out[k] = a[ids[k]!]!;
  return out;
};

function checkOptions(o: TopologyParams): void {
  if (o.conglomerate && o.groupBy === undefined) throw new UsageError("--conglomerate needs --group-by (it ranks the graph of groups)");
  if (o.degreeDist === "-") throw new UsageError("--degree-dist needs a file path: the SVG plot is written next to the CSV");
}

/** The topology stage's runStage options: which run's lock, and whether to recompute a current node_metrics. */
export type TopologyStageOptions = StageOptions;

/** The record of a computed topology: counts and the parameters and results worth keeping. */
function recordOf(report: TopologyReport, o: TopologyParams, samples: number, seed: number, totalMs: number): StageBodyResult<TopologyReport> {
  const s = report.summary;
  return {
    result: report,
    detail: `${s.nodes} nodes, ${s.edges} edges`,
    counts: {
      nodes: s.nodes,
      edges: s.edges,
      replied_nodes: s.repliedNodes,
      truncated_replies: s.truncatedReplies,
      weak_components: s.weakComponents.count,
      strong_components: s.strongComponents.count,
      communities: s.communities.count,
    },
    details: {
      graph: GRAPH_NOTE,
      seed,
      betweenness_samples: samples,
      betweenness_sources: s.betweenness.sources,
      betweenness_exact: s.betweenness.exact,
      only_crawled_nodes: o.onlyCrawledNodes === true,
      pagerank: s.pagerank,
      weighted_pagerank: s.weightedPagerank,
      eigenvector: s.eigenvector,
      modularity: s.communities.modularity,
      timings_ms: { ...report.timingsMs, total: Math.round(totalMs) },
    },
  };
}

/**
 * `run<Stage>` of topology: node_metrics.parquet of one run through runStage. Its inputs are the crawl's
 * datasets and the options that shape node_metrics, so `analyze` redoes a topology computed with other options.
 */
export async function runTopologyStage(info: RunInfo, o: TopologyParams, opts: TopologyStageOptions = {}): Promise<StageOutcome<TopologyReport>> {
  checkOptions(o);
  const withGeo = o.groupBy !== undefined && GEO_GROUPS.has(o.groupBy);
  if (withGeo && !isGeolocated(info.dir)) {
    throw new DataError(`run ${info.id} is not geolocated: run \`fluxture geolocate --run ${info.id}\` first`);
  }
  const samples = o.betweennessSamples ?? DEFAULT_BETWEENNESS_SAMPLES;
  const seed = o.seed ?? DEFAULT_SEED;
  const definition: StageDefinition<TopologyReport> = {
    name: STAGE_NAME,
    inputs: {
      datasets: ["visits.parquet", "addrs.parquet"],
      stages: ["crawl"],
      params: { only_crawled_nodes: o.onlyCrawledNodes === true, betweenness_samples: samples, seed },
    },
    outputs: [NODE_METRICS.file],
    currentBecause: (previous) => `computed ${previous.finished_at}`,
    async body({ run }) {
      const t0 = performance.now();
      const report = await analyse(run, o, withGeo, samples, seed);
      return recordOf(report, o, samples, seed, performance.now() - t0);
    },
  };
  return runStage(info, definition, opts);
}

/** `fluxture topology`: always computes (it prints the ranking), under the data lock, and records the stage. */
export async function runTopology(o: TopologyOptions, opts: TopologyStageOptions = {}): Promise<TopologyReport> {
  checkOptions(o);
  const info = await findRun(o.data, { run: o.run, network: o.network });
  const outcome = await runTopologyStage(info, o, { dataDir: o.data, ...opts, force: true });
  return outcome.result!;
}

async function analyse(info: RunInfo, o: TopologyParams, withGeo: boolean, samples: number, seed: number): Promise<TopologyReport> {
  const timingsMs: Record<string, number> = {};
  let t = performance.now();
  const loaded = await loadGraph(info.dir, info.id, withGeo);
  timingsMs.load = Math.round(performance.now() - t);
  t = performance.now();
  const full = buildCsr(loaded.n, loaded.src, loaded.dst);
  let graph = full.graph;
  let ids: Int32Array = Int32Array.from({ length: loaded.n }, (_, i) => i);
  if (o.onlyCrawledNodes) ({ graph, ids } = inducedSubgraph(full.graph, (i) => loaded.attempted[i] === 1));
  timingsMs.build = Math.round(performance.now() - t);
  const scope = o.onlyCrawledNodes ? " (with --only-crawled-nodes)" : "";
  if (graph.n === 0) throw new DataError(`run ${info.id} has an empty graph${scope}: no visits and no advertised addresses`);
  const names = Array.from(ids, (i) => formatHostPort(loaded.address[i]!, loaded.port[i]!));
  if (graph.n === 1) throw new DataError(`run ${info.id} has a one-node graph${scope} (${names[0]}): topology needs at least two nodes`);
  if (full.stats.selfLoops > 0) log("debug", `topology: ignored ${full.stats.selfLoops} self-advertisements`);
  log("info", `topology: run ${info.id}: ${graph.n} nodes, ${graph.m} edges`);
  const facts: NodeFacts = {
    attempted: subset(loaded.attempted, ids),
    reachable: subset(loaded.reachable, ids),
    replied: subset(loaded.replied, ids),
    replyEntries: subset(loaded.replyEntries, ids),
  };
  const result = computeMetrics(graph, facts, {
    betweennessSamples: samples,
    seed,
    onStep: (name, ms) => log("debug", `topology: ${name} ${ms.toFixed(0)} ms`),
  });
  Object.assign(timingsMs, result.timingsMs);
  const m = result.metrics;
  const s = result.summary;
  if (!s.pagerank.converged || !s.weightedPagerank.converged) log("warn", "topology: pagerank did not converge; values are approximate");
  if (!s.eigenvector.converged) log("warn", "topology: eigenvector centrality did not converge; written as null");
  t = performance.now();
  const rows: NodeMetricsRow[] = Array.from(ids, (i, k) => ({
    address: loaded.address[i]!,
    port: loaded.port[i]!,
    in_degree: m.inDegree[k]!,
    out_degree: m.outDegree[k]!,
    pagerank: m.pagerank[k]!,
    weighted_pagerank: m.weightedPagerank[k]!,
    eigenvector: s.eigenvector.converged ? m.eigenvector[k]! : null,
    betweenness: m.betweenness[k]!,
    closeness: m.closeness[k]!,
    component: m.component[k]!,
    community: m.community[k]!,
  }));
  const nodeMetricsPath = join(info.dir, NODE_METRICS.file);
  await writeParquet(nodeMetricsPath, NODE_METRICS, rows);
  timingsMs.write = Math.round(performance.now() - t);

  let ranking: RankRow[];
  let conglomerateGraph: ConglomerateInfo | null = null;
  let rankMeaning = "pagerank";
  if (o.groupBy === undefined) {
    ranking = nodeRanking(names, m.pagerank);
  } else if (o.conglomerate) {
    const cg = conglomerateRanking(graph, groupNames(loaded, ids, o.groupBy));
    ranking = cg.rows;
    conglomerateGraph = cg.info;
    rankMeaning = "pagerank of the group graph (edge weight = member edges between groups)";
  } else {
    ranking = groupRanking(groupNames(loaded, ids, o.groupBy), m.pagerank);
    rankMeaning = "sum of the members' pagerank";
  }
  let degreeDistribution: TopologyReport["degreeDistribution"] = null;
  if (o.degreeDist !== undefined) {
    const d = await writeDegreeDistribution(o.degreeDist, m.outDegree, `Out-degree distribution, run ${info.id} (${info.network}) — advertised-address graph`);
    degreeDistribution = { csv: d.csv, svg: d.svg };
  }
  return {
    runId: info.id,
    network: info.network,
    groupBy: o.groupBy ?? "node",
    conglomerate: o.conglomerate === true,
    onlyCrawledNodes: o.onlyCrawledNodes === true,
    rankMeaning,
    rows: ranking,
    summary: s,
    conglomerateGraph,
    nodeMetricsPath,
    degreeDistribution,
    timingsMs,
  };
}
