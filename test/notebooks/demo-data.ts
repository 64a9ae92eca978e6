// Builds a small data folder with two analysed demo runs (scripts/demo.sh: simnet on loopback → crawl →
// geolocate → topology → exports), the real data the notebooks and the report site read, and queries it with the
// real CLI (in this process, through the program object).
import { spawn } from "node:child_process";
import { cpSync, existsSync } from "node:fs";
import { join } from "node:path";
import { queryJson } from "../helpers/cli.ts";
import { suiteFolder } from "../helpers/suite-cache.ts";

/** Repository root (the tests run from it, as scripts/run-tests.sh does). */
export const ROOT = process.cwd();

/** Where the notebook tests keep what a person may want to look at afterwards. */
export const NOTEBOOK_OUTPUTS = join(ROOT, "test-output", "notebooks");

/** One run of the demo data folder. */
export interface DemoRun {
  readonly network: string;
  readonly runId: string;
  readonly runDir: string;
}

/**
 * Runs scripts/demo.sh once into `data`; resolves with its exit status and output. `base` is the simnet's
 * first loopback address (FLUXTURE_SIMNET_BASE), so test files running at the same time never share one.
 */
function runDemo(data: string, nodes: number, base: string): Promise<{ status: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", ["scripts/demo.sh"], {
      cwd: ROOT,
      env: { ...process.env, DATA: data, DEMO_NODES: String(nodes), DEMO_SEED: "42", FLUXTURE_SIMNET_BASE: base },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill("SIGTERM"), 120_000);
    child.on("error", reject);
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve({ status, output });
    });
  });
}

/**
 * One demo run per simnet size in `sizes` (different sizes, so the runs differ) in `data`, each with geo.parquet and
 * node_metrics.parquet, from a simnet at loopback `base` (e.g. 127.61.0.0). The demo must succeed as a whole
 * (its last step runs the SQL checks over the lake). Under scripts/run-tests.sh the runs are built once per suite
 * run and copied into `data` (test/helpers/suite-cache.ts): the notebook tests and the report site read the same demo
 * data. Small simnets (40 and 60 peers still give ~15 countries, ~30 ASes, ~16 client versions): a demo's cost is mostly
 * fixed (process starts, analyze), ~1 CPU s less per run than at 120/160 peers.
 */
export async function buildDemoData(data: string, base = "127.61.0.0", sizes: readonly number[] = [40, 60]): Promise<DemoRun[]> {
  const build = async (dir: string) => {
    for (const nodes of sizes) {
      const { status, output } = await runDemo(dir, nodes, base);
      if (status !== 0) throw new Error(`scripts/demo.sh failed (${status}):\n${output.slice(-2000)}`);
    }
  };
  const shared = await suiteFolder(`demo-${base}-${sizes.join("-")}`, build);
  if (shared === undefined) await build(data);
  else cpSync(shared, data, { recursive: true });
  const runs = await queryJson<{ network: string; run_id: string }>(data, "select network, run_id from runs order by started_at, run_id");
  const out = runs.map((r) => ({ network: r.network, runId: r.run_id, runDir: join(data, "runs", `network=${r.network}`, `run_id=${r.run_id}`) }));
  for (const run of out) {
    for (const file of ["visits.parquet", "addrs.parquet", "geo.parquet", "node_metrics.parquet"]) {
      if (!existsSync(join(run.runDir, file))) throw new Error(`demo run ${run.runId} has no ${file}`);
    }
  }
  return out;
}

/** Fewest groups that together hold more than half of the total (counts in any order). */
export function nakamoto(counts: readonly number[]): number {
  const sorted = [...counts].sort((a, b) => b - a);
  const total = sorted.reduce((a, b) => a + b, 0);
  let sum = 0;
  for (let i = 0; i < sorted.length; i++) {
    sum += sorted[i] ?? 0;
    if (sum > total / 2) return i + 1;
  }
  return sorted.length;
}
