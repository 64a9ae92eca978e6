// The crawl's durable store: visits and addrs stream to part files as they happen, with an ordering that keeps every
// durable visit's edges durable too (so --resume after kill -9 never loses an edge), and the run's final seal.
//
// Checkpoint protocol: edges (addrs rows) go to their writer at once; visit rows wait in `pending`. Every
// `intervalMs` the pending visits are taken, the addrs writer is flushed (which covers every edge of those visits),
// and only then are the visits appended and flushed. A kill between the two flushes leaves edges of visits that
// are not durable ("orphans"); --resume revisits those endpoints, and the final seal drops orphans and duplicates.
//
// Seal protocol (one atomic transition): both sealed files are written from the parts and published (temp, fsync,
// rename); then the manifest records `published: [visits, addrs]`; only then are parts deleted. Reopening the run
// settles an interrupted seal by that record (settleSeal): published → the sealed files win and leftover parts go;
// not published → the parts are complete and a sealed file beside them is dropped. A kill at any step of the seal
// therefore loses nothing (test/crawl/seal-window.test.ts kills the crawler at every one).
import { existsSync } from "node:fs";
import { join } from "node:path";
import { quotedString } from "@duckdb/node-api";
import { openDuckDB } from "../../pipeline/duckdb.ts";
import { faultPoint } from "../../pipeline/fault.ts";
import { log } from "../../pipeline/log.ts";
import type { Run } from "../../pipeline/runs.ts";
import { ADDRS, type AddrRow } from "../../pipeline/schema/addrs.ts";
import { VISIT_PREFERENCE, VISITS, type VisitRow } from "../../pipeline/schema/visits.ts";
import { SnapshotWriter, listParts, settleSeal } from "../../pipeline/snapshot/index.ts";
import type { VisitSink } from "./engine.ts";
import type { NetworkType } from "../../lib/bitcoin/index.ts";

/** An endpoint learned from a durable visit's edges, to re-seed the frontier on resume. */
export interface ResumeEndpoint {
  readonly address: string;
  readonly port: number;
  readonly networkType: NetworkType;
  readonly depth: number;
}

/** What a previous process of this run made durable. */
export interface DurableState {
  /** Visits that are done (every outcome except cancelled, which a resume repeats). */
  readonly done: readonly { address: string; port: number }[];
  /** Endpoints advertised by done visits, with depth = source depth + 1. */
  readonly advertised: readonly ResumeEndpoint[];
  /** Visit rows already durable (including cancelled ones). */
  readonly durableVisits: number;
  /** Done visits that were dialled (not not_dialed/unsupported_network): what --max-nodes has used up. */
  readonly dialled: number;
}

/** Rows per second the seal writes (visits and addrs parts → sealed Parquet through DuckDB), on the low side so a
 * busy machine still ends by --max-duration: measured on the 2-core reference machine, 535,000/s for 2.3 M rows at load
 * average 14 and 230,000/s for 1.6 M rows at load average 17 (bench/snapshot: 1.09 M/s idle). */
export const SEAL_ROWS_PER_S = 250_000;

/** Time to keep free before --max-duration for sealing `rows` rows, plus a second for the manifest and the exit. */
export function sealReserveMs(rows: number): number {
  return 1000 + (rows / SEAL_ROWS_PER_S) * 1000;
}

/** Final counts of a sealed run, read back from its Parquet files. */
export interface SealedCounts {
  readonly visits: number;
  readonly addrs: number;
  readonly outcomes: Record<string, number>;
  readonly reachableByNetwork: Record<string, number>;
}

async function datasetFiles(runDir: string, schema: typeof VISITS | typeof ADDRS): Promise<string[]> {
  const parts = (await listParts(runDir, schema)).map((p) => p.path);
  if (parts.length > 0) return parts;
  const sealed = join(runDir, schema.file);
  return existsSync(sealed) ? [sealed] : [];
}

const list = (files: readonly string[]) => `[${files.map(quotedString).join(", ")}]`;

/** Visits and addrs writers of one run, with the checkpoint protocol above. */
export class CrawlStore implements VisitSink {
  private pending: VisitRow[] = [];
  private timer: NodeJS.Timeout | undefined;
  private checkpointing: Promise<void> = Promise.resolve();
  private failure: unknown = null;

  private constructor(
    private readonly run: Run,
    private readonly visits: SnapshotWriter<VisitRow>,
    private readonly addrs: SnapshotWriter<AddrRow>,
  ) {}

  /** The run folder. */
  get runDir(): string {
    return this.run.dir;
  }

  /**
   * Opens both writers on the run folder: first settles a seal a crash interrupted (by the manifest's `published`
   * record, see the file comment), then a sealed dataset of an earlier process becomes part 1.
   */
  static async open(run: Run): Promise<CrawlStore> {
    const runDir = run.dir;
    const published = run.manifest.published ?? [];
    for (const schema of [VISITS, ADDRS]) {
      const note = await settleSeal(runDir, schema, published.includes(schema.name));
      if (note !== null) log("warn", `run ${run.id}: ${note}`);
    }
    if (published.length > 0) await run.setPublished([]); // the sealed files are about to become parts again
    // The visits writer never flushes on its own: only checkpoint() may make a visit durable.
    const visits = await SnapshotWriter.open(runDir, VISITS, { flushRows: Number.MAX_SAFE_INTEGER, flushMs: 2 ** 31 - 1 });
    const addrs = await SnapshotWriter.open(runDir, ADDRS, { flushRows: 200_000, flushMs: 2000 });
    return new CrawlStore(run, visits, addrs);
  }

  /** Reads what earlier processes of this run made durable (call right after open). */
  async loadDurable(): Promise<DurableState> {
    const vFiles = await datasetFiles(this.runDir, VISITS);
    if (vFiles.length === 0) return { done: [], advertised: [], durableVisits: 0, dialled: 0 };
    const aFiles = await datasetFiles(this.runDir, ADDRS);
    const db = await openDuckDB({ threads: 2 });
    try {
      const c = db.connection;
      await c.run(`create temp table v as select address, port, depth, outcome from read_parquet(${list(vFiles)})`);
      const total = Number((await c.runAndReadAll("select count(*)::bigint from v")).getRowsJS()[0]?.[0] ?? 0);
      const done = (await c.runAndReadAll("select distinct address, port::integer as port from v where outcome <> 'cancelled'")).getRowObjectsJS();
      const dialled = Number(
        (await c.runAndReadAll("select count(*)::bigint from v where outcome not in ('cancelled', 'not_dialed', 'unsupported_network')")).getRowsJS()[0]?.[0] ??
          0,
      );
      let advertised: ResumeEndpoint[] = [];
      if (aFiles.length > 0) {
        const rows = (
          await c.runAndReadAll(
            `with a as (select source_address, source_port, address, port, network_type from read_parquet(${list(aFiles)})),
                  d as (select address, port, min(depth) as depth from v where outcome <> 'cancelled' group by all)
             select a.address, a.port::integer as port, any_value(a.network_type) as network_type, min(d.depth)::integer + 1 as depth
             from a join d on a.source_address = d.address and a.source_port = d.port
             group by a.address, a.port
             order by depth, a.address, a.port`,
          )
        ).getRowObjectsJS();
        advertised = rows.map((r) => ({
          address: String(r.address),
          port: Number(r.port),
          networkType: String(r.network_type) as NetworkType,
          depth: Number(r.depth),
        }));
      }
      return { done: done.map((r) => ({ address: String(r.address), port: Number(r.port) })), advertised, durableVisits: total, dialled };
    } finally {
      db.close();
    }
  }

  /** VisitSink: edges to their writer now, the visit row at the next checkpoint. */
  record(visit: VisitRow, addrs: readonly AddrRow[]): void {
    if (this.failure !== null) throw this.failure;
    for (const a of addrs) this.addrs.append(a);
    this.pending.push(visit);
  }

  /** Visit rows recorded but not yet durable. */
  get pendingVisits(): number {
    return this.pending.length;
  }

  /** Checkpoints every `intervalMs` until stopped. */
  startCheckpoints(intervalMs = 2000): void {
    this.timer = setInterval(() => {
      void this.checkpoint().catch((err: unknown) => (this.failure ??= err));
    }, intervalMs);
    this.timer.unref();
  }

  /** Makes every recorded visit durable, edges first (see the file comment). Serialised. */
  checkpoint(): Promise<void> {
    const next = this.checkpointing.then(async () => {
      const taken = this.pending;
      this.pending = [];
      await this.addrs.flush();
      if (taken.length === 0) return;
      for (const v of taken) this.visits.append(v);
      await this.visits.flush();
    });
    this.checkpointing = next.catch(() => undefined);
    return next;
  }

  private stopTimer(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Checkpoints and releases the writers without sealing (a failed run keeps its parts for --resume). */
  async close(): Promise<void> {
    this.stopTimer();
    try {
      await this.checkpoint();
    } finally {
      await this.visits.close();
      await this.addrs.close();
    }
  }

  /**
   * Checkpoints and seals both datasets by the protocol in the file comment. When `compact` (the run was resumed),
   * each key appears once: a done visit wins over a cancelled one, and edges whose source has no done visit are dropped.
   */
  async seal(compact: boolean): Promise<SealedCounts> {
    this.stopTimer();
    await this.checkpoint();
    await this.visits.finish();
    await this.addrs.finish();
    const v = this.visits.relation();
    const a = this.addrs.relation();
    await this.visits.publish(
      compact
        ? `select * from ${v}
           qualify row_number() over (partition by address, port order by ${VISIT_PREFERENCE}) = 1
           order by attempted_at, address, port`
        : undefined,
    );
    await this.addrs.publish(
      compact
        ? `with v as (select address, port from ${v} where outcome <> 'cancelled')
           select a.* from ${a} a
           where exists (select 1 from v where v.address = a.source_address and v.port = a.source_port)
           qualify row_number() over (partition by a.source_address, a.source_port, a.address, a.port order by a.advertised_at nulls last) = 1
           order by a.source_address, a.source_port, a.address, a.port`
        : undefined,
    );
    faultPoint("manifest: published");
    await this.run.setPublished([VISITS.name, ADDRS.name]);
    await this.visits.removeParts();
    await this.addrs.removeParts();
    const vPath = join(this.runDir, VISITS.file);
    const db = await openDuckDB({ threads: 2 });
    try {
      const c = db.connection;
      const one = async (sql: string) => (await c.runAndReadAll(sql)).getRowsJS();
      const visits = Number((await one(`select count(*)::bigint from read_parquet(${quotedString(vPath)})`))[0]?.[0] ?? 0);
      const addrs = Number((await one(`select count(*)::bigint from read_parquet(${quotedString(join(this.runDir, ADDRS.file))})`))[0]?.[0] ?? 0);
      const outcomes: Record<string, number> = {};
      for (const [o, n] of await one(`select outcome, count(*)::bigint from read_parquet(${quotedString(vPath)}) group by all`)) {
        outcomes[String(o)] = Number(n);
      }
      const reachableByNetwork: Record<string, number> = {};
      for (const [t, n] of await one(
        `select network_type, count(*)::bigint from read_parquet(${quotedString(vPath)}) where is_reachable(outcome) group by all`,
      )) {
        reachableByNetwork[String(t)] = Number(n);
      }
      return { visits, addrs, outcomes, reachableByNetwork };
    } finally {
      db.close();
    }
  }
}
