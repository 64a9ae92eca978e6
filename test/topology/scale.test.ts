// Weighted pagerank at scale: the rank-one implementation against a row-by-row O(n²) reference on 2,000 nodes
// with truncated replies, and a 50,000-node crawl-shaped graph without any dense matrix.
import { test } from "node:test";
import assert from "node:assert/strict";
import { buildCsr } from "../../stages/topology/graph.ts";
import { estimateTrueDegrees, weightedPagerank } from "../../stages/topology/pagerank.ts";
import { syntheticCrawlGraph } from "../../stages/topology/synthetic.ts";
import { computeMetrics } from "../../stages/topology/metrics.ts";

test("2,000 nodes with 1000-entry replies: equals a plain row-by-row power iteration of the documented matrix", () => {
  const s = syntheticCrawlGraph({ nodes: 2000, edges: 60_000, crawledShare: 0.1, truncatedShare: 0.2, seed: 4 });
  const { graph: g } = buildCsr(s.n, s.src, s.dst);
  const share = 0.6; // 1000/0.6 = 1667 < n−1: truncated replies are not capped, so the lower-bound branch is exercised
  const D = estimateTrueDegrees(g, undefined, { share });
  let truncated = 0;
  for (let i = 0; i < g.n; i++) {
    const d = g.outStart[i + 1]! - g.outStart[i]!;
    if (d >= 1000) {
      truncated++;
      assert.ok(Math.abs(D[i]! - 1000 / share) < 1e-9);
    }
  }
  assert.ok(truncated >= 10, "the graph has truncated replies");
  const fast = weightedPagerank(g, undefined, { share, tol: 1e-14 });
  // Reference: x' = α·Pᵀx + (1−α)/n with P built row by row from the definition (no rank-one trick).
  const n = g.n;
  const alpha = 0.85;
  let x = new Float64Array(n).fill(1 / n);
  const row = new Float64Array(n);
  for (let iter = 0; iter < 200; iter++) {
    const y = new Float64Array(n).fill((1 - alpha) / n);
    for (let i = 0; i < n; i++) {
      const d = g.outStart[i + 1]! - g.outStart[i]!;
      if (d === 0) row.fill(1 / n);
      else {
        row.fill((1 - d / D[i]!) / (n - 1 - d));
        row[i] = 0;
        for (let k = g.outStart[i]!; k < g.outStart[i + 1]!; k++) row[g.outAdj[k]!] = 1 / D[i]!;
      }
      const xi = alpha * x[i]!;
      for (let j = 0; j < n; j++) y[j]! += xi * row[j]!;
    }
    x = y;
  }
  let maxDiff = 0;
  for (let i = 0; i < n; i++) maxDiff = Math.max(maxDiff, Math.abs(x[i]! - fast.values[i]!));
  assert.ok(maxDiff < 1e-12, `max |Δ| ${maxDiff}`);
});

test("50,000 nodes, 800,000 edges: every metric runs, ranks are distributions, memory stays small", () => {
  const s = syntheticCrawlGraph({ nodes: 50_000, edges: 800_000, crawledShare: 0.2, truncatedShare: 0.05, seed: 11 });
  const { graph: g } = buildCsr(s.n, s.src, s.dst);
  assert.equal(g.m, 800_000);
  const r = computeMetrics(g, { replied: s.crawled }, { betweennessSamples: 16, seed: 1 });
  for (const key of ["pagerank", "weightedPagerank"] as const) {
    const sum = r.metrics[key].reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(sum - 1) < 1e-9, `${key} sums to ${sum}`);
    assert.ok(r.summary[key].converged);
  }
  assert.ok(r.summary.eigenvector.converged);
  assert.equal(r.summary.repliedNodes, 10_000);
  assert.ok(r.summary.truncatedReplies > 0);
  assert.ok(r.summary.communities.count >= 1);
  assert.ok(process.memoryUsage().rss < 1.5e9, `rss ${process.memoryUsage().rss}`);
});
