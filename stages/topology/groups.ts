// Ranking per node or per group: the sum of members' pagerank, or (--conglomerate) the pagerank of the group
// graph itself, where groups are nodes and an edge's weight counts the member edges between two groups.
import { type CsrGraph, buildWeightedCsr } from "./graph.ts";
import { type PowerOptions, pagerank } from "./pagerank.ts";

/** One line of the ranking table. */
export interface RankRow {
  readonly name: string;
  readonly rank: number;
  readonly size: number;
  /** size / number of nodes in the graph. */
  readonly share: number;
}

/** What --conglomerate built: the group graph's size and how its pagerank ended. */
export interface ConglomerateInfo {
  readonly nodes: number;
  readonly edges: number;
  readonly iterations: number;
  readonly converged: boolean;
}

/** Sorts rows by rank descending, then name, so the output is deterministic. */
export function sortRows(rows: RankRow[]): RankRow[] {
  return rows.sort((a, b) => b.rank - a.rank || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Interns group names: `ids[i]` is node i's group, `names[k]` group k's name (first-seen order). */
export function groupIndex(memberNames: readonly string[]): { ids: Int32Array; names: string[]; sizes: Int32Array } {
  const index = new Map<string, number>();
  const ids = new Int32Array(memberNames.length);
  const names: string[] = [];
  const sizes: number[] = [];
  memberNames.forEach((name, i) => {
    let k = index.get(name);
    if (k === undefined) {
      k = names.push(name) - 1;
      index.set(name, k);
      sizes.push(0);
    }
    ids[i] = k;
    sizes[k]!++;
  });
  return { ids, names, sizes: Int32Array.from(sizes) };
}

/** One row per node: its name and pagerank. */
export function nodeRanking(nodeNames: readonly string[], rank: ArrayLike<number>): RankRow[] {
  const n = nodeNames.length;
  return sortRows(nodeNames.map((name, i) => ({ name, rank: rank[i]!, size: 1, share: 1 / n })));
}

/** One row per group: rank = sum of its members' pagerank. */
export function groupRanking(memberNames: readonly string[], rank: ArrayLike<number>): RankRow[] {
  const { ids, names, sizes } = groupIndex(memberNames);
  const sums = new Float64Array(names.length);
  for (let i = 0; i < ids.length; i++) sums[ids[i]!]! += rank[i]!;
  const n = memberNames.length;
  return sortRows(names.map((name, k) => ({ name, rank: sums[k]!, size: sizes[k]!, share: sizes[k]! / n })));
}

/**
 * The group graph (edges between different groups, weight = member edges; internal edges dropped) ranked by
 * edge-weighted pagerank, networkx `pagerank(Q, weight="weight")` semantics.
 */
export function conglomerateRanking(g: CsrGraph, memberNames: readonly string[], opts: PowerOptions = {}): { rows: RankRow[]; info: ConglomerateInfo } {
  const { ids, names, sizes } = groupIndex(memberNames);
  const src: number[] = [];
  const dst: number[] = [];
  for (let i = 0; i < g.n; i++) {
    for (let k = g.outStart[i]!; k < g.outStart[i + 1]!; k++) {
      src.push(ids[i]!);
      dst.push(ids[g.outAdj[k]!]!);
    }
  }
  const { graph, weights } = buildWeightedCsr(names.length, src, dst);
  const pr = pagerank(graph, { ...opts, weights });
  const n = memberNames.length;
  const rows = sortRows(names.map((name, k) => ({ name, rank: pr.values[k]!, size: sizes[k]!, share: sizes[k]! / n })));
  return { rows, info: { nodes: graph.n, edges: graph.m, iterations: pr.iterations, converged: pr.converged } };
}
