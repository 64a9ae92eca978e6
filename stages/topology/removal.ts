// The removal analysis (the original fluxture's `removal` command): for each group of nodes (a country, an AS),
// take its nodes out of the advertised-address graph and measure what happens to the rest.
//
// Method, per group X with remaining nodes R = V \ X:
//   * centrality change = KL(p ‖ q), the Kullback–Leibler divergence of the remaining nodes' weighted pagerank
//     before (p: the full graph's values on R, renormalised to sum 1) from after (q: weighted pagerank of the
//     subgraph induced by R), Σ p_i ln(p_i / q_i) over p_i > 0 — as the original's kl_divergence (natural log);
//   * disconnection = how many nodes of R were in the largest weakly connected component before and are not in
//     the largest one after: the nodes that lose their last path (either direction of advertisement) to the core.
// Weighted pagerank is pagerank.ts's reply-size-corrected one (docs/TOPOLOGY.md); components.ts's union–find.
import { weakComponents } from "./components.ts";
import { inducedSubgraph, type CsrGraph } from "./graph.ts";
import { weightedPagerank, type DegreeEstimator, type PowerOptions } from "./pagerank.ts";

/** One group to remove: its key (e.g. `DE`, `AS3320`), a label (AS organisation) and its node ids. */
export interface RemovalGroup {
  readonly key: string;
  readonly label: string | null;
  readonly members: readonly number[];
}

/** What removing one group did. */
export interface RemovalRow {
  readonly key: string;
  readonly label: string | null;
  readonly removed: number;
  readonly remaining: number;
  /** Share of the weighted pagerank the removed nodes held before. */
  readonly rankShareRemoved: number;
  /** KL(before ‖ after) over the remaining nodes; null when no node remains. */
  readonly klDivergence: number | null;
  /** Remaining nodes that were in the largest weak component before and are not in the largest one after. */
  readonly disconnected: number;
  readonly largestBefore: number;
  readonly largestAfter: number;
  readonly converged: boolean;
}

/** The whole analysis: the full graph's weighted pagerank and one row per group, in the groups' order. */
export interface RemovalResult {
  readonly before: Float64Array;
  readonly converged: boolean;
  readonly rows: RemovalRow[];
}

/** KL(p ‖ q) = Σ p_i ln(p_i / q_i) after normalising both to sum 1; terms with p_i = 0 count 0 (as the original). */
export function klDivergence(p: ArrayLike<number>, q: ArrayLike<number>): number {
  if (p.length !== q.length) throw new Error(`klDivergence: ${p.length} values against ${q.length}`);
  let sp = 0;
  let sq = 0;
  for (let i = 0; i < p.length; i++) {
    sp += p[i]!;
    sq += q[i]!;
  }
  let kl = 0;
  for (let i = 0; i < p.length; i++) {
    const a = p[i]! / sp;
    if (a > 0) kl += a * Math.log(a / (q[i]! / sq));
  }
  return kl;
}

/** The full graph's state, computed once; `remove(group)` then answers one group at a time (callers can yield between). */
export class RemovalAnalysis {
  /** Weighted pagerank of the full graph. */
  readonly before: Float64Array;
  readonly converged: boolean;
  private readonly weakBefore: ReturnType<typeof weakComponents>;
  private readonly removed: Uint8Array;

  constructor(
    private readonly g: CsrGraph,
    private readonly replyEntries: ArrayLike<number> | undefined,
    private readonly opts: PowerOptions & DegreeEstimator = {},
  ) {
    const full = weightedPagerank(g, replyEntries, opts);
    this.before = full.values;
    this.converged = full.converged;
    this.weakBefore = weakComponents(g);
    this.removed = new Uint8Array(g.n);
  }

  /** What removing `group`'s nodes does to the rest (see the file comment). */
  remove(group: RemovalGroup): RemovalRow {
    const { g, before, removed, weakBefore, replyEntries } = this;
    const largestBefore = weakBefore.count > 0 ? weakBefore.sizes[0]! : 0;
    removed.fill(0);
    let share = 0;
    for (const i of group.members) {
      if (removed[i] === 0) share += before[i]!;
      removed[i] = 1;
    }
    const { graph: sub, ids } = inducedSubgraph(g, (i) => removed[i] === 0);
    const base = { key: group.key, label: group.label, removed: g.n - sub.n, remaining: sub.n, rankShareRemoved: share, largestBefore };
    if (sub.n === 0) return { ...base, klDivergence: null, disconnected: 0, largestAfter: 0, converged: true };
    const p = new Float64Array(sub.n);
    let mass = 0;
    for (let k = 0; k < sub.n; k++) mass += p[k] = before[ids[k]!]!;
    const start = p.map((v) => v / mass); // the before values are a close first guess: fewer iterations
    const subEntries = replyEntries === undefined ? undefined : Int32Array.from(ids, (i) => replyEntries[i]!);
    const after = weightedPagerank(sub, subEntries, { ...this.opts, start });
    const weakAfter = weakComponents(sub);
    let disconnected = 0;
    for (let k = 0; k < sub.n; k++) if (weakBefore.label[ids[k]!] === 0 && weakAfter.label[k] !== 0) disconnected++;
    return { ...base, klDivergence: klDivergence(p, after.values), disconnected, largestAfter: weakAfter.sizes[0]!, converged: after.converged };
  }
}

/** Runs the removal analysis of every group over graph `g` (replyEntries aligned with its nodes, as weightedPagerank). */
export function removalAnalysis(
  g: CsrGraph,
  replyEntries: ArrayLike<number> | undefined,
  groups: readonly RemovalGroup[],
  opts: PowerOptions & DegreeEstimator = {},
): RemovalResult {
  const analysis = new RemovalAnalysis(g, replyEntries, opts);
  return { before: analysis.before, converged: analysis.converged, rows: groups.map((group) => analysis.remove(group)) };
}
