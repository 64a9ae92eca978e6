// Loads the networkx-computed fixtures (test/topology/fixtures/expected.json, made by make_expected.py).
import { readFileSync } from "node:fs";
import { buildCsr, type CsrGraph } from "../../stages/topology/graph.ts";

/** What make_expected.py recorded for one graph. */
export interface Expected {
  in_degree: number[];
  out_degree: number[];
  pagerank: number[];
  betweenness: number[];
  closeness: number[];
  eigenvector: number[] | null;
  weak_components: number[][];
  strong_components: number[][];
  edge_connectivity: number;
  louvain_modularity: number;
  louvain_communities: number[][];
  modularity_mod3: number;
  weighted_pagerank: number[];
  weighted_pagerank_share_half_cap_10: number[];
  weighted_pagerank_share_1: number[];
  group_rank_sum: Record<string, number>;
  conglomerate_pagerank: Record<string, number>;
  conglomerate_edges: number;
}

/** One fixture graph with its inputs and networkx's answers. */
export interface FixtureGraph {
  name: string;
  n: number;
  edges: [number, number][];
  crawled: number[];
  reply_entries: Record<string, number>;
  expected: Expected;
}

/** The parsed fixture file. */
export const FIXTURES = JSON.parse(readFileSync(new URL("./fixtures/expected.json", import.meta.url), "utf8")) as {
  networkx_version: string;
  graphs: FixtureGraph[];
};

/** The fixture's graph in CSR form. */
export function csrOf(f: FixtureGraph): CsrGraph {
  return buildCsr(
    f.n,
    f.edges.map((e) => e[0]),
    f.edges.map((e) => e[1]),
  ).graph;
}

/** Reply entry counts per node (the out-degree unless the fixture says otherwise). */
export function replyEntriesOf(f: FixtureGraph, g: CsrGraph): Int32Array {
  const r = new Int32Array(f.n);
  for (let i = 0; i < f.n; i++) r[i] = f.reply_entries[String(i)] ?? g.outStart[i + 1]! - g.outStart[i]!;
  return r;
}

/** Group name of node i in the fixtures (make_expected.py's group_names). */
export const groupName = (i: number): string => `g${i % 4}`;

/** A labelling as a canonical list of sorted member lists. */
export function partition(label: ArrayLike<number>): number[][] {
  const by = new Map<number, number[]>();
  for (let i = 0; i < label.length; i++) {
    const c = label[i]!;
    if (!by.has(c)) by.set(c, []);
    by.get(c)!.push(i);
  }
  return [...by.values()].sort((a, b) => a[0]! - b[0]!);
}
