// The latest edges of a whole batch of streamed nodes in two queries (latest runs, then each run's addrs),
// fetched the first time any node of the batch asks: the README loop costs a query per 2,048 nodes, not per node.
import type { DuckDBConnection } from "@duckdb/node-api";
import type { NetworkName } from "../../lib/bitcoin/networks.ts";
import { queryRows } from "../duckdb.ts";
import type { EdgeSource } from "./node.ts";
import type { Edge, LatestEdges } from "./types.ts";

// The newest sealed run with an ok row for each (address, port) whose address falls in the batch's range.
const LATEST_RUNS_SQL = `
select v.address, v.port, v.run_id, r.started_at
from visits as v
inner join runs as r on r.network = v.network and r.run_id = v.run_id
where v.network = $1 and v.outcome = 'ok' and v.address between $2 and $3
qualify row_number() over (partition by v.address, v.port order by r.started_at desc, v.run_id desc) = 1`;

// One run's getaddr-reply entries of every source in the range (one row per advertised address and source).
const RUN_EDGES_SQL = `
select * from addrs
where network = $1 and run_id = $2 and source_address between $3 and $4 and coalesce(in_reply, true)
qualify row_number() over (
    partition by source_address, source_port, address, port order by advertised_at desc nulls last, message
) = 1
order by source_address, source_port, address, port`;

const key = (address: string, port: number): string => `${port} ${address}`;

/** The nodes of one streamed chunk; their latest edges are loaded together on the first request. */
export class EdgeBatch implements EdgeSource {
  readonly #keys = new Set<string>();
  #low: string | null = null;
  #high: string | null = null;
  #loaded: Promise<Map<string, LatestEdges>> | null = null;

  constructor(
    private readonly network: NetworkName,
    private readonly connection: DuckDBConnection,
    private readonly fallback: EdgeSource,
  ) {}

  /** Adds a node of the chunk (rows come ordered by address, so the range is the first and last address). */
  add(address: string, port: number): void {
    this.#keys.add(key(address, port));
    if (this.#low === null || address < this.#low) this.#low = address;
    if (this.#high === null || address > this.#high) this.#high = address;
  }

  /** The node's latest edges from the batch; a node outside the batch (or another network) asks one by one. */
  async latestEdges(network: NetworkName, address: string, port: number): Promise<LatestEdges | null> {
    if (network !== this.network || !this.#keys.has(key(address, port))) return this.fallback.latestEdges(network, address, port);
    this.#loaded ??= this.load();
    return (await this.#loaded).get(key(address, port)) ?? null;
  }

  private async load(): Promise<Map<string, LatestEdges>> {
    const out = new Map<string, LatestEdges>();
    if (this.#low === null || this.#high === null) return out;
    const connection = this.connection;
    {
      const latest = (await queryRows(connection, LATEST_RUNS_SQL, [this.network, this.#low, this.#high])).filter((r) =>
        this.#keys.has(key(String(r.address), Number(r.port))),
      );
      const byRun = new Map<string, { started_at: Date; sources: Set<string> }>();
      for (const r of latest) {
        const runId = String(r.run_id);
        const entry = byRun.get(runId) ?? { started_at: r.started_at as Date, sources: new Set<string>() };
        entry.sources.add(key(String(r.address), Number(r.port)));
        byRun.set(runId, entry);
        out.set(key(String(r.address), Number(r.port)), { network: this.network, run_id: runId, started_at: entry.started_at, edges: [] });
      }
      for (const [runId, { sources }] of byRun) {
        const rows = await queryRows(connection, RUN_EDGES_SQL, [this.network, runId, this.#low, this.#high]);
        const grouped = new Map<string, Edge[]>();
        for (const row of rows) {
          const source = key(String(row.source_address), Number(row.source_port));
          if (!sources.has(source)) continue;
          const list = grouped.get(source);
          if (list === undefined) grouped.set(source, [row as unknown as Edge]);
          else list.push(row as unknown as Edge);
        }
        for (const [source, edges] of grouped) {
          const previous = out.get(source);
          if (previous !== undefined) out.set(source, { ...previous, edges });
        }
      }
      return out;
    }
  }
}
