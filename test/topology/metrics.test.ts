// Every metric of the topology stage against networkx 2.8 (Debian python3-networkx) on small known graphs.
import { test } from "node:test";
import assert from "node:assert/strict";
import { FIXTURES, csrOf, groupName, partition, replyEntriesOf } from "./fixtures.ts";
import { inDegrees, outDegrees } from "../../stages/topology/graph.ts";
import { pagerank, weightedPagerank } from "../../stages/topology/pagerank.ts";
import { eigenvectorCentrality } from "../../stages/topology/eigenvector.ts";
import { pathMetrics } from "../../stages/topology/brandes.ts";
import { strongComponents, weakComponents } from "../../stages/topology/components.ts";
import { edgeConnectivity } from "../../stages/topology/connectivity.ts";
import { directedModularity, louvain } from "../../stages/topology/louvain.ts";
import { conglomerateRanking, groupRanking } from "../../stages/topology/groups.ts";

function close(actual: ArrayLike<number>, expected: readonly number[], tol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs(actual[i]! - expected[i]!);
    assert.ok(d <= tol, `${what}[${i}]: got ${actual[i]}, networkx ${expected[i]} (|Δ| ${d} > ${tol})`);
  }
}

const sortedPartition = (p: number[][]) => [...p].sort((a, b) => a[0]! - b[0]!);

test("fixtures were made by networkx and cover crawl-like, strongly connected and clustered graphs", () => {
  assert.match(FIXTURES.networkx_version, /^\d+\./);
  assert.deepEqual(
    FIXTURES.graphs.map((g) => g.name),
    ["hand", "crawl60", "cycle12", "complete5", "planted45"],
  );
});

for (const f of FIXTURES.graphs) {
  const g = csrOf(f);
  const e = f.expected;

  test(`${f.name}: in and out degree`, () => {
    assert.deepEqual([...inDegrees(g)], e.in_degree);
    assert.deepEqual([...outDegrees(g)], e.out_degree);
  });

  test(`${f.name}: pagerank (alpha 0.85) matches networkx`, () => {
    const pr = pagerank(g, { tol: 1e-15, maxIter: 10_000 });
    assert.ok(pr.converged);
    close(pr.values, e.pagerank, 1e-10, "pagerank");
  });

  test(`${f.name}: eigenvector centrality (in-edges, networkx convention) matches networkx`, () => {
    assert.ok(e.eigenvector !== null, "networkx converged on every fixture graph");
    const ev = eigenvectorCentrality(g, { tol: 1e-14, maxIter: 100_000 });
    assert.ok(ev.converged);
    close(ev.values, e.eigenvector, 1e-7, "eigenvector");
  });

  test(`${f.name}: exact betweenness and closeness match networkx`, () => {
    const p = pathMetrics(g, f.n, 1);
    assert.ok(p.exact);
    assert.equal(p.sources, f.n);
    close(p.betweenness, e.betweenness, 1e-12, "betweenness");
    close(p.closeness, e.closeness, 1e-12, "closeness");
  });

  test(`${f.name}: weakly and strongly connected components match networkx`, () => {
    assert.deepEqual(sortedPartition(partition(weakComponents(g).label)), sortedPartition(e.weak_components));
    assert.deepEqual(sortedPartition(partition(strongComponents(g).label)), sortedPartition(e.strong_components));
  });

  test(`${f.name}: edge connectivity matches networkx`, () => {
    assert.deepEqual(edgeConnectivity(g), { value: e.edge_connectivity });
  });

  test(`${f.name}: directed modularity of fixed partitions matches networkx`, () => {
    const mod3 = Array.from({ length: f.n }, (_, i) => i % 3);
    assert.ok(Math.abs(directedModularity(g, mod3) - e.modularity_mod3) < 1e-12);
    const nxLabel = new Int32Array(f.n);
    e.louvain_communities.forEach((members, c) => members.forEach((i) => (nxLabel[i] = c)));
    assert.ok(Math.abs(directedModularity(g, nxLabel) - e.louvain_modularity) < 1e-12);
  });

  test(`${f.name}: Louvain reaches networkx's modularity (seeded, reproducible)`, () => {
    const a = louvain(g, { seed: 1 });
    const b = louvain(g, { seed: 1 });
    assert.deepEqual(a.label, b.label, "same seed, same communities");
    assert.ok(Math.abs(a.modularity - directedModularity(g, a.label)) < 1e-12);
    assert.ok(a.modularity >= e.louvain_modularity - 0.01, `modularity ${a.modularity} vs networkx ${e.louvain_modularity}`);
  });

  test(`${f.name}: weighted pagerank matches the dense numpy reference (three estimators)`, () => {
    const entries = replyEntriesOf(f, g);
    const opts = { tol: 1e-15, maxIter: 10_000 };
    close(weightedPagerank(g, entries, opts).values, e.weighted_pagerank, 1e-10, "weighted");
    close(weightedPagerank(g, entries, { ...opts, share: 0.5, cap: 10 }).values, e.weighted_pagerank_share_half_cap_10, 1e-10, "share .5 cap 10");
    const complete = weightedPagerank(g, undefined, { ...opts, share: 1 });
    close(complete.values, e.weighted_pagerank_share_1, 1e-10, "share 1");
    close(complete.values, e.pagerank, 1e-10, "share 1 = plain pagerank");
  });

  test(`${f.name}: group rank sums and the conglomerate graph match networkx`, () => {
    const names = Array.from({ length: f.n }, (_, i) => groupName(i));
    const pr = pagerank(g, { tol: 1e-15, maxIter: 10_000 }).values;
    const sums = groupRanking(names, pr);
    assert.equal(sums.length, Object.keys(e.group_rank_sum).length);
    for (const row of sums) assert.ok(Math.abs(row.rank - e.group_rank_sum[row.name]!) < 1e-10, row.name);
    assert.deepEqual(
      sums.map((r) => r.rank),
      [...sums.map((r) => r.rank)].sort((x, y) => y - x),
      "sorted by rank",
    );
    assert.equal(
      sums.reduce((s, r) => s + r.size, 0),
      f.n,
    );
    const cg = conglomerateRanking(g, names, { tol: 1e-15, maxIter: 10_000 });
    assert.equal(cg.info.edges, e.conglomerate_edges);
    for (const row of cg.rows) assert.ok(Math.abs(row.rank - e.conglomerate_pagerank[row.name]!) < 1e-10, row.name);
  });
}

test("planted45: Louvain recovers the three planted clusters", () => {
  const f = FIXTURES.graphs.find((x) => x.name === "planted45")!;
  const c = louvain(csrOf(f), { seed: 7 });
  assert.deepEqual(sortedPartition(partition(c.label)), sortedPartition(f.expected.louvain_communities));
  assert.equal(c.count, 3);
});
