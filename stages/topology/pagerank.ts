// PageRank on CSR arrays: plain (networkx semantics), edge-weighted (the group graph), and fluxture's
// reply-size-corrected "weighted pagerank" whose uniform spread is applied implicitly (a rank-one term, no n×n matrix).
import type { CsrGraph } from "./graph.ts";

/** Power-iteration settings; convergence is networkx's test: L1 change below n·tol. */
export interface PowerOptions {
  readonly alpha?: number;
  readonly tol?: number;
  readonly maxIter?: number;
  /** Starting vector (length n, summing to 1); default uniform. A close guess only saves iterations. */
  readonly start?: Float64Array;
}

/** A power-iteration result: the vector, how many iterations it took and whether it met the tolerance. */
export interface PowerResult {
  readonly values: Float64Array;
  readonly iterations: number;
  readonly converged: boolean;
  /** L1 change in the last iteration. */
  readonly error: number;
}

/** Default damping factor (networkx's and the original PageRank paper's). */
export const DEFAULT_ALPHA = 0.85;
/** Default per-node tolerance; stricter than networkx's 1e-6 because an iteration costs only O(n + m). */
export const DEFAULT_TOL = 1e-10;
/** Default iteration cap (networkx: 100). */
export const DEFAULT_MAX_ITER = 1000;

/**
 * The transition model of one power iteration. Row i of P (a node that is not dangling) is
 * P[i][j] = named[i]·w(i→j) − spread[i] for each out-neighbour j, plus spread[i] for every j ≠ i;
 * a dangling row is uniform over all n nodes (networkx's default for dangling nodes).
 */
export interface TransitionModel {
  readonly named: Float64Array;
  readonly spread: Float64Array;
  readonly dangling: Uint8Array;
  /** Edge weights aligned with g.outAdj; absent means every edge weighs 1. */
  readonly weights?: Float64Array;
}

/** Runs x ← α·Pᵀx + (1−α)/n from the uniform vector until the L1 change is below n·tol. */
export function powerIterate(g: CsrGraph, model: TransitionModel, opts: PowerOptions = {}): PowerResult {
  const n = g.n;
  const alpha = opts.alpha ?? DEFAULT_ALPHA;
  const tol = opts.tol ?? DEFAULT_TOL;
  const maxIter = opts.maxIter ?? DEFAULT_MAX_ITER;
  const { named, spread, dangling, weights } = model;
  const { outStart, outAdj } = g;
  let x = opts.start?.length === n ? Float64Array.from(opts.start) : new Float64Array(n).fill(1 / n);
  let y = new Float64Array(n);
  let error = Infinity;
  for (let iter = 1; iter <= maxIter; iter++) {
    let danglingMass = 0;
    let spreadMass = 0;
    y.fill(0);
    for (let i = 0; i < n; i++) {
      const xi = x[i]!;
      if (dangling[i] === 1) {
        danglingMass += xi;
        continue;
      }
      const s = spread[i]!;
      spreadMass += xi * s;
      const a = xi * named[i]!;
      const b = xi * s;
      const end = outStart[i + 1]!;
      if (weights === undefined) {
        const share = a - b;
        for (let k = outStart[i]!; k < end; k++) y[outAdj[k]!]! += share;
      } else {
        for (let k = outStart[i]!; k < end; k++) y[outAdj[k]!]! += a * weights[k]! - b;
      }
    }
    const base = (alpha * danglingMass + (1 - alpha)) / n + alpha * spreadMass;
    error = 0;
    for (let j = 0; j < n; j++) {
      const v = alpha * (y[j]! - x[j]! * spread[j]!) + base;
      y[j] = v;
      error += Math.abs(v - x[j]!);
    }
    [x, y] = [y, x];
    if (error < n * tol) return { values: x, iterations: iter, converged: true, error };
  }
  return { values: x, iterations: maxIter, converged: false, error };
}

/** Plain PageRank (networkx `pagerank`, optionally with edge weights): out-edges share a node's rank by weight. */
export function pagerank(g: CsrGraph, opts: PowerOptions & { weights?: Float64Array } = {}): PowerResult {
  const n = g.n;
  const named = new Float64Array(n);
  const dangling = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    let total = 0;
    for (let k = g.outStart[i]!; k < g.outStart[i + 1]!; k++) total += opts.weights === undefined ? 1 : opts.weights[k]!;
    if (total > 0) named[i] = 1 / total;
    else dangling[i] = 1;
  }
  const model: TransitionModel = { named, spread: new Float64Array(n), dangling, ...(opts.weights ? { weights: opts.weights } : {}) };
  return powerIterate(g, model, opts);
}

/** Bitcoin Core's getaddr answer: at most this share of its address table … */
export const GETADDR_SHARE = 0.23;
/** … and at most this many entries (MAX_ADDR_TO_SEND). */
export const GETADDR_CAP = 1000;

/** How a crawled node's true out-degree (its address-table size among the graph's nodes) is estimated. */
export interface DegreeEstimator {
  /** Share of its table a node sends (0.23); 1 means replies are complete and weighted = plain pagerank. */
  readonly share?: number;
  /** Reply size at which a reply counts as truncated (1000). */
  readonly cap?: number;
}

/**
 * Estimated true out-degree D[i] = min(n−1, max(d/share, truncated ? cap/share : 0)) where d is the observed
 * (distinct) out-degree and truncated means the reply had ≥ cap entries (then D is a lower bound); 0 for d = 0.
 */
export function estimateTrueDegrees(g: CsrGraph, replyEntries: ArrayLike<number> | undefined, est: DegreeEstimator = {}): Float64Array {
  const share = est.share ?? GETADDR_SHARE;
  const cap = est.cap ?? GETADDR_CAP;
  if (!(share > 0 && share <= 1)) throw new Error(`getaddr share must be in (0, 1], got ${share}`);
  const D = new Float64Array(g.n);
  for (let i = 0; i < g.n; i++) {
    const d = g.outStart[i + 1]! - g.outStart[i]!;
    if (d === 0) continue;
    const entries = replyEntries === undefined ? d : Math.max(d, replyEntries[i]!);
    const truncated = entries >= cap;
    D[i] = Math.min(g.n - 1, Math.max(d / share, truncated ? cap / share : 0));
  }
  return D;
}

/**
 * Fluxture's weighted pagerank done right: a node with observed out-degree d and estimated true degree D gives
 * 1/D to each node it named and spreads the missing 1 − d/D uniformly over the n − 1 − d nodes it did not name;
 * nodes without a reply are dangling (uniform). See docs/TOPOLOGY.md for the formula.
 */
export function weightedPagerank(
  g: CsrGraph,
  replyEntries?: ArrayLike<number>,
  opts: PowerOptions & DegreeEstimator = {},
): PowerResult & { readonly trueDegree: Float64Array } {
  const n = g.n;
  const D = estimateTrueDegrees(g, replyEntries, opts);
  const named = new Float64Array(n);
  const spread = new Float64Array(n);
  const dangling = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const d = g.outStart[i + 1]! - g.outStart[i]!;
    if (d === 0) {
      dangling[i] = 1;
      continue;
    }
    const Di = D[i]!;
    named[i] = 1 / Di;
    const unnamed = n - 1 - d;
    spread[i] = unnamed > 0 ? (1 - d / Di) / unnamed : 0;
  }
  return { ...powerIterate(g, { named, spread, dangling }, opts), trueDegree: D };
}
