// The removal analysis on small graphs against values worked out by hand, then end to end on an imported crawl.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildCsr } from "../../stages/topology/graph.ts";
import { klDivergence, removalAnalysis } from "../../stages/topology/removal.ts";
import { removalCsv, runRemoval } from "../../stages/topology/removal-run.ts";
import { runImport } from "../../stages/import/run.ts";
import { cli } from "../helpers/cli.ts";
import { buildSqlite } from "../import/helpers.ts";

/** An undirected edge list as both directed edges. */
function both(n: number, pairs: [number, number][]) {
  const src: number[] = [];
  const dst: number[] = [];
  for (const [a, b] of pairs) src.push(a, b), dst.push(b, a);
  return buildCsr(n, src, dst).graph;
}
const COMPLETE = { share: 1, tol: 1e-14 }; // replies complete: weighted pagerank is plain pagerank

test("removing one node of a 4-cycle: KL of uniform against the 3-path's pagerank, worked out by hand", async () => {
  // Before: the 4-cycle 0-1-2-3-0 is vertex-transitive, so every node has pagerank 1/4; on the three that remain,
  // renormalised, p = (1/3, 1/3, 1/3). After removing 3 the rest is the path 0-1-2 (α = 0.85, n = 3):
  //   x = (1−α)/3 + α·y/2 (an end gets half of the middle's rank), y = (1−α)/3 + α·2x (the middle gets both ends')
  //   ⇒ x = 0.05 + 0.425·y, y = 0.05 + 1.7·x ⇒ 0.2775·x = 0.07125 ⇒ x = 0.2567568, y = 0.4864865.
  //   KL(p ‖ q) = (1/3)·[2·ln((1/3)/x) + ln((1/3)/y)] = (1/3)·[2·0.2610138 − 0.3780661] = 0.0479872.
  const g = both(4, [
    [0, 1],
    [1, 2],
    [2, 3],
    [3, 0],
  ]);
  const r = removalAnalysis(
    g,
    undefined,
    [
      { key: "DE", label: null, members: [3] },
      { key: "US", label: null, members: [0, 1, 2] },
      { key: "ALL", label: null, members: [0, 1, 2, 3] },
    ],
    COMPLETE,
  );
  for (const v of r.before) assert.ok(Math.abs(v - 0.25) < 1e-12);
  const [de, us, all] = r.rows as [(typeof r.rows)[0], (typeof r.rows)[0], (typeof r.rows)[0]];
  const x = 0.07125 / 0.2775;
  const y = 0.05 + 1.7 * x;
  const expected = (2 * Math.log(1 / 3 / x) + Math.log(1 / 3 / y)) / 3;
  assert.ok(Math.abs(expected - 0.0479872) < 1e-6, String(expected));
  assert.ok(Math.abs(de.klDivergence! - expected) < 1e-10, `${de.klDivergence} vs ${expected}`);
  assert.deepEqual([de.removed, de.remaining, de.disconnected, de.largestBefore, de.largestAfter], [1, 3, 0, 4, 3]);
  assert.ok(Math.abs(de.rankShareRemoved - 0.25) < 1e-12);
  // one node left: its pagerank is 1 before (renormalised) and after, so nothing changed
  assert.equal(us.klDivergence, 0);
  assert.deepEqual([us.removed, us.remaining, us.disconnected, us.largestAfter], [3, 1, 0, 1]);
  assert.equal(all.klDivergence, null);
  assert.equal(all.remaining, 0);
});

test("disconnection counts the nodes whose every path to the largest component ran through the removed group", async () => {
  // 0-1-2-3-0 is a cycle; 4 hangs off 3 and 5 off 4; 6-7 is a separate pair (never in the largest component).
  const g = both(8, [
    [0, 1],
    [1, 2],
    [2, 3],
    [3, 0],
    [3, 4],
    [4, 5],
    [6, 7],
  ]);
  const r = removalAnalysis(
    g,
    undefined,
    [
      { key: "DE", label: null, members: [3] }, // cuts 4 and 5 off from 0-1-2
      { key: "FR", label: null, members: [4] }, // cuts 5 off
      { key: "NL", label: null, members: [1] }, // 0-3-2 stay joined through the cycle
      { key: "JP", label: null, members: [6] }, // 7 was not in the largest component: not counted
    ],
    COMPLETE,
  );
  assert.deepEqual(
    r.rows.map((row) => [row.key, row.disconnected, row.largestBefore, row.largestAfter]),
    [
      ["DE", 2, 6, 3],
      ["FR", 1, 6, 4],
      ["NL", 0, 6, 5],
      ["JP", 0, 6, 6],
    ],
  );
  for (const row of r.rows) assert.ok(row.klDivergence! > 0, row.key);
});

test("KL divergence as the original computes it: normalised, zero terms skipped, natural log", async () => {
  assert.equal(klDivergence([1, 1], [1, 1]), 0);
  assert.ok(Math.abs(klDivergence([2, 0, 2], [1, 1, 2]) - (0.5 * Math.log(0.5 / 0.25) + 0.5 * Math.log(0.5 / 0.5))) < 1e-15);
});

test("topology --removal country|asn on an imported crawl, and the CSV analyze writes", async (t) => {
  const root = mkdtempSync(join(tmpdir(), "fluxture-removal-"));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const data = join(root, "data");
  await runImport({ source: buildSqlite(root, "crawl.db"), dataDir: data });
  const report = await runRemoval({ data, run: "20210101T000000Z", dimension: "country" });
  assert.equal(report.nodes, 8); // ok + no_addr_reply visits of crawl 1
  assert.deepEqual(report.rows.map((r) => r.key).sort(), ["(unknown)", "FR", "NL", "US"]);
  assert.equal(
    report.rows.reduce((s, r) => s + r.removed, 0),
    8,
  );
  const csv = removalCsv([report]).split("\n");
  assert.equal(
    csv[0],
    "network,run_id,dimension,group_key,group_label,nodes_removed,nodes_remaining,rank_share_removed,kl_divergence,disconnected_nodes,largest_component_before,largest_component_after",
  );
  assert.equal(csv.length, 2 + report.rows.length);
  const ranked = await cli(["topology", "--data", data, "--removal", "asn", "--json"]);
  assert.equal(ranked.status, 0, ranked.stderr);
  const json = JSON.parse(ranked.stdout) as { runId: string; dimension: string; rows: { key: string; klDivergence: number | null }[] };
  assert.equal(json.runId, "20210201T000000Z");
  assert.equal(json.dimension, "asn");
  assert.deepEqual(
    json.rows.map((r) => [r.key, r.klDivergence]),
    [["(unknown)", null]],
  ); // the original had no ASN data
  const legacy = await cli(["removal", join(root, "crawl.db")], { env: { FLUXTURE_DATA: data } });
  assert.equal(legacy.status, 0, legacy.stderr);
  assert.match(legacy.stdout, /^# removal by country: 2 reachable nodes/m);
});
