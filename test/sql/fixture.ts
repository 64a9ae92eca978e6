// A small data lake written with the real writers (Run + writeParquet): three sealed simnet runs, one failed
// simnet run, one sealed regtest run. The tests compute every expected mart value from this by hand.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Run } from "../../pipeline/runs.ts";
import type { RunState } from "../../pipeline/runs.ts";
import type { NetworkName } from "../../lib/bitcoin/networks.ts";
import { ADDRS, GEO, NODE_METRICS, VISITS } from "../../pipeline/schema/index.ts";
import type { NetworkType } from "../../lib/bitcoin/address.ts";
import type { AddrRow, GeoRow, NodeMetricsRow, VisitOutcome, VisitRow } from "../../pipeline/schema/index.ts";
import { writeParquet } from "../../pipeline/snapshot/index.ts";
import { visitRow } from "../helpers/visit-row.ts";

/** The simnet nodes of the fixture. */
export const N = {
  n1: { address: "10.0.0.1", port: 8333, type: "ipv4" },
  n2: { address: "10.0.0.2", port: 8333, type: "ipv4" },
  n3: { address: "10.0.0.3", port: 8333, type: "ipv4" },
  n4: { address: "2001:db8::4", port: 8333, type: "ipv6" },
  n5: { address: "pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd.onion", port: 8333, type: "onion_v3" },
  n6: { address: "10.0.0.6", port: 8333, type: "ipv4" },
  m1: { address: "127.0.0.1", port: 18444, type: "ipv4" },
} as const satisfies Record<string, { address: string; port: number; type: NetworkType }>;

type NodeName = keyof typeof N;

interface VisitSpec {
  node: NodeName;
  outcome: VisitOutcome;
  ua?: string;
  pv?: number;
}

/** A full visits row for a node with an outcome; version fields only when the handshake completed. */
export function visit(spec: VisitSpec, at: Date): VisitRow {
  const n = N[spec.node];
  const handshake = spec.outcome === "ok" || spec.outcome === "no_addr_reply";
  return visitRow({
    address: n.address,
    port: n.port,
    network_type: n.type,
    attempted_at: at,
    outcome: spec.outcome,
    protocol_version: handshake ? (spec.pv ?? 70016) : null,
    user_agent: handshake ? (spec.ua ?? null) : null,
    start_height: handshake ? 840000 : null,
    addr_messages: spec.outcome === "ok" ? 1 : 0,
    addrs_received: spec.outcome === "ok" ? 2 : 0,
  });
}

/** An addrs row: `from` advertised `to`. */
export function edge(from: NodeName, to: NodeName, at: Date): AddrRow {
  return {
    source_address: N[from].address,
    source_port: N[from].port,
    address: N[to].address,
    port: N[to].port,
    network_type: N[to].type,
    services: 1033n,
    advertised_at: at,
    message: "addrv2",
    in_reply: true,
  };
}

/** A geo row; null country means an overlay address (status onion). */
export function geo(node: NodeName, country: string | null, continent: string | null, asn: number | null, at: Date): GeoRow {
  const overlay = N[node].type === "onion_v3";
  return {
    address: N[node].address,
    status: overlay ? "onion" : "located",
    country_code: country,
    continent_code: continent,
    city: null,
    subdivision: null,
    latitude: country === null ? null : 10,
    longitude: country === null ? null : 20,
    accuracy_radius_km: country === null ? null : 100,
    time_zone: null,
    asn,
    as_org: asn === null ? null : `Org${asn}`,
    city_db_built_at: at,
    asn_db_built_at: at,
    located_at: at,
  };
}

/** A node_metrics row with placeholder centralities. */
export function metrics(node: NodeName): NodeMetricsRow {
  return {
    address: N[node].address,
    port: N[node].port,
    in_degree: 1,
    out_degree: 1,
    pagerank: 0.25,
    weighted_pagerank: 0.25,
    eigenvector: 0.5,
    betweenness: 0,
    closeness: 0.5,
    component: 0,
    community: 0,
  };
}

/** One run to write: its network, nominal start, final state and dataset rows (absent = file not written). */
export interface RunSpec {
  key: string;
  network: NetworkName;
  startedAt: string;
  state: RunState;
  visits: VisitRow[];
  addrs?: AddrRow[];
  geo?: GeoRow[];
  metrics?: NodeMetricsRow[];
}

/** Writes runs in order through Run.create/seal and writeParquet; returns run ids by key. */
export async function writeRuns(dataDir: string, specs: readonly RunSpec[]): Promise<Record<string, string>> {
  const ids: Record<string, string> = {};
  for (const spec of specs) {
    const run = await Run.create(dataDir, spec.network, { fixture: spec.key });
    run.manifest.started_at = spec.startedAt;
    await writeParquet(join(run.dir, VISITS.file), VISITS, spec.visits);
    if (spec.addrs) await writeParquet(join(run.dir, ADDRS.file), ADDRS, spec.addrs);
    if (spec.geo) await writeParquet(join(run.dir, GEO.file), GEO, spec.geo);
    if (spec.metrics) await writeParquet(join(run.dir, NODE_METRICS.file), NODE_METRICS, spec.metrics);
    await run.seal(spec.state, { visits: spec.visits.length, addrs: spec.addrs?.length ?? 0 });
    ids[spec.key] = run.id;
  }
  return ids;
}

/** What can be broken in the fixture, one invariant each (for the checks tests). */
export type Breakage = "duplicate_visit" | "addrs_source_not_ok" | "geo_missing_ip" | "metrics_missing_node";

const DAY = (d: number): Date => new Date(Date.UTC(2024, 0, d));

/** The fixture's run specs; `breakage` removes or adds exactly one row that violates one check. */
export function fixtureRuns(breakage?: Breakage): RunSpec[] {
  const a = DAY(1);
  const b = DAY(2);
  const c = DAY(3);
  const f = DAY(4);
  const visitsA = [
    visit({ node: "n1", outcome: "ok", ua: "/Satoshi:25.0.0/", pv: 70016 }, a),
    visit({ node: "n2", outcome: "ok", ua: "/Satoshi:0.21.1/", pv: 70016 }, a),
    visit({ node: "n3", outcome: "no_addr_reply", ua: "/Satoshi:0.20.0/", pv: 70015 }, a),
    visit({ node: "n4", outcome: "timeout" }, a),
    visit({ node: "n5", outcome: "unsupported_network" }, a),
    visit({ node: "n6", outcome: "not_dialed" }, a),
  ];
  if (breakage === "duplicate_visit") visitsA.push(visit({ node: "n4", outcome: "ok", ua: "/Satoshi:25.0.0/" }, DAY(1)));
  const addrsA = [edge("n1", "n2", a), edge("n1", "n3", a), edge("n1", "n4", a), edge("n2", "n1", a)];
  if (breakage === "addrs_source_not_ok") addrsA.push(edge("n4", "n1", a));
  const geoB = [
    geo("n1", "US", "NA", 100, b),
    geo("n2", "US", "NA", 200, b),
    geo("n3", "DE", "EU", 100, b),
    geo("n4", "FR", "EU", 300, b),
    geo("n5", null, null, null, b),
    geo("n6", "JP", "AS", 400, b),
  ];
  const metricsA = (["n1", "n2", "n3", "n4"] as const).filter((n) => !(breakage === "metrics_missing_node" && n === "n4")).map(metrics);
  return [
    {
      key: "A",
      network: "simnet",
      startedAt: a.toISOString(),
      state: "succeeded",
      visits: visitsA,
      addrs: addrsA,
      geo: [
        geo("n1", "US", "NA", 100, a),
        geo("n2", "US", "NA", 200, a),
        geo("n3", "DE", "EU", 100, a),
        geo("n4", "FR", "EU", 300, a),
        geo("n5", null, null, null, a),
        geo("n6", "JP", "AS", 400, a),
      ],
      metrics: metricsA,
    },
    {
      key: "Z",
      network: "regtest",
      startedAt: new Date(Date.UTC(2024, 0, 1, 12)).toISOString(),
      state: "succeeded",
      visits: [visit({ node: "m1", outcome: "ok", ua: "/Satoshi:25.0.0/", pv: 70016 }, a)],
      addrs: [],
    },
    {
      key: "B",
      network: "simnet",
      startedAt: b.toISOString(),
      state: "succeeded",
      visits: [
        visit({ node: "n1", outcome: "ok", ua: "/Satoshi:26.0.0/", pv: 70016 }, b),
        visit({ node: "n2", outcome: "refused" }, b),
        visit({ node: "n3", outcome: "ok", ua: "/Satoshi:0.20.0/", pv: 70015 }, b),
        visit({ node: "n4", outcome: "ok", ua: "/Satoshi:22.0.0/", pv: 70016 }, b),
        visit({ node: "n5", outcome: "ok", ua: "/btcd:0.24.0/", pv: 70016 }, b),
        visit({ node: "n6", outcome: "unreachable" }, b),
      ],
      addrs: [edge("n1", "n5", b), edge("n1", "n6", b), edge("n3", "n1", b)],
      geo: breakage === "geo_missing_ip" ? geoB.filter((g) => g.address !== N.n6.address) : geoB,
    },
    {
      key: "C",
      network: "simnet",
      startedAt: c.toISOString(),
      state: "succeeded",
      visits: [
        visit({ node: "n1", outcome: "ok", ua: "/Satoshi:26.0.0/", pv: 70016 }, c),
        visit({ node: "n2", outcome: "ok", ua: "/Satoshi:27.0.0/", pv: 70016 }, c),
        visit({ node: "n3", outcome: "timeout" }, c),
        visit({ node: "n4", outcome: "ok", ua: "/Satoshi:22.0.0/", pv: 70016 }, c),
        visit({ node: "n6", outcome: "ok", ua: "/Satoshi:0.21.0/", pv: 70016 }, c),
      ],
      addrs: [edge("n1", "n2", c)],
    },
    {
      key: "F",
      network: "simnet",
      startedAt: f.toISOString(),
      state: "failed",
      visits: [
        visit({ node: "n1", outcome: "ok", ua: "/Satoshi:99.0.0/", pv: 70016 }, f),
        visit({ node: "n1", outcome: "ok", ua: "/Satoshi:99.0.0/", pv: 70016 }, f),
      ],
      addrs: [edge("n1", "n6", f), edge("n4", "n6", f)],
      geo: [geo("n1", "NZ", "OC", 999, f)],
    },
  ];
}

/** A temp folder holding `data/` with the fixture written into it; remove() deletes it all. */
/** Run ids by run key; the standard fixture has A, Z, B, C (sealed) and F (failed). */
export type RunIds = Record<string, string> & Record<"A" | "B" | "C" | "Z" | "F", string>;

export interface FixtureLake {
  readonly root: string;
  readonly dataDir: string;
  readonly ids: RunIds;
  remove(): Promise<void>;
}

/** Writes the fixture (optionally broken) under a new temp folder, as `<root>/<dirName>`. */
export async function makeFixtureLake(opts: { breakage?: Breakage; dirName?: string; runs?: RunSpec[] } = {}): Promise<FixtureLake> {
  const root = await mkdtemp(join(tmpdir(), "fluxture-sql-"));
  const dataDir = join(root, opts.dirName ?? "data");
  const ids = (await writeRuns(dataDir, opts.runs ?? fixtureRuns(opts.breakage))) as RunIds;
  return { root, dataDir, ids, remove: () => rm(root, { recursive: true, force: true }) };
}
