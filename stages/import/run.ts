// `fluxture import-fluxture`: one original fluxture crawl.db → one sealed run per crawl it holds. The whole file is
// read and checked before the data folder is touched, so a corrupt or foreign file writes nothing.
import { createHash } from "node:crypto";
import { createReadStream, statSync } from "node:fs";
import { resolve } from "node:path";
import { acquireLock } from "../../pipeline/lock.ts";
import { log } from "../../pipeline/log.ts";
import { listRuns, Run, type NetworkName } from "../../pipeline/runs.ts";
import { adoptStage } from "../../pipeline/stage.ts";
import { withRun } from "../../pipeline/with-run.ts";
import { ADDRS } from "../../pipeline/schema/addrs.ts";
import { GEO, GEOLOCATE } from "../../pipeline/schema/geo.ts";
import { VISITS } from "../../pipeline/schema/visits.ts";
import { SnapshotWriter } from "../../pipeline/snapshot/index.ts";
import type { DatasetSchema } from "../../pipeline/schema/types.ts";
import { DEFAULT_CRAWL_GAP_S } from "./crawls.ts";
import { planImport, type PlanNotes, type PlannedRun } from "./plan.ts";
import { readCrawlDb } from "./sqlite.ts";

/** Name of the manifest stage record (and the `options` key) an imported run carries. */
export const IMPORT_STAGE = "import";

/** Options of runImport (the CLI flags). */
export interface ImportOptions {
  /** Path of the original crawl database. */
  readonly source: string;
  readonly dataDir: string;
  /** The original crawled Bitcoin mainnet only, so that is the default. */
  readonly network?: NetworkName;
  /** Silence (seconds) between stored replies that starts a new crawl. */
  readonly crawlGapS?: number;
}

/** One run the import wrote (or found already written from the same file). */
export interface ImportedRun {
  readonly runId: string;
  readonly runDir: string;
  /** 1-based crawl number within the database. */
  readonly crawl: number;
  readonly startedAt: string;
  readonly visits: number;
  readonly addrs: number;
  /** Addresses the original had a location for (geo.parquet also holds a `not_found`/overlay row for the others). */
  readonly located: number;
  readonly outcomes: Record<string, number>;
  /** False when a succeeded run of an earlier import of the same bytes was found and kept. */
  readonly imported: boolean;
}

/** What runImport did. */
export interface ImportSummary {
  readonly source: string;
  readonly sha256: string;
  readonly network: NetworkName;
  readonly runs: ImportedRun[];
  readonly notes: PlanNotes;
}

/** The `options.import` record of an imported run's manifest: where its rows came from. */
export interface ImportProvenance {
  readonly source: string;
  readonly sha256: string;
  readonly bytes: number;
  readonly crawl: number;
  readonly crawls: number;
  readonly crawl_gap_s: number;
  readonly first_reply_at: string | null;
  readonly last_reply_at: string | null;
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

async function writeDataset<Row>(dir: string, schema: DatasetSchema<Row>, rows: readonly Row[]): Promise<number> {
  const writer = await SnapshotWriter.open(dir, schema, { flushRows: 200_000, flushMs: 2 ** 31 - 1 });
  try {
    for (const row of rows) writer.append(row);
  } catch (err) {
    await writer.close().catch(() => undefined);
    throw err;
  }
  return writer.seal();
}

function countOutcomes(run: PlannedRun): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of run.visits) out[v.outcome] = (out[v.outcome] ?? 0) + 1;
  return out;
}

const iso = (s: number | undefined) => (s === undefined ? null : new Date(Math.floor(s) * 1000).toISOString());

/** Imports one database; returns every run of it in the data folder (new or kept from an earlier import). */
export async function runImport(o: ImportOptions): Promise<ImportSummary> {
  const source = resolve(o.source);
  const network = o.network ?? "mainnet";
  const gapS = o.crawlGapS ?? DEFAULT_CRAWL_GAP_S;
  const db = readCrawlDb(o.source); // every check happens here, before anything is written
  const st = statSync(source);
  const sha256 = await sha256Of(source);
  const plan = planImport(db, { gapS, fallbackTime: st.mtime });
  const lock = await acquireLock(o.dataDir, "import-fluxture");
  try {
    const earlier = new Map<number, ImportedRun>();
    for (const info of await listRuns(o.dataDir, { network })) {
      const prov = info.manifest.options[IMPORT_STAGE] as Partial<ImportProvenance> | undefined;
      if (info.manifest.state !== "succeeded" || prov?.sha256 !== sha256 || prov.crawl_gap_s !== gapS || typeof prov.crawl !== "number") continue;
      const rec = info.manifest.stages[IMPORT_STAGE];
      earlier.set(prov.crawl, {
        runId: info.id,
        runDir: info.dir,
        crawl: prov.crawl,
        startedAt: info.manifest.started_at,
        visits: rec?.counts?.visits ?? 0,
        addrs: rec?.counts?.addrs ?? 0,
        located: rec?.counts?.located ?? 0,
        outcomes: ((rec?.details?.outcomes ?? {}) as Record<string, number>) ?? {},
        imported: false,
      });
    }
    const runs: ImportedRun[] = [];
    for (const planned of plan.runs) {
      const crawl = planned.index + 1;
      const kept = earlier.get(crawl);
      if (kept !== undefined) {
        log("debug", `${o.source}: crawl ${crawl} already imported as run ${kept.runId}`);
        runs.push(kept);
        continue;
      }
      runs.push(await writeRun(o.dataDir, network, planned, plan.runs.length, { source, sha256, bytes: st.size, gapS }, plan.notes));
    }
    return { source, sha256, network, runs, notes: plan.notes };
  } finally {
    await lock.release();
  }
}

async function writeRun(
  dataDir: string,
  network: NetworkName,
  planned: PlannedRun,
  crawls: number,
  file: { source: string; sha256: string; bytes: number; gapS: number },
  notes: PlanNotes,
): Promise<ImportedRun> {
  const crawl = planned.index + 1;
  const provenance: ImportProvenance = {
    source: file.source,
    sha256: file.sha256,
    bytes: file.bytes,
    crawl,
    crawls,
    crawl_gap_s: file.gapS,
    first_reply_at: iso(planned.window?.first),
    last_reply_at: iso(planned.window?.last),
  };
  const run = await Run.create(dataDir, network, { [IMPORT_STAGE]: provenance }, planned.startedAt);
  const outcomes = countOutcomes(planned);
  const counts = await withRun(
    run,
    async () => {
      const started = new Date().toISOString();
      const visits = await writeDataset(run.dir, VISITS, planned.visits);
      const addrs = await writeDataset(run.dir, ADDRS, planned.addrs);
      const geo = await writeDataset(run.dir, GEO, planned.geo);
      const located = planned.geo.filter((g) => g.status === "located").length;
      // the original's own MaxMind lookups, recorded by the stage owner as geolocate's success with the inputs it read,
      // so `fluxture geolocate` (or analyze with a City database) replaces them and what reads geo follows, as for a crawl
      await adoptStage(run, GEOLOCATE, {
        startedAt: started,
        counts: { addresses: geo, located },
        details: { source: "fluxture locations table (newest row per address)", city_db: null, asn_db: null },
      });
      const reachable = (outcomes.ok ?? 0) + (outcomes.no_addr_reply ?? 0);
      const attempted = visits - (outcomes.not_dialed ?? 0);
      return { visits, addrs, geo, located, attempted, reachable };
    },
    {
      stage: IMPORT_STAGE,
      counts: (c): Record<string, number> => (c === undefined ? {} : { visits: c.visits, addrs: c.addrs, attempted: c.attempted, reachable: c.reachable }),
      note: (c) => ({ counts: { visits: c.visits, addrs: c.addrs, geo: c.geo, located: c.located }, details: { ...provenance, outcomes, database: notes } }),
    },
  );
  log("info", `${file.source}: crawl ${crawl}/${crawls} → run ${run.id} (${counts.visits} visits, ${counts.addrs} addrs, ${counts.located} located)`);
  return {
    runId: run.id,
    runDir: run.dir,
    crawl,
    startedAt: run.manifest.started_at,
    visits: counts.visits,
    addrs: counts.addrs,
    located: counts.located,
    outcomes,
    imported: true,
  };
}
