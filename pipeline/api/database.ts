// CrawlDatabase: the TypeScript API over a data folder — runs, nodes streamed in batches, and raw SQL.
import type { DuckDBValue } from "@duckdb/node-api";
import { DEFAULT_DATA_DIR } from "../runs.ts";
import { quotedString } from "@duckdb/node-api";
import { queryRows, type RowObject } from "../duckdb.ts";
import { DataError, errorMessage } from "../errors.ts";
import { NETWORK_TYPES } from "../../lib/bitcoin/address.ts";
import { EdgeBatch } from "./edge-batch.ts";
import { buildGraph, type CrawlGraph, type GraphOptions } from "./graph.ts";
import type { NetworkName } from "../../lib/bitcoin/networks.ts";
import { findRun, type RunState } from "../runs.ts";
import { QueryError } from "../sql/errors.ts";
import { openLake, type Lake } from "../sql/lake.ts";
import { CrawlNode, type EdgeSource } from "./node.ts";
import type { Edge, LatestEdges, Location, NodesOptions, RunSummary, Visit } from "./types.ts";

// One run's rows, filtered before anything else so DuckDB reads only that run's files. Visits are unique per node
// (the crawl writer's VISIT_PREFERENCE); geo and addrs duplicates are resolved as sql/staging (stg_geo, stg_addrs) does.
const NODES_SQL = `
with
run_visits as (
    select * from visits
    where network = $1 and run_id = $2
),

run_geo as (
    select * from geo
    where network = $1 and run_id = $2
    qualify row_number() over (partition by address order by located_at desc nulls last) = 1
)

select v.*, g as geo
from run_visits as v
left join run_geo as g on g.address = v.address
where ($3 = false or is_reachable(v.outcome)) /* filters */
order by v.address, v.port`;

// A sealed run holding an ok row for the node (visits are unique per node, see VISIT_PREFERENCE).
const LATEST_RUN_SQL = `
select v.run_id, r.started_at
from visits as v
inner join runs as r on r.network = v.network and r.run_id = v.run_id
where v.network = $1 and v.address = $2 and v.port = $3 and v.outcome = 'ok'
order by r.started_at desc, v.run_id desc
limit 1`;

const EDGES_SQL = `
select * from addrs
where network = $1 and run_id = $2 and source_address = $3 and source_port = $4 and coalesce(in_reply, true)
qualify row_number() over (partition by address, port order by advertised_at desc nulls last, message) = 1
order by address, port`;

function withoutDerived(row: RowObject): Visit {
  const { geo: _geo, ...visit } = row;
  return visit as unknown as Visit;
}

function locationOf(row: RowObject): Location | null {
  const geo = row.geo as Record<string, unknown> | null;
  if (geo === null || geo === undefined || geo.address === null) return null;
  return geo as unknown as Location;
}

/** The SQL conditions of the nodes() filters (values quoted as literals; each filter takes one value or a list). */
function nodeFilters(opts: NodesOptions): string {
  const list = <T>(v: T | readonly T[] | undefined): readonly T[] | undefined => (v === undefined ? undefined : Array.isArray(v) ? v : [v as T]);
  const parts: string[] = [];
  const types = list(opts.networkType);
  if (types !== undefined) {
    for (const t of types)
      if (!(NETWORK_TYPES as readonly string[]).includes(t)) throw new DataError(`nodes(): unknown networkType '${t}' (${NETWORK_TYPES.join(", ")})`);
    parts.push(`v.network_type in (${types.map(quotedString).join(", ") || "null"})`);
  }
  const countries = list(opts.country);
  if (countries !== undefined) parts.push(`upper(g.country_code) in (${countries.map((c) => quotedString(c.toUpperCase())).join(", ") || "null"})`);
  const asns = list(opts.asn);
  if (asns !== undefined) {
    for (const a of asns) if (!Number.isInteger(a) || a < 0) throw new DataError(`nodes(): asn must be a non-negative integer, got ${String(a)}`);
    parts.push(`g.asn in (${asns.join(", ") || "null"})`);
  }
  return parts.map((p) => ` and ${p}`).join("");
}

/** A read-only view of every sealed run in a data folder, through DuckDB and the SQL views. */
export class CrawlDatabase implements EdgeSource {
  readonly #lake: Lake;

  private constructor(lake: Lake) {
    this.#lake = lake;
  }

  /** Opens the data folder (default `data`); DataError when it does not exist. Close it with close(). */
  static async open(dataDir: string = DEFAULT_DATA_DIR): Promise<CrawlDatabase> {
    return new CrawlDatabase(await openLake(dataDir));
  }

  /** The data folder this database reads. */
  get dataDir(): string {
    return this.#lake.dataDir;
  }

  /** Runs SQL against the views (sql/views.sql, staging, marts); rows as plain objects. */
  async query<T extends object = RowObject>(sql: string, params?: DuckDBValue[] | Record<string, DuckDBValue>): Promise<T[]> {
    try {
      return (await queryRows(this.#lake.connection, sql, params)) as T[];
    } catch (err) {
      throw new QueryError(`query failed: ${errorMessage(err).split("\n")[0]}`, { cause: err });
    }
  }

  /** Every run with a readable manifest, oldest first, sealed or not. */
  async runs(): Promise<RunSummary[]> {
    const rows = await this.query<{
      run_id: string;
      network: NetworkName;
      state: RunState;
      started_at: Date;
      finished_at: Date | null;
      counts: string | null;
      sealed: boolean;
    }>(
      `select run_id, network, state, started_at, finished_at, counts,
              (state = 'succeeded' and run_id = folder_run_id and network = folder_network) as sealed
       from all_runs order by started_at, run_id, network`,
    );
    return rows.map((r) => ({ ...r, counts: r.counts === null ? {} : (JSON.parse(r.counts) as Record<string, number>) }));
  }

  /**
   * Streams the nodes of one sealed run (default: the newest, of `network` if given) ordered by address and
   * port, one DuckDB chunk (2,048 rows) at a time on a connection of its own, so a million-node run is never
   * held in memory and other queries (getLatestEdges, query) can run while iterating.
   */
  async *nodes(opts: NodesOptions = {}): AsyncGenerator<CrawlNode, void, undefined> {
    const run = await findRun(this.#lake.dataDir, { run: opts.run, network: opts.network, states: ["succeeded"] });
    const connection = await this.#lake.connect();
    try {
      const result = await connection.stream(NODES_SQL.replace("/* filters */", nodeFilters(opts)), [run.network, run.id, opts.reachableOnly === true]);
      for await (const chunk of result.yieldRowObjectJs()) {
        // one EdgeBatch per chunk: getLatestEdges() of any node of the chunk loads the whole chunk's edges at once
        const batch = new EdgeBatch(run.network, this.#lake.connection, this);
        const rows = chunk as RowObject[];
        for (const row of rows) batch.add(String(row.address), Number(row.port));
        for (const row of rows) yield new CrawlNode(withoutDerived(row), locationOf(row), batch);
      }
    } finally {
      this.#lake.release(connection);
    }
  }

  /** The newest sealed run of `network` in which (address, port) answered getaddr, and what it advertised there. */
  async latestEdges(network: NetworkName, address: string, port: number): Promise<LatestEdges | null> {
    const latest = await this.query<{ run_id: string; started_at: Date }>(LATEST_RUN_SQL, [network, address, port]);
    const run = latest[0];
    if (run === undefined) return null;
    const edges = await this.query<Edge>(EDGES_SQL, [network, run.run_id, address, port]);
    return { network, run_id: run.run_id, started_at: run.started_at, edges };
  }

  /**
   * One sealed run's advertised-address graph (default: the newest, of `network` if given) as a graphology
   * DirectedGraph: nodes `address:port` with outcome, country, asn, userAgent and pagerank; edges A→B (B was in
   * A's getaddr reply) with the advertised services. Run graphology-metrics or any graphology algorithm on it.
   */
  async graph(opts: GraphOptions = {}): Promise<CrawlGraph> {
    const run = await findRun(this.#lake.dataDir, { run: opts.run, network: opts.network, states: ["succeeded"] });
    return buildGraph(this.#lake.connection, run.network, run.id);
  }

  /** Closes DuckDB and releases the data folder; further calls fail. */
  async close(): Promise<void> {
    await this.#lake.close();
  }
}
