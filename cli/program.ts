// The commander program: the composition root and the only pipeline file that imports stages.
// Stage modules are loaded lazily inside each command's action so `fluxture --help` starts fast.
import { Command, CommanderError } from "commander";
import { FluxtureError } from "../pipeline/errors.ts";
import { TOOL_VERSION } from "../pipeline/version.ts";
import { queryCommand } from "./query.ts";
import { runsCommand } from "./runs.ts";
import { analyzeCommand, type AnalyzeContext, type AnalyzeStep, type StepResult } from "./analyze.ts";
import { Run } from "../pipeline/runs.ts";
import { exportCommands } from "./export.ts";
import { crawlCommand, nodeCommand } from "./crawl.ts";
import { reportCommand } from "./report.ts";
import { topologyCommand } from "./topology.ts";
import { simnetCommand } from "./simnet.ts";
import { geolocateCommand, updateGeoDbCommand } from "./geolocate.ts";
import { importCommand } from "./import.ts";
import { rewriteLegacyArgv } from "./legacy.ts";

/** Builds the full `fluxture` program with every command registered. */
export function buildProgram(): Command {
  const program = new Command("fluxture")
    .description("Crawl the Bitcoin peer-to-peer network and turn every crawl into an analytic dataset")
    .version(TOOL_VERSION)
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride();
  const commands: Command[] = [
    crawlCommand(),
    nodeCommand(),
    simnetCommand(),
    geolocateCommand(),
    updateGeoDbCommand(),
    topologyCommand(),
    ...exportCommands(),
    runsCommand(),
    queryCommand(),
    analyzeCommand(analyzeSteps),
    reportCommand(),
    importCommand(),
  ];
  for (const command of commands) program.addCommand(command.exitOverride());
  return program;
}

/** Records a step that writes files into the run (exports, report) in the run's manifest. */
async function recordWrite(ctx: AnalyzeContext, name: string, write: () => Promise<string[]>): Promise<StepResult> {
  const previous = ctx.run.manifest.stages[name];
  if (previous?.state === "succeeded" && !ctx.upstreamChanged) return { status: "already_done", detail: `written ${previous.finished_at}` };
  const started = new Date().toISOString();
  const files = await write();
  await Run.attach(ctx.run).recordStage(name, {
    state: "succeeded",
    started_at: started,
    finished_at: new Date().toISOString(),
    counts: { files: files.length },
    details: { files },
  });
  return { status: "done", detail: files.join(", ") };
}

/** The steps of `fluxture analyze`, in order; each loads its stage only when it runs. */
async function analyzeSteps(): Promise<AnalyzeStep[]> {
  const { existsSync } = await import("node:fs");
  const { join } = await import("node:path");
  return [
    {
      name: "geolocate",
      async run(ctx) {
        const g = await import("../stages/geolocate/run.ts");
        const paths = g.resolveDbPaths({ dataDir: ctx.dataDir, cityDb: ctx.cityDb, asnDb: ctx.asnDb });
        if (!existsSync(paths.city)) {
          return { status: "skipped", detail: `no City database at ${paths.city}: run \`fluxture update-geo-db\` or pass --city-db` };
        }
        const result = await g.geolocateRun(ctx.run, await g.openGeoDatabases(paths), { progress: true });
        return result.action === "skipped"
          ? { status: "already_done", detail: result.reason }
          : { status: "done", detail: `${result.counts.addresses ?? 0} addresses, ${result.counts.located ?? 0} located` };
      },
    },
    {
      name: "topology",
      async run(ctx) {
        const done = ctx.run.manifest.stages.topology?.state === "succeeded" && existsSync(join(ctx.run.dir, "node_metrics.parquet"));
        if (done) return { status: "already_done", detail: `computed ${ctx.run.manifest.stages.topology?.finished_at}` };
        const t = await import("../stages/topology/run.ts");
        const report = await t.runTopology({ data: ctx.dataDir, run: ctx.run.id });
        return { status: "done", detail: `${report.summary.nodes} nodes, ${report.summary.edges} edges` };
      },
    },
    {
      name: "removal",
      async run(ctx) {
        const t = await import("../stages/topology/removal-run.ts");
        const { isGeolocated } = await import("../stages/topology/load.ts");
        if (!isGeolocated(ctx.run.dir)) return { status: "skipped", detail: "the run is not geolocated: removal groups nodes by country and AS" };
        const { writeFileAtomic } = await import("../pipeline/fsutil.ts");
        const { mkdir } = await import("node:fs/promises");
        try {
          return await recordWrite(ctx, "removal", async () => {
            const reports = [await t.removalOfRun(ctx.run, "country"), await t.removalOfRun(ctx.run, "asn")];
            await mkdir(join(ctx.run.dir, "exports"), { recursive: true });
            await writeFileAtomic(join(ctx.run.dir, "exports", "removal.csv"), t.removalCsv(reports));
            return ["removal.csv"];
          });
        } catch (err) {
          if (err instanceof t.TooFewNodesError) return { status: "skipped", detail: err.message };
          throw err;
        }
      },
    },
    {
      name: "exports",
      async run(ctx) {
        const e = await import("../stages/export/run.ts");
        return recordWrite(ctx, "exports", () => e.writeAllExports(ctx.run));
      },
    },
    {
      name: "report",
      async run(ctx) {
        const r = await import("../stages/report/run.ts");
        return recordWrite(ctx, "report", async () => [await r.writeRunReport(ctx.dataDir, ctx.run)]);
      },
    },
    {
      name: "nodes",
      async run(ctx) {
        const { nodesCurrent, prepareRunNodes } = await import("../stages/nodes/run.ts");
        if (ctx.run.manifest.state !== "succeeded")
          return { status: "skipped", detail: `the run is ${ctx.run.manifest.state}: only succeeded runs are in the marts` };
        if (nodesCurrent(ctx.run)) return { status: "already_done", detail: `nodes.parquet current since ${ctx.run.manifest.stages.nodes?.finished_at}` };
        return { status: "done", detail: `${await prepareRunNodes(ctx.run)} nodes` };
      },
    },
    {
      name: "marts",
      async run(ctx) {
        const { openLake } = await import("../pipeline/sql/lake.ts");
        const { listSqlFiles, martViewName } = await import("../pipeline/sql/files.ts");
        const { csvLines } = await import("../pipeline/sql/format.ts");
        const { queryRows, sqlIdent, sqlString } = await import("../pipeline/duckdb.ts");
        const { writeFileAtomic } = await import("../pipeline/fsutil.ts");
        const { mkdir } = await import("node:fs/promises");
        return recordWrite(ctx, "marts", async () => {
          const lake = await openLake(ctx.dataDir, { materializeMartInputs: true });
          try {
            const dir = join(ctx.run.dir, "exports", "marts");
            await mkdir(dir, { recursive: true });
            const written: string[] = [];
            for (const mart of await listSqlFiles("marts")) {
              const view = sqlIdent(martViewName(mart.name));
              const columns = (await queryRows(lake.connection, `select column_name from (describe select * from ${view})`)).map((r) => String(r.column_name));
              // per-run marts are cut to this run; cross-run marts (reliability per node) are written whole
              const where = columns.includes("run_id") ? ` where run_id = ${sqlString(ctx.run.id)}` : "";
              const rows = await queryRows(lake.connection, `select * from ${view}${where}`);
              await writeFileAtomic(join(dir, `${mart.name}.csv`), csvLines(columns, rows, true));
              written.push(`marts/${mart.name}.csv`);
            }
            return written;
          } finally {
            await lake.close();
          }
        });
      },
    },
    {
      name: "checks",
      async run(ctx) {
        const { openLake } = await import("../pipeline/sql/lake.ts");
        const { runChecks } = await import("../pipeline/sql/checks.ts");
        const { ChecksFailedError } = await import("../pipeline/sql/errors.ts");
        const lake = await openLake(ctx.dataDir, { marts: false });
        try {
          const results = await runChecks(lake.connection);
          const failed = results.filter((r) => r.offending > 0);
          if (failed.length > 0) {
            const { log } = await import("../pipeline/log.ts");
            for (const f of failed)
              log(
                "error",
                `check ${f.name}: ${f.offending} offending row(s), e.g. ${JSON.stringify(f.sample[0], (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v))}`,
              );
            throw new ChecksFailedError(failed.length, results.length);
          }
          return { status: "done", detail: `${results.length} invariants hold over every sealed run` };
        } finally {
          await lake.close();
        }
      },
    },
  ];
}

/** Runs the CLI; prints one line and sets a non-zero exit code on any failure. */
export async function main(argv: readonly string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(await rewriteLegacyArgv(argv));
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode;
      return;
    }
    if (err instanceof FluxtureError) {
      process.stderr.write(`fluxture: ${err.message}\n`);
      process.exitCode = err.exitCode;
      return;
    }
    process.stderr.write(`fluxture: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 70;
  }
}
