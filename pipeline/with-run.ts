// withRun(): the one owner of the life cycle of a stage that makes its run (crawl, import) — as runStage is for
// the stages of an existing run. It takes the data lock (when given a way to open the run), keeps the stage's
// record (running → its final state), seals the run, and turns SIGINT/SIGTERM into a cancellation the body honours.
// A stage body never writes its own running/final record nor seals its run.
import { trapCancellation } from "./cancel.ts";
import { CancelledError, errorMessage } from "./errors.ts";
import { faultPoint } from "./fault.ts";
import { acquireLock } from "./lock.ts";
import { log } from "./log.ts";
import type { Run, RunState, StageRecord } from "./runs.ts";

/** A run made under the data lock withRun holds for the whole body (the crawl creates or reopens one). */
export interface RunOpener {
  readonly dataDir: string;
  /** What holds the lock, for a refused second process (`crawl regtest`). */
  readonly purpose: string;
  /** Creates or reopens the run; nothing is recorded if it throws (there is no run to record in). */
  open(): Promise<Run>;
}

/** What the body gets. */
export interface RunContext {
  readonly run: Run;
  /** Aborted on SIGINT/SIGTERM or opts.signal: stop, make the data durable (seal writers), return or throw. */
  readonly signal: AbortSignal;
  /** What cancelled the run (`SIGINT`, the outer signal's reason text), or null while not cancelled. */
  cancelledBy(): string | null;
}

/** How a result ends the run, when the body decides it (a crawl that reached nobody: failed; its own deadline: cancelled). */
export interface RunEnd {
  readonly state: RunState;
  readonly error?: string | undefined;
  readonly counts?: Record<string, number> | undefined;
}

/** What the stage record says of a result, beyond its state: counts (default: the run's) and details. */
export interface StageNote {
  readonly counts?: Record<string, number>;
  readonly details?: Record<string, unknown>;
}

/** Options of withRun. */
export interface WithRunOptions<T> {
  /** Signals that cancel the run (default SIGINT and SIGTERM); a second one seals at once and exits 130. */
  signals?: readonly NodeJS.Signals[];
  /** An outside cancellation (e.g. a caller's deadline); treated like a signal. */
  signal?: AbortSignal | undefined;
  /** Counts to seal with, from the result on success or from progress so far on failure/cancel. */
  counts?: (result: T | undefined) => Record<string, number>;
  /** The manifest key of the stage record withRun keeps for the body (`crawl`, `import`); none when absent. */
  stage?: string;
  /** How the result ends the run (default: succeeded, or cancelled after a signal). With it, a cancel the body
   * reports in its result is returned; without it, a cancel is thrown as CancelledError after the seal. */
  end?: (result: T) => RunEnd;
  /** The stage record's counts and details from the result. */
  note?: (result: T) => StageNote;
}

/**
 * Runs `fn` as the body of the run and always seals it: `succeeded` when fn resolves (or as opts.end says),
 * `failed` when it throws, `cancelled` when SIGINT/SIGTERM (or opts.signal) fired. After a cancel (without
 * opts.end), withRun throws CancelledError (exit 130) naming the kept run folder. A second signal seals
 * synchronously and exits 130. Given a RunOpener, the run is opened and run under the data lock, and a signal
 * while it opens (a crawl gathering its seeds) cancels the body before it starts.
 */
export async function withRun<T>(target: Run | RunOpener, fn: (ctx: RunContext) => Promise<T>, opts: WithRunOptions<T> = {}): Promise<T> {
  if (!("open" in target)) return own(async () => target, fn, opts);
  const lock = await acquireLock(target.dataDir, target.purpose);
  try {
    return await own(() => target.open(), fn, opts, target.purpose);
  } finally {
    await lock.release();
  }
}

async function own<T>(open: () => Promise<Run>, fn: (ctx: RunContext) => Promise<T>, opts: WithRunOptions<T>, purpose = "the run"): Promise<T> {
  let run: Run | undefined;
  let startedAt = new Date().toISOString();
  const record = (end: RunEnd, note: StageNote = {}): Record<string, StageRecord> => {
    if (opts.stage === undefined) return {};
    const rec: StageRecord = { state: end.state, started_at: startedAt, finished_at: end.state === "running" ? null : new Date().toISOString() };
    const counts = note.counts ?? end.counts;
    if (counts !== undefined) rec.counts = counts;
    const details = { ...note.details, ...(end.error === undefined ? {} : { error: end.error }) };
    if (Object.keys(details).length > 0) rec.details = details;
    return { [opts.stage]: rec };
  };
  const trap = trapCancellation({
    what: () => (run === undefined ? purpose : `run ${run.id}`),
    signals: opts.signals,
    outer: opts.signal,
    abortReason: (why) =>
      new CancelledError(
        run === undefined ? `${purpose} cancelled (${why}) before its run was open` : `run ${run.id} cancelled (${why}); data kept in ${run.dir}`,
      ),
    lastWords: () => (run === undefined ? "exiting" : `sealing run ${run.id} as cancelled and exiting`),
    onSecond: (sig) => {
      const error = `cancelled (${sig})`;
      if (run?.state === "running") run.sealSync("cancelled", safeCounts(opts, undefined), error, record({ state: "cancelled", error }));
    },
  });
  try {
    run = await open();
    const opened = run;
    const seal = async (end: RunEnd, note?: StageNote): Promise<void> => {
      if (opened.state !== "running") return;
      faultPoint("manifest: stage record and run state");
      await opened.seal(end.state, end.counts, end.error, record(end, note));
      faultPoint("sealed");
    };
    startedAt = new Date().toISOString();
    if (opts.stage !== undefined) await opened.recordStage(opts.stage, record({ state: "running" })[opts.stage]!);
    let result: T;
    try {
      result = await fn({ run: opened, signal: trap.signal, cancelledBy: trap.why });
    } catch (err) {
      const why = trap.why();
      const counts = safeCounts(opts, undefined);
      if (why !== null) await seal({ state: "cancelled", counts, error: `cancelled (${why})` });
      else if (err instanceof CancelledError) await seal({ state: "cancelled", counts, error: err.message });
      else await seal({ state: "failed", counts, error: errorMessage(err) });
      if (why !== null && !(err instanceof CancelledError)) throw trap.signal.reason;
      throw err;
    }
    const note = opts.note?.(result);
    if (opts.end !== undefined) {
      const end = opts.end(result);
      await seal({ ...end, counts: end.counts ?? safeCounts(opts, result) }, note);
      return result;
    }
    const why = trap.why();
    if (why !== null) {
      await seal({ state: "cancelled", counts: safeCounts(opts, result), error: `cancelled (${why})` }, note);
      throw trap.signal.reason;
    }
    await seal({ state: "succeeded", counts: safeCounts(opts, result) }, note);
    return result;
  } finally {
    trap.dispose();
  }
}

function safeCounts<T>(opts: WithRunOptions<T>, result: T | undefined): Record<string, number> | undefined {
  try {
    return opts.counts?.(result);
  } catch (err) {
    log("warn", `could not compute run counts: ${errorMessage(err)}`);
    return undefined;
  }
}
