// Run ids, run folders and the run's manifest life cycle (create → record stages → seal), plus run lookup.
// withRun (pipeline/with-run.ts) owns the life cycle of a stage that makes its run (crawl, import).
import { mkdir, readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { DataError, UsageError } from "./errors.ts";
import { writeFileAtomic, writeFileAtomicSync } from "./fsutil.ts";
import { log } from "./log.ts";
import { formatManifest, MANIFEST_FILE, readManifest, type Manifest, type RunState, type StageRecord } from "./manifest.ts";
import { isNetworkName, NETWORK_NAMES, type NetworkName } from "../lib/bitcoin/networks.ts";
import { TOOL_VERSION } from "./version.ts";

export { RUN_STATES, type Manifest, type RunState, type StageRecord } from "./manifest.ts";
export type { NetworkName } from "../lib/bitcoin/networks.ts";

/** Default data folder (the data lake root), overridden by --data or FLUXTURE_DATA. */
export const DEFAULT_DATA_DIR = "data";

/** Shape of a run id: `YYYYMMDDTHHMMSSZ`, UTC, so lexical order is time order. */
export const RUN_ID_PATTERN = /^\d{8}T\d{6}Z$/;

/** Formats `at` (default now) as a run id `YYYYMMDDTHHMMSSZ` in UTC; Run.create makes it unique in the data folder. */
export function newRunId(at: Date = new Date()): string {
  return at
    .toISOString()
    .replace(/\.\d{3}Z$/, "Z")
    .replace(/[-:]/g, "");
}

/** The instant a run id names (start of that UTC second). */
export function runIdTime(runId: string): Date {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(runId);
  if (!m) throw new UsageError(`run id '${runId}' is not of the form YYYYMMDDTHHMMSSZ`);
  return new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`);
}

/** Folder holding every run of every network: `<data>/runs`. */
export function runsRoot(dataDir: string): string {
  return join(dataDir, "runs");
}

/** Folder of one run: `<data>/runs/network=<network>/run_id=<id>` (hive-style, so engines see both as columns). */
export function runDir(dataDir: string, network: NetworkName, runId: string): string {
  return join(runsRoot(dataDir), `network=${network}`, `run_id=${runId}`);
}

/** The data folder a run folder belongs to (`<data>/runs/network=…/run_id=…` → `<data>`). */
export function dataDirOf(run: { dir: string }): string {
  return join(run.dir, "..", "..", "..");
}

/** A run found on disk. */
export interface RunInfo {
  id: string;
  network: NetworkName;
  dir: string;
  manifest: Manifest;
}

function nowIso(): string {
  return new Date().toISOString();
}

function jsonReplacer(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? value.toString() : value;
}

/** A run folder open for writing; every manifest change is written atomically before the call resolves. */
export class Run {
  readonly dir: string;
  readonly id: string;
  readonly network: NetworkName;
  manifest: Manifest;
  private writing: Promise<void> = Promise.resolve();

  private constructor(dir: string, manifest: Manifest) {
    this.dir = dir;
    this.id = manifest.run_id;
    this.network = manifest.network;
    this.manifest = manifest;
  }

  /**
   * Creates a new run folder with a unique id (bumped a second at a time on collision) and a `running` manifest.
   * `startedAt` (default now) dates the run: an import of an old crawl passes the crawl's own time.
   */
  static async create(dataDir: string, network: NetworkName, options: Record<string, unknown> = {}, startedAt?: Date): Promise<Run> {
    if (!isNetworkName(network)) throw new UsageError(`unknown network '${String(network)}' (expected ${NETWORK_NAMES.join("|")})`);
    const taken = new Set((await listRunFolders(dataDir)).map((f) => f.id));
    let at = startedAt ?? new Date();
    for (let attempt = 0; ; attempt++) {
      const id = newRunId(at);
      if (!taken.has(id)) {
        const dir = runDir(dataDir, network, id);
        await mkdir(join(dir, ".."), { recursive: true });
        try {
          await mkdir(dir); // not recursive: EEXIST means another process claimed this id first
          const options_ = JSON.parse(JSON.stringify(options, jsonReplacer)) as Record<string, unknown>;
          const manifest: Manifest = {
            run_id: id,
            network,
            state: "running",
            started_at: (startedAt ?? new Date()).toISOString(),
            finished_at: null,
            options: options_,
            counts: {},
            tool_version: TOOL_VERSION,
            stages: {},
          };
          const run = new Run(dir, manifest);
          await run.write();
          return run;
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== "EEXIST" || attempt > 3600) throw err;
        }
      }
      at = new Date(at.getTime() + 1000);
    }
  }

  /**
   * Reopens a run for --resume: the given id, or the newest running/cancelled/failed run (of `network` if given).
   * The manifest goes back to `running` (finished_at null); its stages, options and counts are kept.
   */
  static async reopen(dataDir: string, runId: string | undefined, network?: NetworkName): Promise<Run> {
    const info = await findRun(dataDir, {
      run: runId,
      network,
      states: runId === undefined ? ["running", "cancelled", "failed"] : ["running", "cancelled", "failed", "succeeded"],
    });
    const run = new Run(info.dir, info.manifest);
    run.manifest.state = "running";
    run.manifest.finished_at = null;
    delete run.manifest.error;
    await run.write();
    return run;
  }

  /** Wraps a run found by findRun so a later stage (geolocate, topology…) can record itself; the state is untouched. */
  static attach(info: RunInfo): Run {
    return new Run(info.dir, info.manifest);
  }

  /** Current state of the run. */
  get state(): RunState {
    return this.manifest.state;
  }

  /** Records (or replaces) one stage's record and rewrites the manifest. */
  async recordStage(name: string, record: StageRecord): Promise<void> {
    this.manifest.stages[name] = record;
    await this.write();
  }

  /** recordStage() for a signal handler, where no promise will be awaited. */
  recordStageSync(name: string, record: StageRecord): void {
    this.manifest.stages[name] = record;
    writeFileAtomicSync(join(this.dir, MANIFEST_FILE), formatManifest(this.manifest));
  }

  /** Merges counts into the run's counts (e.g. progress so far) and rewrites the manifest. */
  async setCounts(counts: Record<string, number>): Promise<void> {
    Object.assign(this.manifest.counts, counts);
    await this.write();
  }

  /** Records which datasets' sealed files supersede their parts (the seal journal; empty clears it) and rewrites the manifest. */
  async setPublished(datasets: readonly string[]): Promise<void> {
    if (datasets.length === 0) delete this.manifest.published;
    else this.manifest.published = [...datasets];
    await this.write();
  }

  /**
   * Sets the final state (and finished_at, counts, error text) and rewrites the manifest; `stages` (the final
   * record of the stage that made the run) goes into the same write, so record and run state never disagree.
   */
  async seal(state: RunState, counts?: Record<string, number>, error?: string, stages?: Record<string, StageRecord>): Promise<void> {
    this.applySeal(state, counts, error, stages);
    await this.write();
  }

  /** seal() for a signal or exit handler, where no promise will be awaited. */
  sealSync(state: RunState, counts?: Record<string, number>, error?: string, stages?: Record<string, StageRecord>): void {
    this.applySeal(state, counts, error, stages);
    writeFileAtomicSync(join(this.dir, MANIFEST_FILE), formatManifest(this.manifest));
  }

  private applySeal(state: RunState, counts: Record<string, number> | undefined, error: string | undefined, stages: Record<string, StageRecord> = {}): void {
    Object.assign(this.manifest.stages, stages);
    this.manifest.state = state;
    this.manifest.finished_at = state === "running" ? null : nowIso();
    if (counts) Object.assign(this.manifest.counts, counts);
    if (error !== undefined) this.manifest.error = error;
    for (const stage of Object.values(this.manifest.stages)) {
      if (stage.state === "running" && state !== "running") {
        stage.state = state === "succeeded" ? "failed" : state; // a stage still running at seal did not finish
        stage.finished_at = this.manifest.finished_at;
      }
    }
  }

  /** Writes the manifest atomically; writes are serialised so the last change always wins on disk. */
  private write(): Promise<void> {
    const text = formatManifest(this.manifest);
    const path = join(this.dir, MANIFEST_FILE);
    const next = this.writing.catch(() => undefined).then(() => writeFileAtomic(path, text));
    this.writing = next;
    return next;
  }
}

interface RunFolder {
  id: string;
  network: NetworkName;
  dir: string;
}

async function readdirOrEmpty(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw new DataError(`cannot list ${dir}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}

/** Every `network=*\/run_id=*` folder under the data folder, whatever its manifest says. */
async function listRunFolders(dataDir: string, network?: NetworkName): Promise<RunFolder[]> {
  const out: RunFolder[] = [];
  for (const netEntry of await readdirOrEmpty(runsRoot(dataDir))) {
    const net = /^network=(.+)$/.exec(netEntry)?.[1];
    if (net === undefined || !isNetworkName(net) || (network !== undefined && net !== network)) continue;
    for (const runEntry of await readdirOrEmpty(join(runsRoot(dataDir), netEntry))) {
      const id = /^run_id=(.+)$/.exec(runEntry)?.[1];
      if (id === undefined || !RUN_ID_PATTERN.test(id)) continue;
      out.push({ id, network: net, dir: join(runsRoot(dataDir), netEntry, runEntry) });
    }
  }
  return out;
}

/** Options of listRuns. */
export interface ListRunsOptions {
  network?: NetworkName;
  /** Called for each run folder skipped because its manifest is missing or corrupt (default: a warn log line). */
  onSkip?: (dir: string, reason: string) => void;
}

/** Every run with a readable manifest, oldest first (by id, then network); corrupt ones are skipped with a warning. */
export async function listRuns(dataDir: string, opts: ListRunsOptions = {}): Promise<RunInfo[]> {
  const onSkip = opts.onSkip ?? ((dir: string, reason: string) => log("warn", `skipping run folder ${dir}: ${reason}`));
  const runs: RunInfo[] = [];
  for (const folder of await listRunFolders(dataDir, opts.network)) {
    const st = await stat(folder.dir).catch(() => null);
    if (!st?.isDirectory()) continue;
    let manifest: Manifest;
    try {
      manifest = await readManifest(join(folder.dir, MANIFEST_FILE));
    } catch (err) {
      if (!(err instanceof DataError)) throw err;
      onSkip(folder.dir, err.message);
      continue;
    }
    if (manifest.run_id !== folder.id || manifest.network !== folder.network) {
      onSkip(folder.dir, `manifest says ${manifest.network}/${manifest.run_id}, folder says ${folder.network}/${folder.id}`);
      continue;
    }
    runs.push({ ...folder, manifest });
  }
  runs.sort((a, b) => (a.id === b.id ? a.network.localeCompare(b.network) : a.id < b.id ? -1 : 1));
  return runs;
}

/** Options of findRun. */
export interface FindRunOptions {
  /** A run id; absent means the newest run whose state is in `states`. */
  run?: string | undefined;
  network?: NetworkName | undefined;
  /** Accepted states. Default: `succeeded` when picking the newest; any state when `run` names one. */
  states?: readonly RunState[] | undefined;
}

/** Resolves `--run` / `--network` to one run; a DataError naming the data folder when there is none. */
export async function findRun(dataDir: string, opts: FindRunOptions = {}): Promise<RunInfo> {
  const where = `${runsRoot(dataDir)}${opts.network ? ` (network ${opts.network})` : ""}`;
  if (opts.run !== undefined) {
    if (!RUN_ID_PATTERN.test(opts.run)) throw new UsageError(`--run must be a run id YYYYMMDDTHHMMSSZ, got '${opts.run}'`);
    const folders = (await listRunFolders(dataDir, opts.network)).filter((f) => f.id === opts.run);
    if (folders.length === 0) throw new DataError(`run ${opts.run} not found in ${where}`);
    if (folders.length > 1) {
      throw new DataError(`run ${opts.run} exists for several networks (${folders.map((f) => f.network).join(", ")}) in ${where}; pass --network`);
    }
    const folder = folders[0]!;
    const manifest = await readManifest(join(folder.dir, MANIFEST_FILE));
    if (opts.states && !opts.states.includes(manifest.state)) {
      throw new DataError(`run ${opts.run} in ${folder.dir} is ${manifest.state}, expected ${opts.states.join(" or ")}`);
    }
    return { ...folder, manifest };
  }
  const states = opts.states ?? ["succeeded"];
  const runs = await listRuns(dataDir, { network: opts.network });
  for (let i = runs.length - 1; i >= 0; i--) {
    if (states.includes(runs[i]!.manifest.state)) return runs[i]!;
  }
  const skipped = runs.length === 0 ? "no runs at all" : `${runs.length} run(s) in other states: ${summariseStates(runs)}`;
  throw new DataError(`no ${states.join("/")} run in ${where} (${skipped})`);
}

function summariseStates(runs: readonly RunInfo[]): string {
  const counts = new Map<string, number>();
  for (const r of runs) counts.set(r.manifest.state, (counts.get(r.manifest.state) ?? 0) + 1);
  return [...counts].map(([s, n]) => `${n} ${s}`).join(", ");
}
