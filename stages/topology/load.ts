// Reads one run's advertised-address graph with DuckDB: nodes = visits ∪ endpoints of the getaddr-reply entries of
// addrs (`in_reply`), edges = distinct (source → advertised) pairs of those entries, plus per-node crawl facts and (when present) geolocation.
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import { quotedString } from "@duckdb/node-api";
import { openDuckDB } from "../../pipeline/duckdb.ts";
import { DataError } from "../../pipeline/errors.ts";
import { IN_REPLY, readDatasetSql } from "../../pipeline/run-views.ts";
import { ADDRS } from "../../pipeline/schema/index.ts";
import { assertWholeParquet } from "../../pipeline/run-health.ts";

/** Geolocation of each node (by address), null where unknown. */
export interface NodeGeo {
  readonly city: (string | null)[];
  readonly countryCode: (string | null)[];
  readonly continentCode: (string | null)[];
  readonly asn: (number | null)[];
  readonly asOrg: (string | null)[];
}

/** A run's graph as arrays indexed by node id (ids follow address, port order). */
export interface LoadedGraph {
  readonly n: number;
  readonly address: string[];
  readonly port: number[];
  /** The crawler dialled the node (a visit whose outcome is not `not_dialed`). */
  readonly attempted: Uint8Array;
  /** The handshake succeeded (outcome ok or no_addr_reply). */
  readonly reachable: Uint8Array;
  /** The node's getaddr reply is in addrs (outcome ok, or addrs rows with it as source). */
  readonly replied: Uint8Array;
  /** Entries in the node's reply as received (in_reply addrs rows, its own address included). */
  readonly replyEntries: Int32Array;
  readonly userAgent: (string | null)[];
  /** Distinct advertised pairs src[k] → dst[k] (self-advertisements included; the graph builder drops them). */
  readonly src: Int32Array;
  readonly dst: Int32Array;
  readonly geo: NodeGeo | null;
}

function nodesSql(visits: string, addrs: string): string {
  return `
create temp table nodes as
with visits as (
  select address, port, outcome, user_agent from read_parquet(${quotedString(visits)})
),
addrs as (
  select source_address, source_port, address, port from (${readDatasetSql(ADDRS, addrs)}) where ${IN_REPLY}
),
advertised as (
  select distinct address, port from addrs
),
endpoints as (
  select address, port from visits
  union
  select source_address, source_port from addrs
  union
  select address, port from advertised
),
visit_facts as (
  select
    address, port,
    bool_or(outcome <> 'not_dialed') as is_attempted,
    bool_or(is_reachable(outcome)) as is_reachable,
    bool_or(outcome = 'ok') as has_reply,
    max(user_agent) as user_agent
  from visits
  group by all
),
replies as (
  select source_address as address, source_port as port, count(*)::integer as reply_entries
  from addrs
  group by all
)
select
  (row_number() over (order by e.address, e.port) - 1)::integer as id,
  e.address, e.port::integer as port,
  coalesce(f.is_attempted, false) as is_attempted,
  coalesce(f.is_reachable, false) as is_reachable,
  coalesce(f.has_reply, false) or r.reply_entries is not null as has_reply,
  coalesce(r.reply_entries, 0) as reply_entries,
  f.user_agent
from endpoints e
left join visit_facts f on f.address = e.address and f.port = e.port
left join replies r on r.address = e.address and r.port = e.port`;
}

function edgesSql(addrs: string): string {
  return `
with addrs as (
  select distinct source_address, source_port, address, port from (${readDatasetSql(ADDRS, addrs)}) where ${IN_REPLY}
)
select s.id as src, d.id as dst
from addrs a
join nodes s on s.address = a.source_address and s.port = a.source_port
join nodes d on d.address = a.address and d.port = a.port`;
}

function geoSql(geo: string): string {
  return `
with geo as (
  select address, city, country_code, continent_code, asn::bigint as asn, as_org from read_parquet(${quotedString(geo)})
),
one_per_address as (
  select address, any_value(city) as city, any_value(country_code) as country_code,
    any_value(continent_code) as continent_code, any_value(asn) as asn, any_value(as_org) as as_org
  from geo
  group by all
)
select n.id, g.city, g.country_code, g.continent_code, g.asn, g.as_org
from nodes n
left join one_per_address g on g.address = n.address
order by n.id`;
}

/** Streams an integer-pair query into two typed arrays without materialising row objects. */
async function readPairs(connection: DuckDBConnection, sql: string): Promise<{ a: Int32Array; b: Int32Array }> {
  const result = await connection.run(sql);
  const as: Int32Array[] = [];
  const bs: Int32Array[] = [];
  let total = 0;
  for (;;) {
    const chunk = await result.fetchChunk();
    if (chunk === null || chunk.rowCount === 0) break;
    const va = chunk.getColumnVector(0);
    const vb = chunk.getColumnVector(1);
    const a = new Int32Array(chunk.rowCount);
    const b = new Int32Array(chunk.rowCount);
    for (let i = 0; i < chunk.rowCount; i++) {
      a[i] = va.getItem(i) as number;
      b[i] = vb.getItem(i) as number;
    }
    as.push(a);
    bs.push(b);
    total += chunk.rowCount;
  }
  const join2 = (parts: Int32Array[]) => {
    const out = new Int32Array(total);
    let o = 0;
    for (const p of parts) out.set(p, o), (o += p.length);
    return out;
  };
  return { a: join2(as), b: join2(bs) };
}

const strOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

/** Whether the run folder has geo.parquet (written by `fluxture geolocate`). */
export function isGeolocated(runDir: string): boolean {
  return existsSync(join(runDir, "geo.parquet"));
}

/** Loads the graph of the run in `runDir`; `withGeo` also joins geo.parquet (caller checks it exists). */
export async function loadGraph(runDir: string, runId: string, withGeo: boolean): Promise<LoadedGraph> {
  const visits = join(runDir, "visits.parquet");
  const addrs = join(runDir, "addrs.parquet");
  for (const file of [visits, addrs]) {
    if (!existsSync(file)) throw new DataError(`run ${runId} has no ${file.slice(runDir.length + 1)} in ${runDir}: was its crawl sealed?`);
  }
  for (const file of withGeo ? [visits, addrs, join(runDir, "geo.parquet")] : [visits, addrs]) await assertWholeParquet(file);
  const db = await openDuckDB();
  try {
    const c = db.connection;
    await c.run(nodesSql(visits, addrs));
    // column-wise: one array per column is several times cheaper than an object per row from the reader
    const cols = (await c.runAndReadAll("select * from nodes order by id")).getColumnsObjectJS();
    const n = cols.id?.length ?? 0;
    const address: string[] = new Array<string>(n);
    const port: number[] = new Array<number>(n);
    const attempted = new Uint8Array(n);
    const reachable = new Uint8Array(n);
    const replied = new Uint8Array(n);
    const replyEntries = new Int32Array(n);
    const userAgent: (string | null)[] = new Array<string | null>(n);
    const [addressCol, portCol, attemptedCol, reachableCol, repliedCol, entriesCol, agentCol] = [
      cols.address!,
      cols.port!,
      cols.is_attempted!,
      cols.is_reachable!,
      cols.has_reply!,
      cols.reply_entries!,
      cols.user_agent!,
    ];
    for (let i = 0; i < n; i++) {
      address[i] = String(addressCol[i]);
      port[i] = Number(portCol[i]);
      attempted[i] = attemptedCol[i] === true ? 1 : 0;
      reachable[i] = reachableCol[i] === true ? 1 : 0;
      replied[i] = repliedCol[i] === true ? 1 : 0;
      replyEntries[i] = Number(entriesCol[i]);
      userAgent[i] = strOrNull(agentCol[i]);
    }
    const { a: src, b: dst } = await readPairs(c, edgesSql(addrs));
    let geo: NodeGeo | null = null;
    if (withGeo) {
      const g = (await c.runAndReadAll(geoSql(join(runDir, "geo.parquet")))).getColumnsObjectJS();
      const strings = (col: readonly unknown[] | undefined) => Array.from(col ?? [], strOrNull);
      geo = {
        city: strings(g.city),
        countryCode: strings(g.country_code),
        continentCode: strings(g.continent_code),
        asn: Array.from(g.asn ?? [], (v) => (v === null || v === undefined ? null : Number(v))),
        asOrg: strings(g.as_org),
      };
    }
    return { n, address, port, attempted, reachable, replied, replyEntries, userAgent, src, dst, geo };
  } catch (err) {
    if (err instanceof DataError) throw err;
    throw new DataError(`cannot read run ${runId} in ${runDir}: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`, { cause: err });
  } finally {
    db.close();
  }
}
