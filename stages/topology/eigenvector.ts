// Eigenvector centrality with networkx's conventions: the left eigenvector (a node is central when central
// nodes point at it, i.e. it counts in-edges), power iteration on (A + I) from a uniform start, L2-normalised.
import type { CsrGraph } from "./graph.ts";
import type { PowerResult } from "./pagerank.ts";

/** Settings of the eigenvector power iteration; convergence is networkx's: L1 change below n·tol. */
export interface EigenvectorOptions {
  readonly tol?: number;
  readonly maxIter?: number;
}

/** Default per-node tolerance (networkx: 1e-6). */
export const EIGEN_TOL = 1e-9;
/** Default iteration cap (networkx: 100, which then raises; we return the last vector marked unconverged). */
export const EIGEN_MAX_ITER = 1000;

/** networkx `eigenvector_centrality` on CSR: x ← (A + I)ᵀ·x / ‖(A + I)ᵀ·x‖₂. */
export function eigenvectorCentrality(g: CsrGraph, opts: EigenvectorOptions = {}): PowerResult {
  const n = g.n;
  const tol = opts.tol ?? EIGEN_TOL;
  const maxIter = opts.maxIter ?? EIGEN_MAX_ITER;
  let x = new Float64Array(n).fill(1 / n);
  let y = new Float64Array(n);
  let error = Infinity;
  for (let iter = 1; iter <= maxIter; iter++) {
    y.set(x);
    for (let i = 0; i < n; i++) {
      const xi = x[i]!;
      if (xi === 0) continue;
      for (let k = g.outStart[i]!; k < g.outStart[i + 1]!; k++) y[g.outAdj[k]!]! += xi;
    }
    let norm = 0;
    for (let j = 0; j < n; j++) norm += y[j]! * y[j]!;
    norm = Math.sqrt(norm) || 1;
    error = 0;
    for (let j = 0; j < n; j++) {
      const v = y[j]! / norm;
      y[j] = v;
      error += Math.abs(v - x[j]!);
    }
    [x, y] = [y, x];
    if (error < n * tol) return { values: x, iterations: iter, converged: true, error };
  }
  return { values: x, iterations: maxIter, converged: false, error };
}
