// Sampled Brandes (seeded, scaled by n/K like networkx's k=) and the sampled closeness estimate.
import { test } from "node:test";
import assert from "node:assert/strict";
import { FIXTURES, csrOf } from "./fixtures.ts";
import { pathMetrics } from "../../stages/topology/brandes.ts";
import { sampleWithoutReplacement, seededRng } from "../../lib/random.ts";

const f = FIXTURES.graphs.find((g) => g.name === "crawl60")!;
const g = csrOf(f);

test("K ≥ n is exact whatever the seed; K < n is reproducible per seed and differs across seeds", () => {
  const a = pathMetrics(g, 60, 1);
  const b = pathMetrics(g, 1000, 2);
  assert.ok(a.exact && b.exact);
  assert.deepEqual(a.betweenness, b.betweenness);
  const s1 = pathMetrics(g, 15, 5);
  const s2 = pathMetrics(g, 15, 5);
  const s3 = pathMetrics(g, 15, 6);
  assert.equal(s1.exact, false);
  assert.equal(s1.sources, 15);
  assert.deepEqual(s1.betweenness, s2.betweenness);
  assert.deepEqual(s1.closeness, s2.closeness);
  assert.notDeepEqual(s1.betweenness, s3.betweenness);
});

test("sampled betweenness is unbiased: its mean over 400 seeds approaches the exact value (n/K scaling)", () => {
  const exact = pathMetrics(g, 60, 0).betweenness;
  const mean = new Float64Array(60);
  const runs = 400;
  for (let seed = 0; seed < runs; seed++) {
    const s = pathMetrics(g, 20, seed).betweenness;
    for (let i = 0; i < 60; i++) mean[i]! += s[i]! / runs;
  }
  const max = Math.max(...exact);
  assert.ok(max > 0);
  for (let i = 0; i < 60; i++) {
    assert.ok(Math.abs(mean[i]! - exact[i]!) <= 0.06 * max, `node ${i}: mean ${mean[i]} vs exact ${exact[i]}`);
  }
  const total = (a: ArrayLike<number>) => Array.from(a).reduce((x, y) => x + y, 0);
  assert.ok(Math.abs(total(mean) / total(exact) - 1) < 0.03, "totals agree: a wrong n/K factor would be off by 3×");
});

test("sampled closeness estimates exact closeness", () => {
  const exact = pathMetrics(g, 60, 0).closeness;
  const mean = new Float64Array(60);
  const runs = 200;
  for (let seed = 0; seed < runs; seed++) {
    const s = pathMetrics(g, 30, seed).closeness;
    for (let i = 0; i < 60; i++) mean[i]! += s[i]! / runs;
  }
  for (let i = 0; i < 60; i++) {
    assert.ok(Math.abs(mean[i]! - exact[i]!) <= 0.05 * Math.max(exact[i]!, 0.1), `node ${i}: mean ${mean[i]} vs exact ${exact[i]}`);
  }
});

test("source sampling draws distinct nodes, uniformly", () => {
  const counts = new Int32Array(10);
  const rng = seededRng(3);
  for (let r = 0; r < 20_000; r++) {
    const s = sampleWithoutReplacement(10, 3, rng);
    assert.equal(new Set(s).size, 3);
    for (const v of s) counts[v]!++;
  }
  for (const c of counts) assert.ok(Math.abs(c - 6000) < 300, `count ${c}`);
});
