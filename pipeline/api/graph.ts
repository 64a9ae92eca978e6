// db.graph(): one sealed run's advertised-address graph (A→B when B was in A's getaddr reply) as a graphology
// DirectedGraph, so TypeScript users can run any graphology / graphology-metrics algorithm on it.
import type { DuckDBConnection } from "@duckdb/node-api";
import { DirectedGraph } from "graphology";
import type { NetworkName } from "../../lib/bitcoin/networks.ts";
import { queryRows } from "../duckdb.ts";
import type { VisitOutcome } from "../schema/index.ts";

/** Attributes of a graph node (`address:port`, IPv6 in brackets); null where the run does not know it. */
export interface GraphNodeAttributes {
  readonly address: string;
  readonly port: number;
  /** Crawl outcome in the run; null for an address that was advertised but never attempted. */
  readonly outcome: VisitOutcome | null;
  /** ISO country code from the run's geo.parquet (null: not geolocated, overlay, or unknown). */
  readonly country: string | null;
  readonly asn: number | null;
  /** The user agent of its version message (reachable nodes only). */
  readonly userAgent: string | null;
  /** PageRank from the run's node_metrics.parquet (null until `fluxture topology`/`analyze` computed it). */
  readonly pagerank: number | null;
}

/** Attributes of an edge A→B. */
export interface GraphEdgeAttributes {
  /** The service bits A advertised for B (64-bit). */
  readonly services: bigint;
}

/** The graph db.graph() returns. */
export type CrawlGraph = DirectedGraph<GraphNodeAttributes, GraphEdgeAttributes>;

/** Options of db.graph(). */
export interface GraphOptions {
  /** Run id; default the newest sealed (succeeded) run, of `network` when given. */
  readonly run?: string;
  readonly network?: NetworkName;
}

// Nodes: every visited address and every advertised one (getaddr-reply entries), with the run's facts.
const NODES_SQL = `
with
run_visits as (
    select * from visits where network = $1 and run_id = $2
    qualify row_number() over (partition by address, port order by is_reachable(outcome) desc, attempted_at desc) = 1
),
run_geo as (
    select * from geo where network = $1 and run_id = $2
    qualify row_number() over (partition by address order by located_at desc nulls last) = 1
),
run_metrics as (
    select address, port, pagerank from node_metrics where network = $1 and run_id = $2
),
keys as (
    select address, port from run_visits
    union
    select address, port from addrs where network = $1 and run_id = $2 and coalesce(in_reply, true)
)
select k.address, k.port, v.outcome, g.country_code as country, g.asn, v.user_agent, m.pagerank
from keys as k
left join run_visits as v using (address, port)
left join run_geo as g on g.address = k.address
left join run_metrics as m using (address, port)
order by k.address, k.port`;

const EDGES_SQL = `
select source_address, source_port, address, port, arg_max(services, advertised_at) as services
from addrs
where network = $1 and run_id = $2 and coalesce(in_reply, true)
group by all
order by source_address, source_port, address, port`;

/** The key of a node in the graph: `host:port`, IPv6 in brackets (as CrawlNode.toString()). */
export function graphKey(address: string, port: number): string {
  return address.includes(":") ? `[${address}]:${port}` : `${address}:${port}`;
}

/** Builds the graph of one run from the lake's views. */
export async function buildGraph(connection: DuckDBConnection, network: NetworkName, runId: string): Promise<CrawlGraph> {
  const graph: CrawlGraph = new DirectedGraph<GraphNodeAttributes, GraphEdgeAttributes>({ allowSelfLoops: false });
  for (const r of await queryRows(connection, NODES_SQL, [network, runId])) {
    const address = String(r.address);
    const port = Number(r.port);
    graph.addNode(graphKey(address, port), {
      address,
      port,
      outcome: (r.outcome ?? null) as VisitOutcome | null,
      country: (r.country ?? null) as string | null,
      asn: r.asn === null || r.asn === undefined ? null : Number(r.asn),
      userAgent: (r.user_agent ?? null) as string | null,
      pagerank: r.pagerank === null || r.pagerank === undefined ? null : Number(r.pagerank),
    });
  }
  for (const e of await queryRows(connection, EDGES_SQL, [network, runId])) {
    const from = graphKey(String(e.source_address), Number(e.source_port));
    const to = graphKey(String(e.address), Number(e.port));
    if (from === to) continue; // a node advertising itself is not an edge of the graph
    if (!graph.hasNode(from)) continue; // a reply row whose source has no visit (damaged run): not drawable
    graph.addDirectedEdge(from, to, { services: BigInt(e.services as bigint) });
  }
  return graph;
}
