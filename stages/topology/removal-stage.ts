// analyze's removal step as a stage: the removal analysis by country and by AS into exports/removal.csv, through
// runStage, redone when the run's graph or geography changes; skipped for a run without geo or reachable nodes.
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "../../pipeline/fsutil.ts";
import type { RunInfo } from "../../pipeline/runs.ts";
import { runStage, type StageDefinition, type StageOptions, type StageOutcome } from "../../pipeline/stage.ts";
import { isGeolocated } from "./load.ts";
import { ANALYZE_AS_GROUPS, loadRemovalInput, removalCsv, removalOfRun, TooFewNodesError } from "./removal-run.ts";

const removalStage: StageDefinition<string[]> = {
  name: "removal",
  inputs: { datasets: ["visits.parquet", "addrs.parquet", "geo.parquet"], stages: ["crawl", "geolocate"] },
  outputs: [join("exports", "removal.csv")],
  unavailable: (run) => (isGeolocated(run.dir) ? null : "the run is not geolocated: removal groups nodes by country and AS"),
  async body({ run }) {
    const input = await loadRemovalInput(run); // one load for both dimensions
    const reports = [await removalOfRun(run, "country", {}, input), await removalOfRun(run, "asn", { maxGroups: ANALYZE_AS_GROUPS }, input)];
    await mkdir(join(run.dir, "exports"), { recursive: true });
    await writeFileAtomic(join(run.dir, "exports", "removal.csv"), removalCsv(reports));
    return { result: ["removal.csv"], detail: "removal.csv", counts: { files: 1 }, details: { files: ["removal.csv"] } };
  },
};

/** `run<Stage>` of removal; a run with fewer than two reachable nodes is skipped with the reason (and recorded failed). */
export async function runRemovalStage(run: RunInfo, opts: StageOptions = {}): Promise<StageOutcome<string[]>> {
  try {
    return await runStage(run, removalStage, opts);
  } catch (err) {
    if (!(err instanceof TooFewNodesError)) throw err;
    return { stage: "removal", status: "skipped", detail: err.message, reason: err.message, run };
  }
}
