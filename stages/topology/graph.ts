// Compressed sparse row (CSR) form of the advertised-address graph: typed arrays, so 50,000 nodes and
// millions of edges fit in a few tens of MB and every metric walks plain integer arrays.

/** A directed graph in CSR form, out-edges and in-edges both, without duplicate edges or self-loops. */
export interface CsrGraph {
  /** Number of nodes; nodes are the integers 0 … n-1. */
  readonly n: number;
  /** Number of distinct directed edges. */
  readonly m: number;
  /** outStart[i] … outStart[i+1]-1 index outAdj: the out-neighbours of i, ascending. */
  readonly outStart: Int32Array;
  readonly outAdj: Int32Array;
  /** inStart[j] … inStart[j+1]-1 index inAdj: the in-neighbours of j, ascending. */
  readonly inStart: Int32Array;
  readonly inAdj: Int32Array;
}

/** Counts of what `buildCsr` dropped, so the caller can report them. */
export interface BuildStats {
  readonly duplicates: number;
  readonly selfLoops: number;
}

/** Builds a CSR graph from parallel edge arrays src[k] → dst[k]; drops self-loops and duplicate edges. */
export function buildCsr(n: number, src: ArrayLike<number>, dst: ArrayLike<number>): { graph: CsrGraph; stats: BuildStats } {
  const { graph, selfLoops } = buildRows(n, src, dst, false);
  return { graph, stats: { duplicates: src.length - selfLoops - graph.m, selfLoops } };
}

/** Like `buildCsr`, but duplicate edges become one edge whose weight is their count (aligned with outAdj). */
export function buildWeightedCsr(n: number, src: ArrayLike<number>, dst: ArrayLike<number>): { graph: CsrGraph; weights: Float64Array } {
  const { graph, weights } = buildRows(n, src, dst, true);
  return { graph, weights: weights! };
}

function buildRows(n: number, src: ArrayLike<number>, dst: ArrayLike<number>, countDuplicates: boolean) {
  if (src.length !== dst.length) throw new Error("buildCsr: src and dst differ in length");
  const count = new Int32Array(n + 1);
  let selfLoops = 0;
  for (let k = 0; k < src.length; k++) {
    const s = src[k]!;
    const d = dst[k]!;
    if (!(Number.isInteger(s) && Number.isInteger(d) && s >= 0 && s < n && d >= 0 && d < n)) {
      throw new Error(`buildCsr: edge ${k} (${s} → ${d}) outside 0…${n - 1}`);
    }
    if (s === d) selfLoops++;
    else count[s + 1]!++;
  }
  for (let i = 0; i < n; i++) count[i + 1]! += count[i]!;
  const fill = count.slice(0, n);
  const raw = new Int32Array(count[n]!);
  for (let k = 0; k < src.length; k++) {
    const s = src[k]!;
    const d = dst[k]!;
    if (s !== d) raw[fill[s]!++] = d;
  }
  // Sort each row and collapse duplicates, compacting in place.
  const outStart = new Int32Array(n + 1);
  const w8 = countDuplicates ? new Float64Array(raw.length) : undefined;
  let w = 0;
  for (let i = 0; i < n; i++) {
    const row = raw.subarray(count[i]!, count[i + 1]!);
    row.sort();
    outStart[i] = w;
    let prev = -1;
    for (let k = 0; k < row.length; k++) {
      const v = row[k]!;
      if (v !== prev) {
        raw[w] = v;
        if (w8) w8[w] = 1;
        w++;
      } else if (w8) {
        w8[w - 1]! += 1;
      }
      prev = v;
    }
  }
  outStart[n] = w;
  const outAdj = raw.slice(0, w);
  const { start: inStart, adj: inAdj } = transpose(n, outStart, outAdj);
  const graph: CsrGraph = { n, m: w, outStart, outAdj, inStart, inAdj };
  return { graph, selfLoops, weights: w8?.slice(0, w) };
}

/** The transpose of a CSR adjacency (rows stay ascending because sources are visited in order). */
export function transpose(n: number, start: Int32Array, adj: Int32Array): { start: Int32Array; adj: Int32Array } {
  const tStart = new Int32Array(n + 1);
  for (let k = 0; k < adj.length; k++) tStart[adj[k]! + 1]!++;
  for (let i = 0; i < n; i++) tStart[i + 1]! += tStart[i]!;
  const fill = tStart.slice(0, n);
  const tAdj = new Int32Array(adj.length);
  for (let i = 0; i < n; i++) {
    for (let k = start[i]!; k < start[i + 1]!; k++) tAdj[fill[adj[k]!]!++] = i;
  }
  return { start: tStart, adj: tAdj };
}

/** Out-degree of every node. */
export function outDegrees(g: CsrGraph): Int32Array {
  const d = new Int32Array(g.n);
  for (let i = 0; i < g.n; i++) d[i] = g.outStart[i + 1]! - g.outStart[i]!;
  return d;
}

/** In-degree of every node. */
export function inDegrees(g: CsrGraph): Int32Array {
  const d = new Int32Array(g.n);
  for (let i = 0; i < g.n; i++) d[i] = g.inStart[i + 1]! - g.inStart[i]!;
  return d;
}

/**
 * The subgraph induced by the nodes with keep[i] true; `ids[k]` is the old id of new node k. Rows stay sorted and
 * distinct (new ids keep the old order), so the rows are filtered in one pass without re-sorting.
 */
export function inducedSubgraph(g: CsrGraph, keep: (i: number) => boolean): { graph: CsrGraph; ids: Int32Array } {
  const newId = new Int32Array(g.n).fill(-1);
  let n = 0;
  for (let i = 0; i < g.n; i++) if (keep(i)) newId[i] = n++;
  const ids = new Int32Array(n);
  const outStart = new Int32Array(n + 1);
  let m = 0;
  for (let i = 0; i < g.n; i++) {
    const a = newId[i]!;
    if (a < 0) continue;
    ids[a] = i;
    for (let k = g.outStart[i]!; k < g.outStart[i + 1]!; k++) if (newId[g.outAdj[k]!]! >= 0) m++;
    outStart[a + 1] = m;
  }
  const outAdj = new Int32Array(m);
  let w = 0;
  for (let a = 0; a < n; a++) {
    const i = ids[a]!;
    for (let k = g.outStart[i]!; k < g.outStart[i + 1]!; k++) {
      const b = newId[g.outAdj[k]!]!;
      if (b >= 0) outAdj[w++] = b;
    }
  }
  const { start: inStart, adj: inAdj } = transpose(n, outStart, outAdj);
  return { graph: { n, m, outStart, outAdj, inStart, inAdj }, ids };
}
