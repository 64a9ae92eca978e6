// Edge connectivity λ of a directed graph (fewest edges whose removal breaks strong connectivity): Even's
// algorithm — n unit-capacity max-flows v_i → v_{i+1} around a cycle — as networkx's `edge_connectivity`.
import type { CsrGraph } from "./graph.ts";
import { strongComponents } from "./components.ts";

/** Work budget (≈ n·(δ+1)·(n+m) elementary steps) above which λ is reported as skipped. */
export const CONNECTIVITY_BUDGET = 3e8;

/** λ, or why it was not computed: "too_large" when the work estimate exceeds the budget. */
export type ConnectivityResult = { readonly value: number } | { readonly skipped: "too_large"; readonly estimatedWork: number };

/** Edge connectivity: 0 when not strongly connected; otherwise Even's algorithm if within `budget`. */
export function edgeConnectivity(g: CsrGraph, budget = CONNECTIVITY_BUDGET): ConnectivityResult {
  const n = g.n;
  if (n < 2) return { value: 0 };
  if (strongComponents(g).count > 1) return { value: 0 };
  let delta = Infinity;
  for (let i = 0; i < n; i++) {
    delta = Math.min(delta, g.outStart[i + 1]! - g.outStart[i]!, g.inStart[i + 1]! - g.inStart[i]!);
  }
  const work = n * (delta + 1) * (n + g.m);
  if (work > budget) return { skipped: "too_large", estimatedWork: work };
  const flow = new MaxFlow(g);
  let best = delta;
  for (let i = 0; i < n && best > 0; i++) best = Math.min(best, flow.run(i, (i + 1) % n, best));
  return { value: best };
}

/** Unit-capacity max-flow by BFS augmenting paths (Edmonds–Karp), stopping early at a limit. */
class MaxFlow {
  private readonly flow: Uint8Array;
  private readonly inEdge: Int32Array; // in-CSR position → forward edge id (edge ids = out-CSR positions)
  private readonly source: Int32Array; // edge id → its tail
  private readonly parent: Int32Array; // BFS tree: encoded arc into each node (+e+1 forward, −(e+1) backward)
  private readonly seen: Int32Array;
  private readonly queue: Int32Array;
  private stamp = 0;

  constructor(private readonly g: CsrGraph) {
    this.flow = new Uint8Array(g.m);
    this.source = new Int32Array(g.m);
    for (let u = 0; u < g.n; u++) for (let e = g.outStart[u]!; e < g.outStart[u + 1]!; e++) this.source[e] = u;
    this.inEdge = new Int32Array(g.m);
    const fill = g.inStart.slice(0, g.n);
    for (let e = 0; e < g.m; e++) this.inEdge[fill[g.outAdj[e]!]!++] = e;
    this.parent = new Int32Array(g.n);
    this.seen = new Int32Array(g.n);
    this.queue = new Int32Array(g.n);
  }

  /** Max flow from s to t, but no more than `limit`. */
  run(s: number, t: number, limit: number): number {
    this.flow.fill(0);
    let total = 0;
    while (total < limit && this.augment(s, t)) total++;
    return total;
  }

  private augment(s: number, t: number): boolean {
    const { g, flow, seen, parent, queue } = this;
    const mark = ++this.stamp;
    let head = 0;
    let tail = 0;
    queue[tail++] = s;
    seen[s] = mark;
    while (head < tail && seen[t] !== mark) {
      const u = queue[head++]!;
      for (let e = g.outStart[u]!; e < g.outStart[u + 1]!; e++) {
        const v = g.outAdj[e]!;
        if (flow[e] === 0 && seen[v] !== mark) {
          seen[v] = mark;
          parent[v] = e + 1;
          queue[tail++] = v;
        }
      }
      for (let p = g.inStart[u]!; p < g.inStart[u + 1]!; p++) {
        const e = this.inEdge[p]!;
        const x = this.source[e]!;
        if (flow[e] === 1 && seen[x] !== mark) {
          seen[x] = mark;
          parent[x] = -(e + 1);
          queue[tail++] = x;
        }
      }
    }
    if (seen[t] !== mark) return false;
    for (let v = t; v !== s; ) {
      const code = parent[v]!;
      if (code > 0) {
        flow[code - 1] = 1;
        v = this.source[code - 1]!;
      } else {
        flow[-code - 1] = 0;
        v = g.outAdj[-code - 1]!;
      }
    }
    return true;
  }
}
