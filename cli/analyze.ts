// `fluxture analyze`: the step list (each a stage's run<Stage>, loaded only when it runs) and the command's flags.
// What a step does and when it is current belongs to its stage; running them in order to pipeline/analyze.ts.
import { Command } from "commander";
import { dataOption, networkOption, option, runOption } from "./options.ts";
import { status } from "./output.ts";
import type { NetworkName } from "../lib/bitcoin/networks.ts";
import type { AnalyzeStep, StepResult } from "../pipeline/analyze.ts";

/** The steps of `fluxture analyze`, in order. */
export const ANALYZE_STEPS: readonly AnalyzeStep[] = [
  {
    name: "geolocate",
    run: async (run, o) => {
      const g = await import("../stages/geolocate/run.ts");
      return g.runGeolocate(run, { ...o, dbs: g.resolveDbPaths({ dataDir: o.dataDir, cityDb: o.cityDb, asnDb: o.asnDb }), progress: true });
    },
  },
  { name: "topology", run: async (run, o) => (await import("../stages/topology/run.ts")).runTopologyStage(run, {}, o) },
  { name: "removal", run: async (run, o) => (await import("../stages/topology/removal-stage.ts")).runRemovalStage(run, o) },
  { name: "exports", run: async (run, o) => (await import("../stages/export/run.ts")).runExports(run, o) },
  { name: "report", run: async (run, o) => (await import("../stages/report/run.ts")).runReportStage(run, o) },
  { name: "nodes", run: async (run, o) => (await import("../stages/nodes/run.ts")).runNodes(run, o) },
  { name: "marts", run: async (run, o) => (await import("../stages/marts/run.ts")).runMarts(run, o) },
  { name: "checks", run: async (run, o) => (await import("../stages/marts/run.ts")).runChecksStage(run, o) },
];

/** Flags of `fluxture analyze`. */
interface AnalyzeFlags {
  data: string;
  run?: string;
  network?: NetworkName;
  cityDb?: string;
  asnDb?: string;
  json?: boolean;
  force?: boolean | string;
}

/** `fluxture analyze`, registered by the CLI. */
export function analyzeCommand(): Command {
  return new Command("analyze")
    .description("geolocate → topology → removal → exports → report → nodes → marts → checks for a run, redoing only what is stale")
    .addOption(dataOption())
    .addOption(runOption())
    .addOption(networkOption())
    .addOption(option("--city-db <path>", "MaxMind City database (default <data>/geo/GeoLite2-City.mmdb)", "FLUXTURE_CITY_DB"))
    .addOption(option("--asn-db <path>", "MaxMind ASN database (default <data>/geo/GeoLite2-ASN.mmdb)", "FLUXTURE_ASN_DB"))
    .addOption(option("--force [step]", `redo every step, or only STEP (${ANALYZE_STEPS.map((s) => s.name).join("|")}) and what depends on it`))
    .addOption(option("--json", "print the step results as JSON on stdout"))
    .action(async (flags: AnalyzeFlags) => {
      const { analyzeRun } = await import("../pipeline/analyze.ts");
      // each step is printed once, as it ends (text), or the whole summary at the end (--json)
      const print = (name: string, r: StepResult) => status(`${name}: ${r.status}${r.detail ? ` — ${r.detail}` : ""}`);
      const summary = await analyzeRun(flags, ANALYZE_STEPS, flags.json ? undefined : print);
      if (flags.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    });
}
