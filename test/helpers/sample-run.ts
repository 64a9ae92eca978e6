// Writes small but complete runs (visits, addrs, geo, node_metrics) with the real pipeline writers, for tests of
// the stages that read runs (exports, report, analyze). Nothing here is mocked: real Parquet through DuckDB.
import { Run, type NetworkName } from "../../pipeline/runs.ts";
import { writeParquet } from "../../pipeline/snapshot/index.ts";
import { ADDRS, GEO, NODE_METRICS, VISITS, type AddrRow, type GeoRow, type NodeMetricsRow, type VisitRow } from "../../pipeline/schema/index.ts";
import { join } from "node:path";
import { visitRow } from "./visit-row.ts";

/** A place a sample node is located at. */
export interface Place {
  readonly country: string;
  readonly continent: string;
  readonly city: string;
  readonly latitude: number;
  readonly longitude: number;
  readonly timeZone: string;
  readonly asn: number;
  readonly asOrg: string;
}

/** Real places with real hosting ASes, as the simnet uses them. */
export const PLACES: readonly Place[] = [
  {
    country: "DE",
    continent: "EU",
    city: "Falkenstein",
    latitude: 50.4779,
    longitude: 12.3713,
    timeZone: "Europe/Berlin",
    asn: 24940,
    asOrg: "Hetzner Online GmbH",
  },
  {
    country: "US",
    continent: "NA",
    city: "Ashburn",
    latitude: 39.0438,
    longitude: -77.4874,
    timeZone: "America/New_York",
    asn: 16509,
    asOrg: "Amazon.com, Inc.",
  },
  { country: "FR", continent: "EU", city: "Roubaix", latitude: 50.6942, longitude: 3.1746, timeZone: "Europe/Paris", asn: 16276, asOrg: "OVH SAS" },
  {
    country: "NL",
    continent: "EU",
    city: "Amsterdam",
    latitude: 52.3676,
    longitude: 4.9041,
    timeZone: "Europe/Amsterdam",
    asn: 14061,
    asOrg: "DigitalOcean, LLC",
  },
  { country: "JP", continent: "AS", city: "Tokyo", latitude: 35.6895, longitude: 139.6917, timeZone: "Asia/Tokyo", asn: 16509, asOrg: "Amazon.com, Inc." },
];

/** One sample node: its address, whether it answered, where it is, and whom it advertises (indexes). */
export interface SampleNode {
  readonly address: string;
  readonly port: number;
  readonly outcome: VisitRow["outcome"];
  readonly userAgent: string | null;
  readonly place: Place | null;
  readonly advertises: readonly number[];
}

/** Options of `writeSampleRun`. */
export interface SampleRunOptions {
  readonly network?: NetworkName;
  readonly nodes: readonly SampleNode[];
  readonly withGeo?: boolean;
  readonly withMetrics?: boolean;
  readonly startedAt?: Date;
}

const NETWORK_TYPE = (address: string): VisitRow["network_type"] => (address.endsWith(".onion") ? "onion_v3" : address.includes(":") ? "ipv6" : "ipv4");

/** Writes a sealed (succeeded) run with the given nodes; returns the run. */
export async function writeSampleRun(dataDir: string, options: SampleRunOptions): Promise<Run> {
  const run = await Run.create(dataDir, options.network ?? "simnet", { sample: true });
  const at = options.startedAt ?? new Date("2026-11-24T12:00:00Z");
  const visits: VisitRow[] = options.nodes.map((n, i) =>
    visitRow({
      address: n.address,
      port: n.port,
      network_type: NETWORK_TYPE(n.address),
      source: i === 0 ? "seed_arg" : "peer",
      depth: i === 0 ? 0 : 1,
      attempted_at: at,
      outcome: n.outcome,
      error_detail: n.outcome === "ok" ? null : `sample ${n.outcome}`,
      connect_ms: n.outcome === "ok" ? 3 : null,
      handshake_ms: n.outcome === "ok" ? 5 : null,
      getaddr_ms: n.outcome === "ok" ? 40 : null,
      services: n.outcome === "ok" ? 3081n : null,
      user_agent: n.outcome === "ok" ? n.userAgent : null,
      start_height: n.outcome === "ok" ? 870_000 + i : null,
      peer_time: n.outcome === "ok" ? BigInt(Math.floor(at.getTime() / 1000)) : null,
      addr_messages: n.advertises.length > 0 ? 2 : 0,
      addrs_received: n.advertises.length,
    }),
  );
  const addrs: AddrRow[] = options.nodes.flatMap((n) =>
    n.advertises.map((j) => {
      const target = options.nodes[j]!;
      return {
        source_address: n.address,
        source_port: n.port,
        address: target.address,
        port: target.port,
        network_type: NETWORK_TYPE(target.address),
        services: 1033n,
        advertised_at: at,
        message: "addrv2" as const,
        in_reply: true,
      };
    }),
  );
  await writeParquet(join(run.dir, VISITS.file), VISITS, visits);
  await writeParquet(join(run.dir, ADDRS.file), ADDRS, addrs);
  if (options.withGeo !== false) {
    const geo: GeoRow[] = options.nodes.map(
      (n) =>
        ({
          address: n.address,
          status: n.place === null ? (n.address.endsWith(".onion") ? "onion" : "not_found") : "located",
          country_code: n.place?.country ?? null,
          continent_code: n.place?.continent ?? null,
          city: n.place?.city ?? null,
          subdivision: null,
          latitude: n.place?.latitude ?? null,
          longitude: n.place?.longitude ?? null,
          accuracy_radius_km: n.place === null ? null : 20,
          time_zone: n.place?.timeZone ?? null,
          asn: n.place?.asn ?? null,
          as_org: n.place?.asOrg ?? null,
          city_db_built_at: new Date("2026-11-01T00:00:00Z"),
          asn_db_built_at: new Date("2026-11-01T00:00:00Z"),
          located_at: at,
        }) as GeoRow,
    );
    await writeParquet(join(run.dir, GEO.file), GEO, geo);
  }
  if (options.withMetrics !== false) {
    const n = options.nodes.length;
    const inDegree = new Array<number>(n).fill(0);
    for (const node of options.nodes) for (const j of node.advertises) inDegree[j]!++;
    const edges = options.nodes.reduce((sum, x) => sum + x.advertises.length, 0);
    const metrics: NodeMetricsRow[] = options.nodes.map((node, i) => ({
      address: node.address,
      port: node.port,
      in_degree: inDegree[i]!,
      out_degree: node.advertises.length,
      pagerank: (inDegree[i]! + 1) / (edges + n),
      weighted_pagerank: 1 / n,
      eigenvector: null,
      betweenness: 0,
      closeness: null,
      component: 0,
      community: i % 2,
    }));
    await writeParquet(join(run.dir, NODE_METRICS.file), NODE_METRICS, metrics);
  }
  await run.seal("succeeded", { visits: visits.length, addrs: addrs.length });
  return run;
}

/** A ten-node sample: seven reachable across five places, a timeout, an onion not dialled, a hostile user agent. */
export function tenNodes(): SampleNode[] {
  const p = PLACES;
  return [
    { address: "127.42.0.1", port: 18444, outcome: "ok", userAgent: "/Satoshi:27.0.0/", place: p[0]!, advertises: [1, 2, 3, 4, 8] },
    { address: "127.42.0.2", port: 18444, outcome: "ok", userAgent: "/Satoshi:27.0.0/", place: p[0]!, advertises: [0, 2, 5] },
    { address: "127.42.0.3", port: 18444, outcome: "ok", userAgent: `/Evil<b>&"'/`, place: p[1]!, advertises: [0, 6] },
    { address: "127.42.0.4", port: 18444, outcome: "ok", userAgent: "/Satoshi:26.1.0/", place: p[1]!, advertises: [0] },
    { address: "127.42.0.5", port: 18444, outcome: "ok", userAgent: "/Satoshi:0.21.1/", place: p[2]!, advertises: [1, 7] },
    { address: "127.42.0.6", port: 18444, outcome: "ok", userAgent: "/btcwire:0.5.0/btcd:0.24.2/", place: p[3]!, advertises: [] },
    { address: "127.42.0.7", port: 18444, outcome: "ok", userAgent: "/Satoshi:27.0.0/", place: p[4]!, advertises: [0] },
    { address: "127.42.0.8", port: 18444, outcome: "timeout", userAgent: null, place: p[3]!, advertises: [] },
    {
      address: "pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd.onion",
      port: 8333,
      outcome: "unsupported_network",
      userAgent: null,
      place: null,
      advertises: [],
    },
    { address: "::1", port: 18445, outcome: "refused", userAgent: null, place: null, advertises: [] },
  ];
}
