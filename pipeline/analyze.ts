// The analysis of one run: its steps in order under one data lock, each a stage entered through runStage, so
// every step is skipped when current and redone when an input changed (or when forced).
import { CancelledError, errorMessage, UsageError } from "./errors.ts";
import { acquireLock, type DataLock } from "./lock.ts";
import { findRun, type NetworkName, type RunInfo } from "./runs.ts";
import type { StageOutcome, StageStatus } from "./stage.ts";

/** One step's result, printed as one line. */
export interface StepResult {
  readonly status: StageStatus;
  readonly detail: string;
}

/** What every step gets besides the run: the held lock, the data folder, whether to force it, the geo databases. */
export interface StepOptions {
  readonly dataDir: string;
  readonly lock: DataLock;
  readonly force: boolean;
  readonly cityDb: string | undefined;
  readonly asnDb: string | undefined;
}

/** A named step of the analysis: one stage's `run<Stage>(run, opts)`. */
export interface AnalyzeStep {
  readonly name: string;
  run(run: RunInfo, opts: StepOptions): Promise<StageOutcome<unknown>>;
}

/** What to analyze and how. */
export interface AnalyzeOptions {
  readonly data: string;
  readonly run?: string | undefined;
  readonly network?: NetworkName | undefined;
  readonly cityDb?: string | undefined;
  readonly asnDb?: string | undefined;
  /** true: redo every step; a step name: redo that step (the steps after it follow from their inputs). */
  readonly force?: boolean | string | undefined;
}

/** What analyze did: the run and each step's result, in order. */
export interface AnalyzeSummary {
  readonly run: string;
  readonly steps: Record<string, StepResult>;
}

/** Runs the steps in order under the data lock; a failing step stops the analysis with its one-line reason.
 * `onStep` hears each step once, as it ends. */
export async function analyzeRun(
  options: AnalyzeOptions,
  steps: readonly AnalyzeStep[],
  onStep: (name: string, result: StepResult, seconds: number) => void = () => undefined,
): Promise<AnalyzeSummary> {
  const names = steps.map((s) => s.name);
  if (typeof options.force === "string" && !names.includes(options.force)) {
    throw new UsageError(`--force: unknown step '${options.force}' (expected one of ${names.join(", ")})`);
  }
  const lock = await acquireLock(options.data, "analyze", { mustExist: true });
  try {
    let run = await findRun(options.data, { run: options.run, network: options.network });
    const results: Record<string, StepResult> = {};
    for (const step of steps) {
      const started = Date.now();
      const force = options.force === true || options.force === step.name;
      let outcome: StageOutcome<unknown>;
      try {
        outcome = await step.run(run, { dataDir: options.data, lock, force, cityDb: options.cityDb, asnDb: options.asnDb });
      } catch (err) {
        if (err instanceof CancelledError) throw err;
        throw Object.assign(err instanceof Error ? err : new Error(errorMessage(err)), { message: `analyze: ${step.name}: ${errorMessage(err)}` });
      }
      results[step.name] = { status: outcome.status, detail: outcome.detail };
      run = outcome.run;
      onStep(step.name, results[step.name]!, (Date.now() - started) / 1000); // the caller prints each step once
    }
    return { run: run.id, steps: results };
  } finally {
    await lock.release();
  }
}
