// runCrawl end to end over real loopback sockets: a scripted network, exact visits and edges in the sealed Parquet
// files, the dial policy (nothing outside it is ever contacted), warm start, --max-nodes, cancel, locking.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import net from "node:net";
import { syncBuiltinESMExports } from "node:module";
import { createServer } from "node:net";
import { once } from "node:events";
import { runCrawl, type CrawlOptions } from "../../stages/crawl/index.ts";
import { acquireLock } from "../../pipeline/lock.ts";
import { LockedError } from "../../pipeline/errors.ts";
import { readManifest } from "../../pipeline/manifest.ts";
import { openLake } from "../../pipeline/sql/lake.ts";
import { runChecks } from "../../pipeline/sql/checks.ts";
import { startPeerNetwork, type PeerSpec } from "./helpers/peer-network.ts";
import { edgeLines, readRun, visitLines } from "./helpers/read-run.ts";

const ONION = "pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd.onion";
const I2P = "ukeu3k5oycgaauneqgtnvselmt4yemvoilkln7jpvamvfx7dnkdq.b32.i2p";
const P = 18444;
const A = `127.31.0.1:${P}`;
const B = `127.31.0.2:${P}`;
const C = `127.31.0.3:${P}`;
const D = `127.31.0.4:${P}`;
const E = `127.31.0.5:${P}`; // nothing listens: refused
const F = `127.31.0.6:${P}`; // silent: handshake timeout
const DENIED = `127.31.9.9:${P}`; // a loopback listener the policy denies: must never be contacted
/** Fillers that make a reply "large" (> 10 entries) and test the policy: documentation range, never routable. */
const fill = (tag: number) => Array.from({ length: 9 }, (_, i) => `198.51.100.${tag * 10 + i}:8333`);

const SPECS: PeerSpec[] = [
  {
    host: "127.31.0.1",
    port: P,
    reply: [B, C, "10.0.0.1:8333", "8.8.8.8:8333", `${ONION}:8333`, `${I2P}:0`, "[fc32:17ea:e415:c3bf:9808:149d:b5a2:c9aa]:8333", ...fill(1)],
  },
  { host: "127.31.0.2", port: P, reply: [A, D, DENIED, ...fill(2)] },
  { host: "127.31.0.3", port: P, reply: [D, E, F, ...fill(3)] },
  { host: "127.31.0.4", port: P, reply: [] },
  { host: "127.31.0.6", port: P, reply: [], behaviour: "silent" },
];

function options(data: string, over: Partial<CrawlOptions> = {}): CrawlOptions {
  return {
    dataDir: data,
    network: "regtest",
    seeds: [A],
    dnsSeeds: false,
    concurrency: 4,
    connectTimeoutMs: 1000,
    handshakeTimeoutMs: 500,
    getaddrTimeoutMs: 3000,
    dialAllow: ["127.0.0.0/8", "::1/128"],
    dialDeny: ["127.31.9.0/24"],
    progress: false,
    ...over,
  };
}

async function tempData(): Promise<string> {
  return mkdtemp(join(tmpdir(), "fluxture-crawl-"));
}

test("a crawl of a scripted network records every visit and edge, and never contacts anything outside the policy", async (t) => {
  const network = await startPeerNetwork(SPECS);
  const denied = createServer((s) => s.destroy());
  let deniedConnections = 0;
  denied.on("connection", () => deniedConnections++);
  denied.listen(P, "127.31.9.9");
  await once(denied, "listening");
  const data = await tempData();
  const dialled: string[] = [];
  const original = net.connect;
  net.connect = ((...args: Parameters<typeof net.connect>) => {
    const o = args[0] as { host?: string; port?: number };
    dialled.push(`${o.host}:${o.port}`);
    return original(...args);
  }) as typeof net.connect;
  syncBuiltinESMExports();
  t.after(async () => {
    net.connect = original;
    syncBuiltinESMExports();
    await network.close();
    denied.close();
    await rm(data, { recursive: true, force: true });
  });

  const summary = await runCrawl(options(data));
  assert.equal(summary.state, "succeeded");
  assert.equal(summary.stoppedBy, "done");
  const { visits, addrs } = await readRun(summary.runDir);
  const expected = [
    `${A} ok`,
    `${B} ok`,
    `${C} ok`,
    `${D} ok`,
    `${E} refused`,
    `${F} timeout`,
    `${DENIED} not_dialed`,
    "10.0.0.1:8333 not_dialed",
    "8.8.8.8:8333 not_dialed",
    `${ONION}:8333 unsupported_network`,
    `${I2P}:0 unsupported_network`,
    "fc32:17ea:e415:c3bf:9808:149d:b5a2:c9aa:8333 unsupported_network",
    ...[1, 2, 3].flatMap((tag) => fill(tag).map((f) => `${f} not_dialed`)),
  ].sort();
  assert.deepEqual(visitLines(visits), expected);
  const edges = SPECS.filter((s) => s.behaviour !== "silent").flatMap((s) =>
    s.reply.map((r) => `${s.host}:${s.port} -> ${r.replace(/^\[(.*)\]:(\d+)$/, "$1:$2")}`),
  );
  assert.deepEqual(edgeLines(addrs), edges.sort());

  // nothing but the allowed loopback peers was ever dialled; the denied loopback listener saw no connection
  const allowed = new Set([A, B, C, D, E, F]);
  assert.ok(dialled.length >= 6);
  for (const d of dialled.filter((x) => !x.startsWith("127.0.0.53"))) assert.ok(allowed.has(d), `dialled ${d}`);
  assert.equal(deniedConnections, 0);
  assert.equal(network.connections.get(A), 1); // one connection per node per run

  const byAddr = new Map(visits.map((v) => [`${String(v.address)}:${String(v.port)}`, v]));
  assert.equal(byAddr.get(A)?.depth, 0);
  assert.equal(byAddr.get(A)?.source, "seed_arg");
  assert.equal(byAddr.get(B)?.depth, 1);
  assert.equal(byAddr.get(D)?.depth, 2);
  assert.equal(byAddr.get(D)?.source, "peer");
  assert.equal(byAddr.get(A)?.user_agent, "/Satoshi:27.0.0/");
  assert.equal(byAddr.get(A)?.services, 0x409n);
  assert.equal(byAddr.get(A)?.start_height, 800_000);
  assert.equal(byAddr.get(A)?.addrs_received, 16);
  assert.match(String(byAddr.get("10.0.0.1:8333")?.error_detail), /outside the dial policy/);
  assert.match(String(byAddr.get(`${ONION}:8333`)?.error_detail), /--proxy/);

  assert.equal(summary.discovered, expected.length);
  assert.equal(summary.attempted, 6);
  assert.deepEqual(summary.reachable, { ipv4: 4, ipv6: 0, onion_v3: 0, i2p: 0, cjdns: 0 });
  assert.equal(summary.outcomes.ok, 4);
  assert.equal(summary.outcomes.not_dialed, 30);
  assert.equal(summary.outcomes.cancelled, 0);
  const manifest = await readManifest(join(summary.runDir, "manifest.json"));
  assert.equal(manifest.state, "succeeded");
  assert.equal(manifest.counts.visits, expected.length);
  assert.equal(manifest.stages.crawl?.state, "succeeded");
});

test("a second crawl starts warm from the previous run's reachable nodes; --max-nodes bounds dialling", async (t) => {
  const network = await startPeerNetwork(SPECS);
  const data = await tempData();
  t.after(async () => {
    await network.close();
    await rm(data, { recursive: true, force: true });
  });
  const first = await runCrawl(options(data));
  assert.equal(first.state, "succeeded");
  const second = await runCrawl(options(data, { seeds: [], maxNodes: 2 }));
  assert.equal(second.state, "succeeded");
  assert.equal(second.stoppedBy, "max_nodes");
  assert.equal(second.attempted, 2);
  const { visits } = await readRun(second.runDir);
  const sources = visits.filter((v) => v.source === "previous_run").map((v) => `${String(v.address)}:${String(v.port)}`);
  assert.deepEqual(sources.sort(), [A, B]); // the first two of A..D (sorted) were dialled before the budget ran out
  assert.notEqual(second.runId, first.runId);
});

test("cancelling mid-crawl seals the run as cancelled with its data; --resume completes it like an uninterrupted crawl", async (t) => {
  const slow = SPECS.map((s) => ({ ...s, replyDelayMs: 400 }));
  const network = await startPeerNetwork(slow);
  const data = await tempData();
  const reference = await tempData();
  t.after(async () => {
    await network.close();
    await rm(data, { recursive: true, force: true });
    await rm(reference, { recursive: true, force: true });
  });
  const ac = new AbortController();
  // A answered (B and C come from its reply) and B and C are in flight (they answer 400 ms after getaddr)
  void network.until((c) => c.has(B) && c.has(C)).then(() => ac.abort(new Error("test")));
  const cancelled = await runCrawl(options(data, { signal: ac.signal }));
  assert.equal(cancelled.state, "cancelled");
  assert.equal(cancelled.stoppedBy, "cancelled");
  assert.ok(cancelled.outcomes.cancelled >= 1, JSON.stringify(cancelled.outcomes));
  assert.equal(cancelled.outcomes.ok, 1);
  const partial = await readRun(cancelled.runDir);
  assert.ok(partial.addrs.length === 16); // A's edges; cancelled visits keep no edges

  // the resume and an uninterrupted crawl of the same network, side by side
  const [resumed, whole] = await Promise.all([runCrawl(options(data, { resume: true })), runCrawl(options(reference))]);
  assert.equal(resumed.runId, cancelled.runId);
  assert.equal(resumed.state, "succeeded");
  assert.equal(resumed.resumed, true);
  const a = await readRun(resumed.runDir);
  const b = await readRun(whole.runDir);
  assert.deepEqual(visitLines(a.visits), visitLines(b.visits));
  assert.deepEqual(edgeLines(a.addrs), edgeLines(b.addrs));
  assert.equal(network.connections.get(A), 2); // once per run (the cancelled one and the reference): the resume did not revisit A
});

test("a locked data folder is refused with the holder named", async (t) => {
  const data = await tempData();
  const lock = await acquireLock(data, "test holder");
  t.after(async () => {
    await lock.release();
    await rm(data, { recursive: true, force: true });
  });
  await assert.rejects(runCrawl(options(data)), (e: unknown) => e instanceof LockedError && /test holder/.test(e.message));
});

test("only ok visits have edges, so the lake's invariants (sql/checks) hold over a crawl's output", async (t) => {
  const G = `127.31.1.1:${P}`; // announces itself after the handshake and never answers getaddr
  const network = await startPeerNetwork([
    { host: "127.31.1.3", port: P, reply: [G, ...fill(4), "198.51.100.49:8333"] }, // 11 entries: complete at once, no small-reply grace
    { host: "127.31.1.1", port: P, reply: [G], behaviour: "announce_only" },
  ]);
  const data = await tempData();
  t.after(async () => {
    await network.close();
    await rm(data, { recursive: true, force: true });
  });
  const summary = await runCrawl(options(data, { seeds: [`127.31.1.3:${P}`], getaddrTimeoutMs: 800 }));
  const { visits, addrs } = await readRun(summary.runDir);
  const g = visits.find((v) => `${String(v.address)}:${String(v.port)}` === G);
  assert.equal(g?.outcome, "no_addr_reply");
  assert.equal(g?.addr_messages, 1);
  assert.equal(g?.addrs_received, 1);
  assert.ok(!addrs.some((a) => `${String(a.source_address)}:${String(a.source_port)}` === G));
  assert.equal(addrs.length, 11);
  const lake = await openLake(data, { marts: false });
  try {
    const results = await runChecks(lake.connection);
    assert.ok(results.some((r) => r.name === "addrs_source_visited_ok"));
    for (const r of results)
      assert.equal(r.offending, 0, `${r.name}: ${JSON.stringify(r.sample, (_k, v: unknown) => (typeof v === "bigint" ? String(v) : v))}`);
  } finally {
    await lake.close();
  }
});
