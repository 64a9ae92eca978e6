// runStage(): the one owner of a stage's life cycle. It takes the data lock (unless the caller holds it),
// decides "already done / stale" from the inputs the stage declares, writes the running → succeeded / failed /
// cancelled record in the run's manifest, and turns SIGINT/SIGTERM into a cancellation the stage can honour.
// Stages never write their own manifest records; outputs another tool produced (the importer's geo) are recorded
// here too (adoptStage), with the same input fingerprints.
import { existsSync } from "node:fs";
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { trapCancellation } from "./cancel.ts";
import { CancelledError, DataError, errorMessage } from "./errors.ts";
import { datasetsProblem } from "./run-health.ts";
import { acquireLock, type DataLock } from "./lock.ts";
import { log } from "./log.ts";
import { stageFingerprint, stageInputKey } from "./manifest.ts";
import { dataDirOf, findRun, Run, type RunInfo, type StageRecord } from "./runs.ts";

/** What a stage did: ran, found its outputs current, or could not run for lack of an optional input. */
export type StageStatus = "done" | "already_done" | "skipped";

/** What a stage reads. A change in any of them since its last success makes the stage stale. */
export interface StageInputs {
  /** File names in the run folder (a missing one is an input too: its appearance is a change). */
  readonly datasets?: readonly string[];
  /** Upstream stage records of the same run, compared by state and finish time. */
  readonly stages?: readonly string[];
  /** Option values that shape the outputs (e.g. topology's seed): a different value is a change. */
  readonly params?: Readonly<Record<string, string | number | boolean | null>>;
}

/** Everything a stage body gets. */
export interface StageContext {
  /** The run, re-read under the lock just before the body starts. */
  readonly run: RunInfo;
  readonly dataDir: string;
  /** Aborted on SIGINT/SIGTERM or the caller's signal: stop, keep what is durable, return or throw. */
  readonly signal: AbortSignal;
}

/** What a stage body returns: its value for the caller, and what goes into its manifest record. */
export interface StageBodyResult<R> {
  readonly result: R;
  /** One line for people (analyze prints it). */
  readonly detail: string;
  readonly counts?: Record<string, number>;
  readonly details?: Record<string, unknown>;
}

/** A stage as runStage runs it: its name, inputs, outputs, and body. */
export interface StageDefinition<R> {
  /** The manifest key of its record (`geolocate`, `topology`, `exports`…). */
  readonly name: string;
  readonly inputs: StageInputs;
  /** Files (relative to the run folder) the stage writes; one missing makes it stale. */
  readonly outputs: readonly string[];
  /** Input facts only known at run time (e.g. the set of runs a cross-run mart reads), as name → fingerprint. */
  moreInputs?(run: RunInfo, dataDir: string): Promise<Record<string, string>>;
  /** Why the stage cannot run at all now (an optional input is absent), or null; nothing is recorded then. */
  unavailable?(run: RunInfo): string | null;
  /** A stage-specific reason to redo despite unchanged inputs (geolocate: a newer database build), or null. */
  stale?(previous: StageRecord, run: RunInfo): string | null;
  /** Why a current stage is current, for the already_done line (default: when it last succeeded). */
  currentBecause?(previous: StageRecord): string;
  body(ctx: StageContext): Promise<StageBodyResult<R>>;
}

/** How one invocation runs a stage. */
export interface StageOptions {
  /** The data folder; default: derived from the run folder. */
  readonly dataDir?: string;
  /** Run even when current (`analyze --force`, `geolocate --process-all`, a standalone `topology`). */
  readonly force?: boolean;
  /** The data lock when the caller already holds it (analyze holds it across its steps). */
  readonly lock?: DataLock;
  /** An outside cancellation, treated like a signal. */
  readonly signal?: AbortSignal;
}

/** What runStage reports back. */
export interface StageOutcome<R> {
  readonly stage: string;
  readonly status: StageStatus;
  readonly detail: string;
  /** Why it ran (`never ran`, `forced`, `<input> changed…`) or why it is current or skipped. */
  readonly reason: string;
  /** The body's value (status `done` only). */
  readonly result?: R;
  /** The run as its manifest is now. */
  readonly run: RunInfo;
}

/** Fingerprints of a stage's declared inputs as they are now, stored in its record as `inputs`. */
export async function inputFingerprints(
  run: RunInfo,
  def: Pick<StageDefinition<unknown>, "inputs" | "moreInputs">,
  dataDir: string,
): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const file of def.inputs.datasets ?? []) {
    const st = await stat(join(run.dir, file)).catch(() => null);
    out[`dataset:${file}`] = st === null ? "absent" : `${st.size}@${st.mtimeMs}`;
  }
  for (const name of def.inputs.stages ?? []) out[stageInputKey(name)] = stageFingerprint(run.manifest.stages[name]);
  for (const [key, value] of Object.entries(def.inputs.params ?? {})) out[`param:${key}`] = JSON.stringify(value);
  if (def.moreInputs) for (const [key, value] of Object.entries(await def.moreInputs(run, dataDir))) out[key] = value;
  return out;
}

/** Why the stage must run (null: it is current), from its previous record, its outputs and its inputs now. */
export function staleReason(def: StageDefinition<unknown>, run: RunInfo, inputs: Record<string, string>): string | null {
  const previous = run.manifest.stages[def.name];
  if (previous === undefined) return "never ran";
  if (previous.state !== "succeeded") return `previous ${def.name} ${previous.state}`;
  for (const file of def.outputs) if (!existsSync(join(run.dir, file))) return `${file} is missing`;
  const before = previous.inputs;
  if (before === undefined) return "inputs not recorded (a record older than input tracking)";
  for (const [key, now] of Object.entries(inputs)) {
    if (before[key] !== now) return `${describeInput(key)} changed since ${previous.finished_at ?? previous.started_at}`;
  }
  return def.stale?.(previous, run) ?? null;
}

function describeInput(key: string): string {
  const [kind, name] = [key.slice(0, key.indexOf(":")), key.slice(key.indexOf(":") + 1)];
  if (kind === "stage") return `the ${name} stage`;
  if (kind === "param") return `option ${name}`;
  return name || key;
}

/** Why `def` would run now on `run` (null: it is current), as runStage decides it, for a caller that only asks. */
export async function whyStale(run: RunInfo, def: StageDefinition<unknown>, dataDir: string = dataDirOf(run)): Promise<string | null> {
  return staleReason(def, run, await inputFingerprints(run, def, dataDir));
}

/** What another tool already produced as a stage's outputs, recorded by adoptStage as the stage's success. */
export interface AdoptedOutputs {
  /** When the outputs began to be written. */
  readonly startedAt: string;
  readonly counts?: Record<string, number>;
  readonly details?: Record<string, unknown>;
}

/**
 * Records stage `def` of `run` as succeeded over outputs another tool produced — the importer's geo.parquet from the
 * original fluxture's own lookups — with the input fingerprints runStage records, so every later decision treats the
 * run as if runStage had run the stage (geolocate redone when a database is given, what reads geo following it). Only
 * for the stage that makes the run (a withRun body: it holds the lock and the run is not yet sealed); every declared
 * output must exist.
 */
export async function adoptStage(run: Run, def: Pick<StageDefinition<unknown>, "name" | "inputs" | "outputs">, done: AdoptedOutputs): Promise<void> {
  const missing = def.outputs.filter((file) => !existsSync(join(run.dir, file)));
  if (missing.length > 0) throw new Error(`cannot record ${def.name} of run ${run.id} as succeeded: ${missing.join(", ")} missing`);
  const record: StageRecord = {
    state: "succeeded",
    started_at: done.startedAt,
    finished_at: new Date().toISOString(),
    inputs: await inputFingerprints(run, def, dataDirOf(run)),
  };
  if (done.counts !== undefined) record.counts = done.counts;
  if (done.details !== undefined) record.details = done.details;
  await run.recordStage(def.name, record);
}

/**
 * Runs `def` on `run`: under the data lock, re-reads the manifest, returns already_done when the stage's
 * outputs exist and its inputs are unchanged since it last succeeded (unless forced), else records it running,
 * runs the body and records succeeded, failed (and rethrows) or cancelled (and throws CancelledError, exit 130).
 * A second SIGINT/SIGTERM records the stage cancelled at once and exits 130.
 */
export async function runStage<R>(run: RunInfo, def: StageDefinition<R>, opts: StageOptions = {}): Promise<StageOutcome<R>> {
  const dataDir = opts.dataDir ?? dataDirOf(run);
  const lock = opts.lock ?? (await acquireLock(dataDir, `${def.name} ${run.id}`));
  try {
    const fresh = await findRun(dataDir, { run: run.id, network: run.network });
    const unavailable = def.unavailable?.(fresh) ?? null;
    if (unavailable !== null) return { stage: def.name, status: "skipped", detail: unavailable, reason: unavailable, run: fresh };
    const damaged = await datasetsProblem(fresh, def.inputs.datasets ?? []);
    if (damaged !== null) {
      // the run's datasets do not match its manifest: never "done" (nor "already done") over them; recorded failed
      const now = new Date().toISOString();
      await Run.attach(fresh).recordStage(def.name, { state: "failed", started_at: now, finished_at: now, details: { error: damaged } });
      throw new DataError(damaged);
    }
    const inputs = await inputFingerprints(fresh, def as StageDefinition<unknown>, dataDir);
    const reason = opts.force ? "forced" : staleReason(def as StageDefinition<unknown>, fresh, inputs);
    if (reason === null) {
      const previous = fresh.manifest.stages[def.name]!;
      const detail = def.currentBecause?.(previous) ?? `current since ${previous.finished_at}`;
      return { stage: def.name, status: "already_done", detail, reason: detail, run: fresh };
    }
    log("debug", `${def.name} ${run.id}: running (${reason})`);
    return await execute(fresh, def, inputs, dataDir, reason, opts.signal);
  } finally {
    if (opts.lock === undefined) await lock.release();
  }
}

async function execute<R>(
  info: RunInfo,
  def: StageDefinition<R>,
  inputs: Record<string, string>,
  dataDir: string,
  reason: string,
  outer?: AbortSignal,
): Promise<StageOutcome<R>> {
  const run = Run.attach(info);
  const startedAt = new Date().toISOString();
  const record = (state: StageRecord["state"], extra: Partial<StageRecord> = {}): StageRecord => ({
    state,
    started_at: startedAt,
    finished_at: state === "running" ? null : new Date().toISOString(),
    inputs,
    ...extra,
  });
  await run.recordStage(def.name, record("running"));
  const trap = trapCancellation({
    what: () => `${def.name} of run ${info.id}`,
    outer,
    abortReason: (why) => new CancelledError(`${def.name} of run ${info.id} cancelled (${why})`),
    lastWords: () => `recording ${def.name} of run ${info.id} as cancelled and exiting`,
    onSecond: (sig) => run.recordStageSync(def.name, record("cancelled", { details: { error: `cancelled (${sig})` } })),
  });
  try {
    let body: StageBodyResult<R>;
    try {
      body = await def.body({ run: info, dataDir, signal: trap.signal });
    } catch (err) {
      const why = trap.why();
      const cancelled = why !== null || err instanceof CancelledError;
      const state = cancelled ? "cancelled" : "failed";
      const error = why !== null ? `cancelled (${why})` : errorMessage(err);
      await run.recordStage(def.name, record(state, { details: { error } })).catch(() => undefined);
      if (why !== null && !(err instanceof CancelledError)) throw trap.signal.reason;
      throw err;
    }
    const why = trap.why();
    if (why !== null) {
      await run.recordStage(def.name, record("cancelled", { details: { error: `cancelled (${why})` } }));
      throw trap.signal.reason;
    }
    const done: StageRecord = record("succeeded");
    if (body.counts !== undefined) done.counts = body.counts;
    if (body.details !== undefined) done.details = body.details;
    await run.recordStage(def.name, done);
    return { stage: def.name, status: "done", detail: body.detail, reason, result: body.result, run: { ...info, manifest: run.manifest } };
  } finally {
    trap.dispose();
  }
}
