// Loads one run's nodes and edges for the exports: visits, addrs, geo and node_metrics joined in DuckDB.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { openDuckDB } from "../../pipeline/duckdb.ts";
import { DataError } from "../../pipeline/errors.ts";
import type { RunInfo } from "../../pipeline/runs.ts";
import { nodeKey, type ExportEdge, type ExportNode, type ExportRun } from "./model.ts";

/** A SQL string literal (paths are the only values interpolated, and they are quoted here). */
function literal(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

function nodesSql(dir: string, hasGeo: boolean, hasMetrics: boolean, onlyCrawled: boolean): string {
  const file = (name: string) => literal(join(dir, name));
  return `
with visits as (
  select * from read_parquet(${file("visits.parquet")})
),
addrs as (
  select * from read_parquet(${file("addrs.parquet")})
),
geo as (
  ${hasGeo ? `select * from read_parquet(${file("geo.parquet")})` : `select null::varchar as address where false`}
),
metrics as (
  ${hasMetrics ? `select * from read_parquet(${file("node_metrics.parquet")})` : `select null::varchar as address, null::integer as port where false`}
),
edges as (
  select distinct source_address, source_port, address, port from addrs
),
graph_nodes as (
  select address, port, network_type from visits
  union
  select address, port, network_type from addrs
),
node_types as (
  select address, port, min(network_type) as network_type from graph_nodes group by all
),
out_degrees as (
  select source_address as address, source_port as port, count(*) as out_degree from edges group by all
),
in_degrees as (
  select address, port, count(*) as in_degree from edges group by all
),
mutual as (
  select e.source_address as address, e.source_port as port, count(*) as mutual_neighbours
  from edges e
  join edges r on r.source_address = e.address and r.source_port = e.port and r.address = e.source_address and r.port = e.source_port
  group by all
)
select
  n.address, n.port, n.network_type,
  v.outcome, coalesce(v.outcome = 'ok', false) as is_reachable,
  v.protocol_version, v.user_agent, v.services, v.start_height, v.attempted_at,
  ${hasGeo ? "g.continent_code, g.country_code, g.city, g.latitude, g.longitude, g.time_zone, g.asn, g.as_org" : "null::varchar as continent_code, null::varchar as country_code, null::varchar as city, null::double as latitude, null::double as longitude, null::varchar as time_zone, null::bigint as asn, null::varchar as as_org"},
  ${hasMetrics ? "m.in_degree, m.out_degree, m.pagerank, m.weighted_pagerank" : "coalesce(di.in_degree, 0) as in_degree, coalesce(dout.out_degree, 0) as out_degree, null::double as pagerank, null::double as weighted_pagerank"},
  coalesce(mu.mutual_neighbours, 0) as mutual_neighbours
from node_types n
left join visits v on v.address = n.address and v.port = n.port
left join geo g on g.address = n.address
left join metrics m on m.address = n.address and m.port = n.port
left join in_degrees di on di.address = n.address and di.port = n.port
left join out_degrees dout on dout.address = n.address and dout.port = n.port
left join mutual mu on mu.address = n.address and mu.port = n.port
${onlyCrawled ? "where v.outcome is not null and v.outcome <> 'not_dialed'" : ""}
order by n.address, n.port`;
}

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

/** Reads a sealed run into the export model; `onlyCrawled` keeps nodes the crawler attempted. */
export async function loadRun(run: RunInfo, onlyCrawled = false): Promise<ExportRun> {
  const visitsPath = join(run.dir, "visits.parquet");
  if (!existsSync(visitsPath)) throw new DataError(`run ${run.id} has no visits.parquet in ${run.dir}: was it sealed?`);
  const hasGeo = existsSync(join(run.dir, "geo.parquet"));
  const hasMetrics = existsSync(join(run.dir, "node_metrics.parquet"));
  const db = await openDuckDB();
  try {
    const result = await db.connection.runAndReadAll(nodesSql(run.dir, hasGeo, hasMetrics, onlyCrawled));
    const nodes: ExportNode[] = result.getRowObjectsJS().map((r) => ({
      address: String(r.address),
      port: Number(r.port),
      networkType: String(r.network_type),
      outcome: str(r.outcome),
      isReachable: r.is_reachable === true,
      protocolVersion: num(r.protocol_version),
      userAgent: str(r.user_agent),
      services: typeof r.services === "bigint" ? r.services : r.services === null ? null : BigInt(String(r.services)),
      startHeight: num(r.start_height),
      attemptedAt: r.attempted_at instanceof Date ? r.attempted_at : null,
      continentCode: str(r.continent_code),
      countryCode: str(r.country_code),
      city: str(r.city),
      latitude: num(r.latitude),
      longitude: num(r.longitude),
      timeZone: str(r.time_zone),
      asn: num(r.asn),
      asOrg: str(r.as_org),
      inDegree: num(r.in_degree),
      outDegree: num(r.out_degree),
      mutualNeighbours: num(r.mutual_neighbours),
      pagerank: num(r.pagerank),
      weightedPagerank: num(r.weighted_pagerank),
    }));
    const edgeRows = await db.connection.runAndReadAll(
      `select distinct source_address, source_port, address, port from read_parquet(${literal(join(run.dir, "addrs.parquet"))})`,
    );
    const edges: ExportEdge[] = edgeRows.getRowsJS().map((r) => ({
      from: nodeKey(String(r[0]), Number(r[1])),
      to: nodeKey(String(r[2]), Number(r[3])),
    }));
    const startedAt = new Date(run.manifest.started_at);
    return { runId: run.id, network: run.network, startedAt, nodes, edges, hasGeo, hasMetrics };
  } finally {
    db.close();
  }
}
