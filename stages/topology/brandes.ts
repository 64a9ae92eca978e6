// Betweenness (Brandes) and closeness from one BFS per source, on CSR arrays. With K sampled sources the
// betweenness is scaled by n/K exactly as networkx's `betweenness_centrality(k=K)`; K ≥ n is exact.
import type { CsrGraph } from "./graph.ts";
import { sampleWithoutReplacement, seededRng } from "../../lib/random.ts";

/** Betweenness and closeness of every node plus which sources were used. */
export interface PathMetrics {
  /** Normalised as networkx: 1/((n−1)(n−2)) for directed graphs, times n/K when sampled. */
  readonly betweenness: Float64Array;
  /** networkx closeness (incoming distance, Wasserman–Faust scaling); an estimate when sampled. */
  readonly closeness: Float64Array;
  /** Number of BFS sources used (min(K, n)). */
  readonly sources: number;
  readonly exact: boolean;
}

/** Brandes from `samples` seeded sources (all nodes when samples ≥ n); closeness from the same BFS trees. */
export function pathMetrics(g: CsrGraph, samples: number, seed: number): PathMetrics {
  const n = g.n;
  const exact = samples >= n;
  const sources = exact ? sampleWithoutReplacement(n, n, seededRng(seed)) : sampleWithoutReplacement(n, samples, seededRng(seed));
  const bc = new Float64Array(n);
  const sumDist = new Float64Array(n);
  const reach = new Float64Array(n);
  const isSource = new Uint8Array(n);
  const dist = new Int32Array(n).fill(-1);
  const sigma = new Float64Array(n);
  const delta = new Float64Array(n);
  const order = new Int32Array(n);
  const { outStart, outAdj, inStart, inAdj } = g;
  for (let si = 0; si < sources.length; si++) {
    const s = sources[si]!;
    isSource[s] = 1;
    // BFS: order[] doubles as the queue; nodes leave it in non-decreasing distance.
    let head = 0;
    let tail = 0;
    order[tail++] = s;
    dist[s] = 0;
    sigma[s] = 1;
    while (head < tail) {
      const v = order[head++]!;
      const dv = dist[v]! + 1;
      const sv = sigma[v]!;
      for (let k = outStart[v]!; k < outStart[v + 1]!; k++) {
        const w = outAdj[k]!;
        if (dist[w]! < 0) {
          dist[w] = dv;
          order[tail++] = w;
        }
        if (dist[w] === dv) sigma[w]! += sv;
      }
    }
    // Accumulation in reverse BFS order; predecessors are in-neighbours one level closer.
    for (let t = tail - 1; t > 0; t--) {
      const w = order[t]!;
      const dw = dist[w]!;
      sumDist[w]! += dw;
      reach[w]! += 1;
      const coeff = (1 + delta[w]!) / sigma[w]!;
      for (let k = inStart[w]!; k < inStart[w + 1]!; k++) {
        const v = inAdj[k]!;
        if (dist[v] === dw - 1) delta[v]! += sigma[v]! * coeff;
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
  let scale = n > 2 ? 1 / ((n - 1) * (n - 2)) : 1;
  if (!exact) scale *= n / sources.length;
  if (n > 2) for (let i = 0; i < n; i++) bc[i]! *= scale;
  const closeness = new Float64Array(n);
  const k = sources.length;
  for (let u = 0; u < n; u++) {
    const r = reach[u]!;
    if (r === 0 || sumDist[u]! === 0) continue;
    // (r/Σd)·(r/K_u): with every node as a source K_u = n−1 and this is networkx's wf_improved closeness.
    const ku = k - isSource[u]!;
    closeness[u] = (r / sumDist[u]!) * (r / (exact ? n - 1 : ku));
  }
  return { betweenness: bc, closeness, sources: k, exact };
}
