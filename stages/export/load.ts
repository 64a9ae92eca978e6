// Loads one run's nodes and edges for the exports: visits, addrs, geo and node_metrics joined in DuckDB.
// Nodes get a dense index in DuckDB, so edges come back as two integer columns rather than a million objects.
import { openDuckDB } from "../../pipeline/duckdb.ts";
import { createRunViews, IN_REPLY } from "../../pipeline/run-views.ts";
import { DataError } from "../../pipeline/errors.ts";
import type { RunInfo } from "../../pipeline/runs.ts";
import type { EdgeList, ExportNode, ExportRun } from "./model.ts";

/** What `loadRun` reads. */
export interface LoadOptions {
  /** Keep only nodes the crawler attempted (not those merely advertised). */
  readonly onlyCrawled?: boolean;
  /** Read the edge list (maps with edges need it; tables do not). */
  readonly withEdges?: boolean;
  /** Count mutual neighbours (the per-node table has the column; maps do not need it). */
  readonly withMutual?: boolean;
}

/** Builds the run's edge table and dense node index over the views of `createRunViews`. */
function indexSql(onlyCrawled: boolean): string[] {
  return [
    // a view: only the degree and mutual-neighbour queries read it; the edge list below dedupes integer pairs instead
    `create temp view edges as select distinct source_address, source_port, address, port from addrs where ${IN_REPLY}`,
    `create temp table node_index as
      with graph_nodes as (
        select address, port, network_type from visits
        union
        select address, port, network_type from addrs where ${IN_REPLY}
        union
        select source_address, source_port, null from addrs where ${IN_REPLY}
      ),
      node_types as (
        select address, port, min(network_type) as network_type from graph_nodes group by all
      ),
      kept as (
        select n.* from node_types n
        ${onlyCrawled ? "join visits v on v.address = n.address and v.port = n.port where v.outcome <> 'not_dialed'" : ""}
      )
      select address, port, network_type, (row_number() over (order by address, port) - 1)::integer as i from kept`,
  ];
}

function nodesSql(hasMetrics: boolean, withMutual: boolean): string {
  const degrees = hasMetrics
    ? ""
    : `out_degrees as (
  select source_address as address, source_port as port, count(*) as out_degree from edges group by all
),
in_degrees as (
  select address, port, count(*) as in_degree from edges group by all
),`;
  const mutual = withMutual
    ? `mutual as (
  select e.source_address as address, e.source_port as port, count(*) as mutual_neighbours
  from edges e
  semi join edges r on r.source_address = e.address and r.source_port = e.port and r.address = e.source_address and r.port = e.source_port
  group by all
)`
    : `mutual as (
  select null::varchar as address, null::integer as port, null::bigint as mutual_neighbours where false
)`;
  return `
with ${degrees}
${mutual}
select
  n.address, n.port, coalesce(n.network_type, 'ipv4') as network_type,
  v.outcome, coalesce(is_reachable(v.outcome), false) as is_reachable,
  v.protocol_version, v.user_agent, v.services, v.start_height, v.attempted_at,
  g.continent_code, g.country_code, g.city, g.latitude, g.longitude, g.time_zone, g.asn, g.as_org,
  ${hasMetrics ? "coalesce(m.in_degree, 0) as in_degree, coalesce(m.out_degree, 0) as out_degree" : "coalesce(di.in_degree, 0) as in_degree, coalesce(dout.out_degree, 0) as out_degree"},
  m.pagerank, m.weighted_pagerank,
  ${withMutual ? "coalesce(mu.mutual_neighbours, 0)" : "null::bigint"} as mutual_neighbours
from node_index n
left join visits v on v.address = n.address and v.port = n.port
left join geo g on g.address = n.address
left join node_metrics m on m.address = n.address and m.port = n.port
${
  hasMetrics
    ? ""
    : `left join in_degrees di on di.address = n.address and di.port = n.port
left join out_degrees dout on dout.address = n.address and dout.port = n.port`
}
left join mutual mu on mu.address = n.address and mu.port = n.port
order by n.i`;
}

const EDGES_SQL = `
select distinct a.i as from_index, b.i as to_index
from addrs e
join node_index a on a.address = e.source_address and a.port = e.source_port
join node_index b on b.address = e.address and b.port = e.port
where ${IN_REPLY}`;

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const big = (v: unknown): bigint | null => (typeof v === "bigint" ? v : v === null || v === undefined ? null : BigInt(String(v)));
const date = (v: unknown): Date | null => (v instanceof Date ? v : null);
const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

/** Reads a sealed run into the export model. */
export async function loadRun(run: RunInfo, options: LoadOptions = {}): Promise<ExportRun> {
  const db = await openDuckDB();
  try {
    const present = await createRunViews(db.connection, run.dir);
    if (!present.visits || !present.addrs) throw new DataError(`run ${run.id} has no visits.parquet/addrs.parquet in ${run.dir}: was it sealed?`);
    const hasGeo = present.geo;
    const hasMetrics = present.node_metrics;
    for (const sql of indexSql(options.onlyCrawled === true)) await db.connection.run(sql);
    const result = await db.connection.runAndReadAll(nodesSql(hasMetrics, options.withMutual === true));
    // column-wise: one array per column is several times cheaper than an object per row from the reader
    const columns = result.getColumnsObjectJS();
    const rows = columns.address?.length ?? 0;
    const nodes: ExportNode[] = new Array(rows);
    for (let i = 0; i < rows; i++) {
      const r = (name: string): unknown => columns[name]![i];
      nodes[i] = {
        address: String(r("address")),
        port: Number(r("port")),
        networkType: String(r("network_type")),
        outcome: str(r("outcome")),
        isReachable: r("is_reachable") === true,
        protocolVersion: num(r("protocol_version")),
        userAgent: str(r("user_agent")),
        services: big(r("services")),
        startHeight: num(r("start_height")),
        attemptedAt: date(r("attempted_at")),
        continentCode: str(r("continent_code")),
        countryCode: str(r("country_code")),
        city: str(r("city")),
        latitude: num(r("latitude")),
        longitude: num(r("longitude")),
        timeZone: str(r("time_zone")),
        asn: num(r("asn")),
        asOrg: str(r("as_org")),
        inDegree: num(r("in_degree")),
        outDegree: num(r("out_degree")),
        mutualNeighbours: num(r("mutual_neighbours")),
        pagerank: num(r("pagerank")),
        weightedPagerank: num(r("weighted_pagerank")),
      };
    }
    let edges: EdgeList = { from: new Int32Array(0), to: new Int32Array(0) };
    if (options.withEdges !== false) {
      const columns = (await db.connection.runAndReadAll(EDGES_SQL)).getColumnsJS();
      edges = { from: Int32Array.from(columns[0] as number[]), to: Int32Array.from(columns[1] as number[]) };
    }
    return { runId: run.id, network: run.network, startedAt: new Date(run.manifest.started_at), nodes, edges, hasGeo, hasMetrics };
  } finally {
    db.close();
  }
}
