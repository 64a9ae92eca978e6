// Seeded synthetic advertised-address graphs shaped like a real crawl (a minority of crawled nodes with replies
// of up to 1000 addresses, heavy-tailed popularity), for the benchmark and the scale tests.
import { seededRng } from "../../lib/random.ts";

/** Parameters of a synthetic crawl graph. */
export interface SyntheticOptions {
  readonly nodes: number;
  readonly edges: number;
  /** Share of nodes that replied to getaddr (the only nodes with out-edges). */
  readonly crawledShare: number;
  /** Share of crawled nodes whose reply hit the 1000-entry cap. */
  readonly truncatedShare: number;
  readonly seed: number;
}

/** Edge list (src → dst, distinct edges, no self-loops) and which nodes replied. */
export interface SyntheticGraph {
  readonly n: number;
  readonly src: Int32Array;
  readonly dst: Int32Array;
  readonly crawled: Uint8Array;
}

/** Generates a crawl-like graph: truncated replies name 1000 nodes, the rest share the remaining edge budget. */
export function syntheticCrawlGraph(o: SyntheticOptions): SyntheticGraph {
  const rng = seededRng(o.seed);
  const n = o.nodes;
  const crawledCount = Math.max(1, Math.round(n * o.crawledShare));
  // Truncated replies use at most half of the edge budget, so the other replies keep a realistic spread.
  const truncated = Math.min(Math.round(crawledCount * o.truncatedShare), Math.floor(o.edges / 2000));
  const crawled = new Uint8Array(n);
  for (let i = 0; i < crawledCount; i++) crawled[i] = 1; // crawled nodes are 0 … crawledCount-1
  // Popularity: Zipf-like weights over all nodes (cumulative, for inverse-CDF sampling); crawled nodes are popular.
  const cum = new Float64Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    total += 1 / (1 + ((i * 7919) % n) / 50) ** 0.6 + (crawled[i] === 1 ? 0.5 : 0);
    cum[i] = total;
  }
  const pick = (): number => {
    const r = rng() * total;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cum[mid]! < r) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  // Reply sizes: truncated ones are 1000; others lognormal-ish, scaled to use the remaining edge budget.
  const sizes = new Float64Array(crawledCount);
  let rest = 0;
  for (let i = truncated; i < crawledCount; i++) {
    const g = Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
    sizes[i] = Math.exp(g);
    rest += sizes[i]!;
  }
  const budget = Math.max(0, o.edges - truncated * 1000);
  const degree = new Int32Array(crawledCount);
  const cap = Math.min(999, n - 1);
  let m = 0;
  for (let i = 0; i < crawledCount; i++) {
    degree[i] = i < truncated ? Math.min(1000, n - 1) : Math.min(cap, Math.max(1, Math.round((sizes[i]! / rest) * budget)));
    m += degree[i]!;
  }
  // Rounding leaves m a little off the target: nudge the untruncated replies one edge at a time.
  for (let i = truncated, guard = 0; m !== o.edges && truncated < crawledCount && guard < 100 * crawledCount; guard++) {
    const d = degree[i]!;
    if (m < o.edges && d < cap) (degree[i] = d + 1), m++;
    else if (m > o.edges && d > 1) (degree[i] = d - 1), m--;
    i = i + 1 < crawledCount ? i + 1 : truncated;
  }
  const src = new Int32Array(m);
  const dst = new Int32Array(m);
  const seen = new Int32Array(n).fill(-1); // seen[j] === i: i already names j
  let k = 0;
  for (let i = 0; i < crawledCount; i++) {
    seen[i] = i;
    for (let e = 0; e < degree[i]!; e++) {
      let j = pick();
      while (seen[j] === i) j = pick();
      seen[j] = i;
      src[k] = i;
      dst[k++] = j;
    }
  }
  return { n, src, dst, crawled };
}
