// `fluxture topology` end to end on runs written with the real pipeline writers: values against the networkx
// fixtures, the manifest record, node_metrics.parquet, group-by, --degree-dist, and the one-line errors.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PLACES, writeSampleRun, type SampleNode } from "../helpers/sample-run.ts";
import { cli } from "../helpers/cli.ts";
import { quotedString } from "@duckdb/node-api";
import { openDuckDB, queryRows } from "../../pipeline/duckdb.ts";
import { readManifest } from "../../pipeline/manifest.ts";
import { FIXTURES } from "./fixtures.ts";
import { runTopology } from "../../stages/topology/run.ts";

const root = mkdtempSync(join(tmpdir(), "fluxture-topology-"));
after(() => rmSync(root, { recursive: true, force: true }));

const hand = FIXTURES.graphs.find((g) => g.name === "hand")!;
const ADDRESS = (i: number) => (i === 7 ? "2001:db8::7" : `127.61.0.${i + 1}`);
const NAME = (i: number) => (i === 7 ? "[2001:db8::7]:8333" : `127.61.0.${i + 1}:8333`);

/** The fixture "hand" graph as a crawl: node 0 also advertises itself and node 1 twice (5 reply entries). */
function handNodes(): SampleNode[] {
  const advertises: number[][] = [[1, 2, 3, 0, 1], [0, 2], [0, 4], [5], [2], [], [0, 7], []];
  return advertises.map((adv, i) => ({
    address: ADDRESS(i),
    port: 8333,
    outcome: i === 5 ? "timeout" : i === 7 ? "not_dialed" : "ok",
    userAgent: i % 2 === 0 ? "/Satoshi:27.0.0/" : "/Satoshi:26.1.0/",
    place: i === 7 ? null : PLACES[i % PLACES.length]!,
    advertises: adv,
  }));
}

let handData = "";
let handRun = "";
let bareData = "";
let bareRun = "";

before(async () => {
  handData = join(root, "hand");
  handRun = (await writeSampleRun(handData, { nodes: handNodes(), withMetrics: false })).id;
  bareData = join(root, "bare");
  bareRun = (await writeSampleRun(bareData, { nodes: handNodes(), withMetrics: false, withGeo: false })).id;
});

function near(a: number, b: number, tol: number, what: string): void {
  assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);
}

test("--json: per-node ranking sorted by pagerank, equal to networkx, and the summary", async () => {
  const r = await cli(["topology", "--data", handData, "--json"]);
  assert.equal(r.status, 0, r.stderr);
  const doc = JSON.parse(r.stdout) as {
    graph: string;
    run_id: string;
    group_by: string;
    rows: { name: string; rank: number; size: number; share: number }[];
    summary: Record<string, unknown> & {
      nodes: number;
      edges: number;
      reachable_share: number;
      weak_components: { count: number };
      strong_components: { count: number; largest: number };
      out_degree: { mean: number; median: number; nodes: number };
      edge_connectivity: { value: number };
    };
  };
  assert.match(doc.graph, /not the connection graph/);
  assert.equal(doc.run_id, handRun);
  assert.equal(doc.group_by, "node");
  assert.equal(doc.rows.length, 8);
  const ranks = doc.rows.map((x) => x.rank);
  assert.deepEqual(
    ranks,
    [...ranks].sort((a, b) => b - a),
  );
  for (let i = 0; i < 8; i++) {
    const row = doc.rows.find((x) => x.name === NAME(i))!;
    near(row.rank, hand.expected.pagerank[i]!, 1e-8, NAME(i));
    assert.equal(row.size, 1);
    near(row.share, 1 / 8, 1e-12, "share");
  }
  const s = doc.summary;
  assert.equal(s.nodes, 8);
  assert.equal(s.edges, 11, "self-advertisement and the duplicate entry are not edges");
  near(s.reachable_share, 6 / 8, 1e-12, "reachable share");
  assert.equal(s.weak_components.count, hand.expected.weak_components.length);
  assert.equal(s.strong_components.count, hand.expected.strong_components.length);
  assert.equal(s.out_degree.nodes, 6, "out-degree over the six nodes that replied");
  near(s.out_degree.mean, 11 / 6, 1e-12, "mean out-degree");
  assert.equal(s.out_degree.median, 2);
  assert.deepEqual(s.edge_connectivity, { value: 0 });
});

test("node_metrics.parquet holds networkx's values and the manifest records the stage", async () => {
  const r = await cli(["topology", "--data", handData, "--run", handRun, "--seed", "9"]);
  assert.equal(r.status, 0, r.stderr);
  const runDir = join(handData, "runs", "network=simnet", `run_id=${handRun}`);
  assert.deepEqual(
    readdirSync(runDir).filter((f) => f.includes("tmp")),
    [],
    "no temp file left",
  );
  const db = await openDuckDB();
  try {
    const rows = await queryRows(db.connection, `select * from read_parquet(${quotedString(join(runDir, "node_metrics.parquet"))})`);
    assert.equal(rows.length, 8);
    const e = hand.expected;
    for (let i = 0; i < 8; i++) {
      const row = rows.find((x) => x.address === ADDRESS(i) && x.port === 8333)!;
      assert.equal(row.in_degree, e.in_degree[i]);
      assert.equal(row.out_degree, e.out_degree[i]);
      near(Number(row.pagerank), e.pagerank[i]!, 1e-8, `pagerank ${i}`);
      near(Number(row.weighted_pagerank), e.weighted_pagerank[i]!, 1e-8, `weighted ${i}`);
      near(Number(row.eigenvector), e.eigenvector![i]!, 1e-6, `eigenvector ${i}`);
      near(Number(row.betweenness), e.betweenness[i]!, 1e-12, `betweenness ${i}`);
      near(Number(row.closeness), e.closeness[i]!, 1e-12, `closeness ${i}`);
    }
  } finally {
    db.close();
  }
  const manifest = await readManifest(join(runDir, "manifest.json"));
  assert.equal(manifest.state, "succeeded", "the run's own state is untouched");
  const stage = manifest.stages.topology!;
  assert.equal(stage.state, "succeeded");
  assert.equal(stage.counts?.nodes, 8);
  assert.equal(stage.counts?.edges, 11);
  assert.equal(stage.details?.seed, 9);
  assert.equal(stage.details?.betweenness_exact, true);
  assert.equal(typeof (stage.details?.timings_ms as Record<string, number> | undefined)?.pagerank, "number");
});

test("text output: the graph note, an aligned table sorted by rank, then the summary lines", async () => {
  const r = await cli(["topology", "--data", handData]);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.split("\n");
  assert.match(lines[0]!, /who advertises whom.*not the connection graph/);
  assert.match(lines[2]!, /^name\s+rank\s+size\s+share$/);
  const table = lines.slice(3, 11);
  const ranks = table.map((l) => Number(l.trim().split(/\s+/)[1]));
  assert.deepEqual(
    ranks,
    [...ranks].sort((a, b) => b - a),
  );
  assert.ok(table.some((l) => l.startsWith("[2001:db8::7]:8333 ")));
  for (const want of [
    /^nodes: 8$/m,
    /^edges: 11$/m,
    /^reachable nodes: 6 \(share 75\.00%\)$/m,
    new RegExp(`^weakly connected components: ${hand.expected.weak_components.length} `, "m"),
    /^strongly connected components: \d+ /m,
    /^out-degree over 6 nodes that replied: mean 1\.83, σ [\d.]+, median 2$/m,
    /^edge connectivity: 0 \(not strongly connected\)$/m,
  ]) {
    assert.match(r.stdout, want);
  }
});

test("--group-by country sums members' pagerank; --conglomerate ranks the country graph", async () => {
  const pr = hand.expected.pagerank;
  const country = (i: number) => (i === 7 ? "(unknown)" : PLACES[i % PLACES.length]!.country);
  const sums = new Map<string, number>();
  for (let i = 0; i < 8; i++) sums.set(country(i), (sums.get(country(i)) ?? 0) + pr[i]!);
  const grouped = await runTopology({ data: handData, groupBy: "country" });
  assert.equal(grouped.rows.length, sums.size);
  for (const row of grouped.rows) near(row.rank, sums.get(row.name)!, 1e-8, row.name);
  assert.equal(
    grouped.rows.reduce((s, x) => s + x.size, 0),
    8,
  );
  const cg = await runTopology({ data: handData, groupBy: "country", conglomerate: true });
  assert.equal(cg.conglomerateGraph?.nodes, sums.size);
  near(
    cg.rows.reduce((s, x) => s + x.rank, 0),
    1,
    1e-9,
    "group pagerank sums to 1",
  );
  assert.deepEqual(
    cg.rows.map((x) => x.rank),
    [...cg.rows.map((x) => x.rank)].sort((a, b) => b - a),
  );
  const asn = await runTopology({ data: handData, groupBy: "asn" });
  assert.ok(asn.rows.some((x) => x.name === "AS16509 Amazon.com, Inc." && x.size === 3));
  const city = await runTopology({ data: handData, groupBy: "city" });
  assert.ok(city.rows.some((x) => x.name === "Falkenstein, DE" && x.size === 2));
});

test("--group-by version works without geolocation; a geographic grouping names the missing step", async () => {
  const v = await cli(["topology", "--data", bareData, "--group-by", "version", "--json"]);
  assert.equal(v.status, 0, v.stderr);
  const doc = JSON.parse(v.stdout) as { rows: { name: string; size: number }[] };
  // user agents come from the handshake: the timeout (node 5) and the undialled node 7 have none
  assert.deepEqual(doc.rows.map((x) => [x.name, x.size]).sort(), [
    ["(unknown)", 2],
    ["/Satoshi:26.1.0/", 2],
    ["/Satoshi:27.0.0/", 4],
  ]);
  const g = await cli(["topology", "--data", bareData, "--group-by", "asn"]);
  assert.equal(g.status, 1);
  assert.equal(g.stdout, "");
  assert.equal(g.stderr, `fluxture: run ${bareRun} is not geolocated: run \`fluxture geolocate --run ${bareRun}\` first\n`);
});

test("--degree-dist writes the CSV histogram and an SVG plot next to it", async () => {
  const csv = join(root, "deg.csv");
  const r = await cli(["topology", "--data", handData, "--degree-dist", csv]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(readFileSync(csv, "utf8"), "out_degree,nodes\n0,2\n1,2\n2,3\n3,1\n");
  const svg = readFileSync(join(root, "deg.svg"), "utf8");
  assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  assert.match(svg, /out-degree/);
  assert.match(svg, /nodes \(log scale\)/);
  assert.equal(svg.match(/<circle /g)?.length, 4);
  const other = join(root, "hist");
  assert.equal((await cli(["topology", "--data", handData, "--degree-dist", other])).status, 0);
  assert.ok(existsSync(other) && existsSync(`${other}.svg`));
});

test("--only-crawled-nodes keeps the dialled nodes only", async () => {
  const r = await runTopology({ data: handData, onlyCrawledNodes: true });
  assert.equal(r.summary.nodes, 7);
  assert.equal(r.summary.edges, 10);
  assert.ok(!r.rows.some((x) => x.name === NAME(7)));
});

test("an empty run and a one-node run fail with one clear line", async () => {
  const empty = join(root, "empty");
  const e = await writeSampleRun(empty, { nodes: [], withMetrics: false });
  const r1 = await cli(["topology", "--data", empty]);
  assert.equal(r1.status, 1);
  assert.equal(r1.stderr, `fluxture: run ${e.id} has an empty graph: no visits and no advertised addresses\n`);
  const one = join(root, "one");
  const o = await writeSampleRun(one, {
    nodes: [{ address: "127.61.1.1", port: 8333, outcome: "ok", userAgent: null, place: null, advertises: [0] }],
    withMetrics: false,
  });
  const r2 = await cli(["topology", "--data", one]);
  assert.equal(r2.status, 1);
  assert.equal(r2.stderr, `fluxture: run ${o.id} has a one-node graph (127.61.1.1:8333): topology needs at least two nodes\n`);
  const m = await readManifest(join(one, "runs", "network=simnet", `run_id=${o.id}`, "manifest.json"));
  assert.equal(m.stages.topology?.state, "failed");
});

test("usage errors: --conglomerate without --group-by, a bad --group-by, --degree-dist -", async () => {
  const a = await cli(["topology", "--data", handData, "--conglomerate"]);
  assert.equal(a.status, 2);
  assert.match(a.stderr, /^fluxture: --conglomerate needs --group-by/);
  const b = await cli(["topology", "--data", handData, "--group-by", "planet"]);
  assert.notEqual(b.status, 0);
  assert.match(b.stderr, /--group-by must be one of ip\|city\|country\|continent\|asn\|version/);
  const c = await cli(["topology", "--data", handData, "--degree-dist", "-"]);
  assert.equal(c.status, 2);
});
