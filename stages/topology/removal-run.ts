// `fluxture topology --removal country|asn` and analyze's removal step: load a geolocated run, keep the nodes the
// crawler reached (the original analysed only crawled nodes, state ≥ CONNECTED), group them, run removal.ts, and
// print the rows as a table, JSON or CSV.
import { alignedTable } from "./table.ts";
import { DataError } from "../../pipeline/errors.ts";
import { log } from "../../pipeline/log.ts";
import { Progress } from "../../pipeline/progress.ts";
import { findRun, type RunInfo } from "../../pipeline/runs.ts";
import { buildCsr, inducedSubgraph, type CsrGraph } from "./graph.ts";
import { isGeolocated, loadGraph, type LoadedGraph } from "./load.ts";
import { GRAPH_NOTE } from "./report.ts";
import type { RemovalDimension } from "./options.ts";
import { RemovalAnalysis, type RemovalGroup, type RemovalRow } from "./removal.ts";

/** The analysis of one run along one dimension. */
export interface RemovalReport {
  readonly runId: string;
  readonly network: string;
  readonly dimension: RemovalDimension;
  /** Reachable nodes analysed and the advertisements among them. */
  readonly nodes: number;
  readonly edges: number;
  readonly converged: boolean;
  /** Groups there were, and how many of the largest were analysed (analyze caps ASes; see docs/TOPOLOGY.md §6). */
  readonly groups: number;
  readonly analysedGroups: number;
  /** Sorted by KL divergence, largest first (no node left: last). */
  readonly rows: RemovalRow[];
}

const UNKNOWN = "(unknown)";

/** The run has fewer than two reachable nodes: nothing to remove (analyze skips the step on this one). */
export class TooFewNodesError extends DataError {}

/**
 * analyze removes the ASes with the most reachable nodes only, this many: each group costs a few passes over the
 * graph, and mainnet has over a thousand ASes, most holding one or two nodes. `topology --removal asn` does all.
 */
export const ANALYZE_AS_GROUPS = 100;

/** Options of removalOfRun. */
export interface RemovalRunOptions {
  /** Analyse only the this many groups with the most nodes (default: every group). */
  readonly maxGroups?: number;
  /** Show a progress line (the command does; analyze prints its own step lines). */
  readonly progress?: boolean;
}

/** What the analysis reads of a run: its graph with geography, and the subgraph of its reachable nodes. */
export interface RemovalInput {
  readonly loaded: LoadedGraph;
  readonly graph: CsrGraph;
  /** `ids[k]`: the loaded id of node k of `graph`. */
  readonly ids: Int32Array;
}

/** Loads a geolocated run's reachable graph once, for one or several dimensions. */
export async function loadRemovalInput(info: RunInfo): Promise<RemovalInput> {
  if (!isGeolocated(info.dir)) throw new DataError(`run ${info.id} is not geolocated: run \`fluxture geolocate --run ${info.id}\` first`);
  const loaded = await loadGraph(info.dir, info.id, true);
  const full = buildCsr(loaded.n, loaded.src, loaded.dst).graph;
  const { graph, ids } = inducedSubgraph(full, (i) => loaded.reachable[i] === 1);
  if (graph.n < 2) throw new TooFewNodesError(`run ${info.id} has ${graph.n} reachable node(s): the removal analysis needs at least two`);
  return { loaded, graph, ids };
}

/** Runs the analysis on a run already resolved (analyze) along one dimension; `input` when already loaded. */
export async function removalOfRun(info: RunInfo, dimension: RemovalDimension, o: RemovalRunOptions = {}, input?: RemovalInput): Promise<RemovalReport> {
  const { loaded, graph, ids } = input ?? (await loadRemovalInput(info));
  const geo = loaded.geo!;
  const byKey = new Map<string, { label: string | null; members: number[] }>();
  ids.forEach((i, k) => {
    let key: string;
    let label: string | null = null;
    if (dimension === "country") key = geo.countryCode[i] ?? UNKNOWN;
    else {
      const asn = geo.asn[i];
      key = asn === null || asn === undefined ? UNKNOWN : `AS${asn}`;
      label = asn === null || asn === undefined ? null : (geo.asOrg[i] ?? null);
    }
    let g = byKey.get(key);
    if (g === undefined) byKey.set(key, (g = { label, members: [] }));
    g.members.push(k);
  });
  const all: RemovalGroup[] = [...byKey]
    .map(([key, g]) => ({ key, label: g.label, members: g.members }))
    .sort((a, b) => b.members.length - a.members.length || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const groups = o.maxGroups === undefined ? all : all.slice(0, o.maxGroups);
  const capped = groups.length < all.length ? ` (the ${groups.length} largest analysed)` : "";
  log("info", `removal: run ${info.id}: ${graph.n} reachable nodes, ${graph.m} edges, ${all.length} ${dimension} groups${capped}`);
  const entries = Int32Array.from(ids, (i) => loaded.replyEntries[i]!);
  const analysis = new RemovalAnalysis(graph, entries);
  const found: RemovalRow[] = [];
  const progress = o.progress ? new Progress({ render: () => `removal by ${dimension}: ${found.length}/${groups.length} groups` }) : null;
  try {
    for (const group of groups) {
      found.push(analysis.remove(group));
      await new Promise<void>((resolve) => setImmediate(resolve)); // lets the progress line (and signals) through
    }
  } finally {
    progress?.stop();
  }
  if (!analysis.converged || found.some((r) => !r.converged)) log("warn", "removal: a pagerank did not converge; divergences are approximate");
  const rows = found.sort((a, b) => (b.klDivergence ?? -1) - (a.klDivergence ?? -1) || b.removed - a.removed || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return {
    runId: info.id,
    network: info.network,
    dimension,
    nodes: graph.n,
    edges: graph.m,
    converged: analysis.converged,
    groups: all.length,
    analysedGroups: groups.length,
    rows,
  };
}

/** `fluxture topology --removal`: the run given (or the newest succeeded one) of the data folder. */
export async function runRemoval(o: { data: string; run?: string; dimension: RemovalDimension } & RemovalRunOptions): Promise<RemovalReport> {
  return removalOfRun(await findRun(o.data, o.run === undefined ? {} : { run: o.run }), o.dimension, o);
}

/** CSV columns of the removal table, as analyze writes it (exports/removal.csv). */
export const REMOVAL_CSV_COLUMNS = [
  "network",
  "run_id",
  "dimension",
  "group_key",
  "group_label",
  "nodes_removed",
  "nodes_remaining",
  "rank_share_removed",
  "kl_divergence",
  "disconnected_nodes",
  "largest_component_before",
  "largest_component_after",
] as const;

const csvCell = (v: string | number | null) => {
  if (v === null) return "";
  const t = String(v);
  return /[",\r\n]/.test(t) ? `"${t.replace(/"/g, '""')}"` : t;
};

/** The rows of one or more reports as CSV with a header (RFC 4180). */
export function removalCsv(reports: readonly RemovalReport[]): string {
  const lines = [REMOVAL_CSV_COLUMNS.join(",")];
  for (const r of reports) {
    for (const row of r.rows) {
      const cells = [r.network, r.runId, r.dimension, row.key, row.label, row.removed, row.remaining, row.rankShareRemoved, row.klDivergence, row.disconnected];
      lines.push([...cells, row.largestBefore, row.largestAfter].map(csvCell).join(","));
    }
  }
  return `${lines.join("\n")}\n`;
}

/** The text table: what was analysed, then one line per group. */
export function formatRemoval(r: RemovalReport): string {
  const header = [r.dimension, "removed", "remaining", "rank share", "KL divergence", "disconnected", "largest after"];
  const cells = r.rows.map((row) => [
    row.label === null ? row.key : `${row.key} ${row.label}`,
    String(row.removed),
    String(row.remaining),
    `${(100 * row.rankShareRemoved).toFixed(2)}%`,
    row.klDivergence === null ? "-" : row.klDivergence.toPrecision(6),
    String(row.disconnected),
    String(row.largestAfter),
  ]);
  const largest = r.rows[0]?.largestBefore ?? 0;
  return `${[
    `# run ${r.runId} (${r.network}): ${GRAPH_NOTE}`,
    `# removal by ${r.dimension}${r.analysedGroups < r.groups ? ` (the ${r.analysedGroups} largest of ${r.groups} groups)` : ""}: ${r.nodes} reachable nodes, ${r.edges} edges, largest weak component ${largest}; KL divergence of the remaining nodes' weighted pagerank (before ‖ after); disconnected = nodes cut off from the largest component`,
    ...alignedTable(header, cells),
  ].join("\n")}\n`;
}
