// The ranking table and summary lines `fluxture topology` prints, as text or as JSON (same content).
import { safeJsonStringify } from "../../lib/text.ts";
import type { ConnectivityResult } from "./connectivity.ts";
import type { GraphSummary } from "./metrics.ts";
import type { ConglomerateInfo, RankRow } from "./groups.ts";
import { alignedTable } from "./table.ts";

/** What the graph is and is not; printed above every table and carried in the JSON. */
export const GRAPH_NOTE =
  "advertised-address graph (who advertises whom): an edge A→B means B was in A's getaddr reply; " +
  "it is not the connection graph, which Bitcoin does not reveal";

/** Everything one invocation reports. */
export interface TopologyReport {
  readonly runId: string;
  readonly network: string;
  readonly groupBy: string;
  readonly conglomerate: boolean;
  readonly onlyCrawledNodes: boolean;
  /** What `rank` means for these rows. */
  readonly rankMeaning: string;
  readonly rows: readonly RankRow[];
  readonly summary: GraphSummary;
  readonly conglomerateGraph: ConglomerateInfo | null;
  readonly nodeMetricsPath: string;
  readonly degreeDistribution: { readonly csv: string; readonly svg: string } | null;
  readonly timingsMs: Record<string, number>;
}

const pct = (x: number): string => `${(100 * x).toFixed(2)}%`;
const num = (x: number): string => (Number.isInteger(x) ? String(x) : x.toFixed(2));

function connectivityText(c: ConnectivityResult): string {
  return "value" in c ? String(c.value) : `skipped (too large: ~${c.estimatedWork.toExponential(1)} steps)`;
}

/** The summary lines (no trailing newline), one fact per line. */
export function summaryLines(s: GraphSummary): string[] {
  const lambda =
    "value" in s.edgeConnectivity && s.edgeConnectivity.value === 0 && s.strongComponents.count > 1
      ? "0 (not strongly connected)"
      : connectivityText(s.edgeConnectivity);
  return [
    `nodes: ${s.nodes}`,
    `edges: ${s.edges}`,
    `crawled (dialled) nodes: ${s.attemptedNodes}`,
    `reachable nodes: ${s.reachableNodes} (share ${pct(s.reachableShare)})`,
    `nodes that replied to getaddr: ${s.repliedNodes} (${s.truncatedReplies} replies of ≥ 1000 entries, truncated)`,
    `weakly connected components: ${s.weakComponents.count} (largest ${s.weakComponents.largest} nodes)`,
    `strongly connected components: ${s.strongComponents.count} (largest ${s.strongComponents.largest} nodes)`,
    `out-degree over ${s.outDegree.nodes} ${s.outDegree.over === "replied_nodes" ? "nodes that replied" : "nodes"}: ` +
      `mean ${num(s.outDegree.mean)}, σ ${num(s.outDegree.stddev)}, median ${num(s.outDegree.median)}`,
    `edge connectivity: ${lambda}`,
    `edge connectivity of the largest strongly connected component (${s.largestSccEdgeConnectivity.nodes} nodes): ` +
      connectivityText(s.largestSccEdgeConnectivity),
    `communities (Louvain): ${s.communities.count} (modularity ${s.communities.modularity.toFixed(4)})`,
    `betweenness: ${s.betweenness.exact ? "exact" : `sampled from ${s.betweenness.sources} sources`}`,
  ];
}

/** The text report: a note line, the aligned ranking table sorted by rank, a blank line, the summary. */
export function formatText(r: TopologyReport): string {
  const header = ["name", "rank", "size", "share"];
  const cells = r.rows.map((row) => [row.name, row.rank.toPrecision(6), String(row.size), pct(row.share)]);
  const grouping = r.groupBy === "node" ? "per node" : `grouped by ${r.groupBy}${r.conglomerate ? " (conglomerate graph)" : ""}`;
  const out = [
    `# run ${r.runId} (${r.network}): ${GRAPH_NOTE}`,
    `# ${grouping}${r.onlyCrawledNodes ? ", only crawled nodes" : ""}; rank = ${r.rankMeaning}`,
    ...alignedTable(header, cells),
    "",
    ...summaryLines(r.summary),
  ];
  if (r.conglomerateGraph) out.push(`conglomerate graph: ${r.conglomerateGraph.nodes} groups, ${r.conglomerateGraph.edges} weighted edges`);
  out.push(`node metrics: ${r.nodeMetricsPath}`);
  if (r.degreeDistribution) out.push(`degree distribution: ${r.degreeDistribution.csv}, ${r.degreeDistribution.svg}`);
  return `${out.join("\n")}\n`;
}

/** camelCase keys → snake_case, deep. Bounded recursion: the report's own fixed shape (a few levels). */
function snake(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(snake);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), snake(v)]));
  }
  return value;
}

/** The same report as one JSON document (snake_case keys, like the datasets). */
export function formatJson(r: TopologyReport): string {
  const { timingsMs, ...rest } = r;
  return `${safeJsonStringify({ graph: GRAPH_NOTE, ...(snake(rest) as object), timings_ms: timingsMs }, 2)}\n`;
}
