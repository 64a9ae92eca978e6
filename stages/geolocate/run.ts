// The geolocate stage: every distinct address of a run (or of every succeeded run) → geo.parquet, through
// runStage, with the databases' builds in its record so a rerun with the same builds (and inputs) is skipped.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { openDuckDB } from "../../pipeline/duckdb.ts";
import { UsageError } from "../../pipeline/errors.ts";
import type { DataLock } from "../../pipeline/lock.ts";
import { log } from "../../pipeline/log.ts";
import type { NetworkName } from "../../lib/bitcoin/networks.ts";
import { Progress } from "../../pipeline/progress.ts";
import { findRun, listRuns, type RunInfo } from "../../pipeline/runs.ts";
import { runStage, type StageDefinition, type StageOptions, type StageOutcome } from "../../pipeline/stage.ts";
import { GEO, GEO_STATUSES, GEOLOCATE, type GeoStatus } from "../../pipeline/schema/geo.ts";
import { GeoDatabaseError, openGeoDatabase, type GeoDatabase } from "./database.ts";
import { readAddressBlocks, ResultWriter, stageAdvertisedAddresses, stageRecords, stageVisitedAddresses, writeGeoParquet } from "./dataset.ts";
import { Locator } from "./locate.ts";
import { decide, identityOf, type DbIdentity, type GeolocateDetails } from "./reanalysis.ts";

/** Name of the manifest stage record this stage writes (pipeline/schema/geo.ts: the importer records it too). */
export const STAGE_NAME = GEOLOCATE.name;

/** Default database paths under a data folder. */
export function defaultDbPaths(dataDir: string): { city: string; asn: string } {
  return { city: join(dataDir, "geo", "GeoLite2-City.mmdb"), asn: join(dataDir, "geo", "GeoLite2-ASN.mmdb") };
}

/** The databases of one invocation; `asn` is null when the (optional) ASN file does not exist. */
export interface GeoDatabases {
  readonly city: GeoDatabase;
  readonly asn: GeoDatabase | null;
}

/** Opens the City database (required) and the ASN database (optional: missing → null and one notice line). */
export async function openGeoDatabases(paths: { city: string; asn: string }): Promise<GeoDatabases> {
  const city = await openGeoDatabase(paths.city, "city");
  let asn: GeoDatabase | null = null;
  try {
    asn = await openGeoDatabase(paths.asn, "asn");
  } catch (err) {
    if (!(err instanceof GeoDatabaseError) || err.problem !== "missing") throw err;
    log("warn", `notice: ${err.message}; asn and as_org stay null`);
  }
  return { city, asn };
}

/** What geolocate did to one run. */
export interface RunGeoResult {
  run_id: string;
  network: NetworkName;
  action: "geolocated" | "skipped";
  reason: string;
  /** `addresses` plus one count per status (geolocated runs only). */
  counts: Record<string, number>;
  seconds: number;
}

/** Options of runGeolocate: the databases (or their paths: a missing City file skips the stage) and runStage's. */
export interface GeolocateRunOptions extends StageOptions {
  readonly dbs: GeoDatabases | { readonly city: string; readonly asn: string };
  /** Show a progress line (terminal) or periodic log lines. */
  readonly progress?: boolean;
}

function isOpened(dbs: GeolocateRunOptions["dbs"]): dbs is GeoDatabases {
  return typeof dbs.city !== "string";
}

/** The geolocate stage: visits and addrs → geo.parquet; also stale when a newer database build is at hand. */
function geolocateStage(dbs: GeoDatabases | null, missing: string, progress: boolean): StageDefinition<Record<string, number>> {
  const details: GeolocateDetails | null = dbs && { city_db: identityOf(dbs.city), asn_db: dbs.asn ? identityOf(dbs.asn) : null };
  return {
    ...GEOLOCATE,
    unavailable: () => (dbs === null ? missing : null),
    stale: (previous) => {
      const d = decide(previous, true, details!, false);
      return d.redo ? d.reason : null;
    },
    currentBecause: (previous) => decide(previous, true, details!, false).reason,
    async body({ run }) {
      const counts = await locateInto(run, dbs!, join(run.dir, GEO.file), new Date(), progress);
      return { result: counts, counts, details: { ...details }, detail: `${counts.addresses ?? 0} addresses, ${counts.located ?? 0} located` };
    },
  };
}

/** `run<Stage>` of geolocate: one run through runStage (skipped with one line when there is no City database). */
export async function runGeolocate(info: RunInfo, opts: GeolocateRunOptions): Promise<StageOutcome<Record<string, number>>> {
  let dbs: GeoDatabases | null = null;
  let missing = "";
  if (isOpened(opts.dbs)) dbs = opts.dbs;
  else if (existsSync(opts.dbs.city)) dbs = await openGeoDatabases(opts.dbs);
  else missing = `no City database at ${opts.dbs.city}: run \`fluxture update-geo-db\` or pass --city-db`;
  return runStage(info, geolocateStage(dbs, missing, opts.progress ?? false), opts);
}

/** Geolocates one run unless its record says it is current, and reports it the way the command prints it. */
export async function geolocateRun(info: RunInfo, dbs: GeoDatabases, opts: Omit<GeolocateRunOptions, "dbs"> = {}): Promise<RunGeoResult> {
  const started = Date.now();
  const outcome = await runGeolocate(info, { ...opts, dbs });
  const reason = outcome.reason === "forced" ? "--process-all" : outcome.reason === "never ran" ? "not geolocated yet" : outcome.reason;
  const base = { run_id: info.id, network: info.network, reason };
  if (outcome.status !== "done") return { ...base, action: "skipped", counts: {}, seconds: 0 };
  return { ...base, action: "geolocated", counts: outcome.result ?? {}, seconds: (Date.now() - started) / 1000 };
}

async function locateInto(info: RunInfo, dbs: GeoDatabases, geoPath: string, locatedAt: Date, showProgress: boolean): Promise<Record<string, number>> {
  const db = await openDuckDB();
  await db.connection.run("set preserve_insertion_order = false"); // row order of geo.parquet carries no meaning
  let done = 0;
  let total = 0;
  const progress = showProgress
    ? new Progress({ render: () => `geolocate ${info.id}: ${done.toLocaleString("en")}/${total.toLocaleString("en")} addresses` })
    : null;
  let mark = performance.now();
  let cpu = process.cpuUsage();
  const phase = (name: string) => {
    const now = performance.now();
    const used = process.cpuUsage(cpu);
    log("debug", `geolocate ${info.id}: ${name} in ${(now - mark).toFixed(0)} ms (cpu ${((used.user + used.system) / 1000).toFixed(0)} ms)`);
    mark = now;
    cpu = process.cpuUsage();
  };
  try {
    const con = db.connection;
    const visited = await stageVisitedAddresses(con, info.dir);
    total = visited;
    phase(`read ${visited} distinct visited addresses`);
    // the addresses only addrs has are found on a second connection while the visited ones are looked up,
    // and a third reads the next block of addresses while this one appends the current block's results
    const stager = await db.instance.connect();
    const reader = await db.instance.connect();
    const advertised = stageAdvertisedAddresses(stager, info.dir);
    advertised.catch(() => undefined); // awaited below; a failure is reported there
    const locator = new Locator(dbs.city, dbs.asn);
    const writer = await ResultWriter.open(con);
    const byStatus = new Array<number>(GEO_STATUSES.length).fill(0);
    const locateRange = async (from: number, to: number): Promise<void> => {
      for await (const block of readAddressBlocks(reader, from, to)) {
        const results = locator.locateText(block.text, block.count);
        for (const st of results.status) byStatus[st]!++;
        await writer.append({ base: block.base, ...results });
        done += block.count;
      }
    };
    try {
      await locateRange(0, visited);
      total = await advertised;
      await locateRange(visited, total);
    } finally {
      await advertised.catch(() => undefined);
      stager.closeSync();
      reader.closeSync();
    }
    if (done !== total) throw new Error(`geolocate read ${done} of ${total} addresses`);
    phase(`looked up (${locator.cityRecords.length} City, ${locator.asnRecords.length} ASN records)`);
    await stageRecords(con, locator.cityRecords, locator.asnRecords);
    await writeGeoParquet(con, geoPath, { cityBuiltAt: dbs.city.builtAt, asnBuiltAt: dbs.asn?.builtAt ?? null, locatedAt });
    phase("wrote geo.parquet");
    const counts: Record<string, number> = { addresses: total };
    GEO_STATUSES.forEach((s: GeoStatus, i) => (counts[s] = byStatus[i]!));
    return counts;
  } finally {
    progress?.stop();
    db.close();
  }
}

/** Options of `fluxture geolocate`. */
export interface GeolocateOptions {
  dataDir: string;
  run?: string | undefined;
  all?: boolean;
  network?: NetworkName | undefined;
  cityDb?: string | undefined;
  asnDb?: string | undefined;
  processAll?: boolean;
  progress?: boolean;
  /** The data lock when the caller holds it (the command takes it once for every run). */
  lock?: DataLock;
}

/** Summary printed by the command (and its --json form). */
export interface GeolocateSummary {
  city_db: DbIdentity;
  asn_db: DbIdentity | null;
  runs: RunGeoResult[];
}

/** The database paths of an invocation: flags (or their FLUXTURE_* twins) over the defaults under --data. */
export function resolveDbPaths(opts: Pick<GeolocateOptions, "dataDir" | "cityDb" | "asnDb">): { city: string; asn: string } {
  const defaults = defaultDbPaths(opts.dataDir);
  return { city: opts.cityDb ?? defaults.city, asn: opts.asnDb ?? defaults.asn };
}

/** Resolves the run(s) and geolocates each with already opened databases. */
export async function geolocateWith(dbs: GeoDatabases, opts: GeolocateOptions): Promise<GeolocateSummary> {
  if (opts.all && opts.run !== undefined) throw new UsageError("--run and --all exclude each other");
  let runs: RunInfo[];
  if (opts.all) {
    runs = (await listRuns(opts.dataDir, { network: opts.network })).filter((r) => r.manifest.state === "succeeded");
    if (runs.length === 0) log("warn", `no succeeded run in ${opts.dataDir}: nothing to geolocate`);
  } else {
    const states = opts.run === undefined ? undefined : (["succeeded", "cancelled", "failed"] as const);
    runs = [await findRun(opts.dataDir, { run: opts.run, network: opts.network, states })];
  }
  const results: RunGeoResult[] = [];
  for (const info of runs) {
    results.push(
      await geolocateRun(info, dbs, { force: opts.processAll ?? false, progress: opts.progress ?? false, ...(opts.lock ? { lock: opts.lock } : {}) }),
    );
  }
  return { city_db: identityOf(dbs.city), asn_db: dbs.asn ? identityOf(dbs.asn) : null, runs: results };
}

/** Opens the databases, then geolocates: any database problem fails before anything is written. */
export async function geolocate(opts: GeolocateOptions): Promise<GeolocateSummary> {
  if (opts.all && opts.run !== undefined) throw new UsageError("--run and --all exclude each other");
  return geolocateWith(await openGeoDatabases(resolveDbPaths(opts)), opts);
}

/** One human line per run for the plain (non --json) output. */
export function formatResult(r: RunGeoResult): string {
  const head = `${r.network} ${r.run_id}`;
  if (r.action === "skipped") return `${head}: skipped (${r.reason})`;
  const parts = GEO_STATUSES.filter((s) => (r.counts[s] ?? 0) > 0).map((s) => `${r.counts[s]!.toLocaleString("en")} ${s}`);
  return `${head}: geolocated ${(r.counts.addresses ?? 0).toLocaleString("en")} addresses (${parts.join(", ") || "none"}) in ${r.seconds.toFixed(1)} s [${r.reason}]`;
}
