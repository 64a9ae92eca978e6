// `fluxture analyze`: geolocate → topology → exports → report → nodes → marts → checks for one run, skipping what is done.
// The steps are injected by the CLI (the composition root), so this file imports no stage.
import { Command } from "commander";
import { dataOption, option, runOption, parseChoice } from "./options.ts";
import { acquireLock } from "../pipeline/lock.ts";
import { log } from "../pipeline/log.ts";
import { findRun, type RunInfo } from "../pipeline/runs.ts";
import { NETWORK_NAMES, type NetworkName } from "../lib/bitcoin/networks.ts";
import { errorMessage } from "../pipeline/errors.ts";

/** What a step did: ran, found its work already done, or could not run for lack of an input. */
export type StepStatus = "done" | "already_done" | "skipped";

/** One step's result, printed as one line. */
export interface StepResult {
  readonly status: StepStatus;
  readonly detail: string;
}

/** Everything a step may need. */
export interface AnalyzeContext {
  readonly dataDir: string;
  readonly run: RunInfo;
  readonly cityDb: string | undefined;
  readonly asnDb: string | undefined;
  /** Whether an earlier step changed the run's datasets in this invocation (later steps then redo their work). */
  readonly upstreamChanged: boolean;
}

/** A named step of the analysis. */
export interface AnalyzeStep {
  readonly name: string;
  run(ctx: AnalyzeContext): Promise<StepResult>;
}

/** Flags of `fluxture analyze`. */
export interface AnalyzeFlags {
  data: string;
  run?: string;
  network?: NetworkName;
  cityDb?: string;
  asnDb?: string;
  json?: boolean;
}

/** Runs the steps in order under the data lock; a failing step stops the analysis with its one-line reason. */
export async function analyze(flags: AnalyzeFlags, steps: readonly AnalyzeStep[]): Promise<{ run: string; steps: Record<string, StepResult> }> {
  const lock = await acquireLock(flags.data, "analyze");
  try {
    let run = await findRun(flags.data, { run: flags.run, network: flags.network });
    const results: Record<string, StepResult> = {};
    let upstreamChanged = false;
    for (const step of steps) {
      const started = Date.now();
      let result: StepResult;
      try {
        result = await step.run({ dataDir: flags.data, run, cityDb: flags.cityDb, asnDb: flags.asnDb, upstreamChanged });
      } catch (err) {
        throw Object.assign(err instanceof Error ? err : new Error(errorMessage(err)), { message: `analyze: ${step.name}: ${errorMessage(err)}` });
      }
      results[step.name] = result;
      if (result.status === "done") upstreamChanged = true;
      log(
        "info",
        `analyze ${run.id}: ${step.name}: ${result.status}${result.detail ? ` (${result.detail})` : ""} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
      );
      run = await findRun(flags.data, { run: run.id, network: run.network }); // steps record themselves in the manifest
    }
    return { run: run.id, steps: results };
  } finally {
    await lock.release();
  }
}

/** Builds the `analyze` command around the steps the CLI provides. */
export function analyzeCommand(steps: () => Promise<readonly AnalyzeStep[]>): Command {
  return new Command("analyze")
    .description("geolocate → topology → exports → report → nodes → marts → checks for a run, skipping what is already done")
    .addOption(dataOption())
    .addOption(runOption())
    .addOption(option("--network <network>", "with no --run: the newest succeeded run of this network").argParser(parseChoice("--network", NETWORK_NAMES)))
    .addOption(option("--city-db <path>", "MaxMind City database (default <data>/geo/GeoLite2-City.mmdb)", "FLUXTURE_CITY_DB"))
    .addOption(option("--asn-db <path>", "MaxMind ASN database (default <data>/geo/GeoLite2-ASN.mmdb)", "FLUXTURE_ASN_DB"))
    .addOption(option("--json", "print the step results as JSON on stdout"))
    .action(async (flags: AnalyzeFlags) => {
      const summary = await analyze(flags, await steps());
      if (flags.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
      else for (const [name, r] of Object.entries(summary.steps)) process.stdout.write(`${name}: ${r.status}${r.detail ? ` — ${r.detail}` : ""}\n`);
    });
}
