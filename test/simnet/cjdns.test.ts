// CJDNS end to end: simnet peers listening on fc00:: addresses added to lo inside a private network namespace
// (the child runs under `unshare -rn`), crawled with --cjdns (every CJDNS peer reached, network type cjdns in the
// visits and in the per-network reachable counts: the crawl summary and mart_nodes_by_network_type) and without it (never dialled: unsupported_network with the
// documented "no CJDNS route" detail, no connection reaches them).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { quotedString } from "@duckdb/node-api";
import { openDuckDB, queryRows, type RowObject } from "../../pipeline/duckdb.ts";
import { openLake } from "../../pipeline/sql/lake.ts";
import type { CrawlSummary } from "../../stages/crawl/index.ts";
import { readGroundTruth, type GroundTruth } from "../../tools/simnet/index.ts";
import { cjdnsAddressCommands } from "../../tools/simnet/cjdns.ts";
import { cjdnsAddress } from "../../tools/simnet/overlay.ts";

const NODES = 50;
let dir: string;
let truth: GroundTruth;
let r: { lo: string; withCjdns: CrawlSummary; without: CrawlSummary; acceptedWithout: number };
let withVisits: RowObject[];
let withoutVisits: RowObject[];

async function visitsOf(summary: CrawlSummary): Promise<RowObject[]> {
  const db = await openDuckDB({ threads: 1 });
  try {
    return await queryRows(db.connection, `select * from read_parquet(${quotedString(join(summary.runDir, "visits.parquet"))})`);
  } finally {
    db.close();
  }
}

/** mart_nodes_by_network_type's reachable nodes per network type of the one run in `dataDir` (no analyze needed). */
async function martReachable(dataDir: string): Promise<Record<string, number>> {
  const lake = await openLake(dataDir);
  try {
    const rows = await queryRows(lake.connection, "select network_type, reachable_nodes from mart_nodes_by_network_type");
    return Object.fromEntries(rows.map((r) => [String(r.network_type), Number(r.reachable_nodes)]));
  } finally {
    await lake.close();
  }
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "simnet-cjdns-"));
  const { stdout } = await promisify(execFile)(
    "unshare",
    ["-rn", process.execPath, "--import", "tsx", "test/simnet/helpers/cjdns-crawl.ts", JSON.stringify({ dir, nodes: NODES })],
    { maxBuffer: 16 * 1024 * 1024 },
  );
  r = JSON.parse(stdout.trim().split("\n").at(-1)!) as typeof r;
  truth = await readGroundTruth(join(dir, "simnet", "ground-truth.json"));
  withVisits = await visitsOf(r.withCjdns);
  withoutVisits = await visitsOf(r.without);
});

after(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const cjdnsPeers = () => truth.peers.filter((p) => p.network === "cjdns");
const ipPeers = () => truth.peers.filter((p) => p.network === "ipv4" || p.network === "ipv6");

test("the simnet's CJDNS peers have fc00:: addresses, added to lo with nodad", () => {
  assert.equal(cjdnsPeers().length, 20);
  assert.deepEqual(cjdnsAddress(0), "fc00::1");
  assert.deepEqual(cjdnsAddress(0x1_0000), "fc00::1:1");
  assert.deepEqual(cjdnsAddressCommands(["fc00::1"]), ["addr add fc00::1/128 dev lo nodad"]);
  for (const p of cjdnsPeers()) {
    assert.match(p.address, /^fc00::[0-9a-f:]+$/);
    assert.ok(r.lo.includes(` ${p.address}/128 `), `${p.address} on lo`);
  }
});

test("--cjdns: every CJDNS peer is dialled directly and reached, recorded as network type cjdns and counted", async () => {
  const byKey = new Map(withVisits.map((v) => [`${String(v.address)}|${Number(v.port)}`, v]));
  for (const p of [...cjdnsPeers(), ...ipPeers()]) {
    const v = byKey.get(`${p.address}|${p.port}`);
    assert.ok(v !== undefined, `${p.network} peer ${p.address}:${p.port} visited`);
    assert.deepEqual([v.network_type, v.outcome, v.user_agent], [p.network, "ok", p.version.user_agent], `${p.address}:${p.port}`);
    assert.ok(Number(v.connect_ms) >= 0);
  }
  assert.equal(r.withCjdns.state, "succeeded");
  assert.equal(r.withCjdns.reachable.cjdns, cjdnsPeers().length);
  assert.equal((await martReachable(join(dir, "with"))).cjdns, cjdnsPeers().length);
  assert.equal((r.withCjdns.reachable.ipv4 ?? 0) + (r.withCjdns.reachable.ipv6 ?? 0), ipPeers().length);
});

test("without --cjdns: CJDNS peers are recorded unsupported_network (no CJDNS route) and never dialled", async () => {
  const cj = withoutVisits.filter((v) => v.network_type === "cjdns"); // the peers and the advertised CJDNS pool
  const recorded = new Set(cj.map((v) => `${String(v.address)}|${Number(v.port)}`));
  for (const p of cjdnsPeers()) assert.ok(recorded.has(`${p.address}|${p.port}`), `${p.address} learned from the IP peers' addrv2 replies`);
  for (const v of cj) {
    assert.equal(v.outcome, "unsupported_network");
    assert.match(String(v.error_detail), /no CJDNS route \(--cjdns allows fc00::\/8/);
    assert.equal(v.connect_ms, null);
  }
  assert.equal(r.without.reachable.cjdns, 0);
  assert.equal((await martReachable(join(dir, "without"))).cjdns, 0); // listed, zero
  assert.equal((r.without.reachable.ipv4 ?? 0) + (r.without.reachable.ipv6 ?? 0), ipPeers().length);
  assert.equal(r.acceptedWithout, ipPeers().length); // the simnet accepted the IP peers' connections, none for CJDNS
});
