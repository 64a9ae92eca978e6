// The commander program: the composition root and the only pipeline file that imports stages.
// Stage modules are loaded lazily inside each command's action so `fluxture --help` starts fast.
import { Command, CommanderError } from "commander";
import { FluxtureError } from "./errors.ts";
import { TOOL_VERSION } from "./version.ts";
import { stubCommand } from "./commands/stub.ts";
import { exportCommands } from "../stages/export/command.ts";
import { crawlCommand, nodeCommand } from "../stages/crawl/command.ts";
import { reportCommand } from "../stages/report/command.ts";
import { topologyCommand } from "../stages/topology/command.ts";
import { simnetCommand } from "../stages/simnet/command.ts";
import { geolocateCommand, updateGeoDbCommand } from "../stages/geolocate/command.ts";

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
    stubCommand("runs", "list runs with network, state and counts"),
    stubCommand("query", "run SQL against the views over every run"),
    stubCommand("analyze", "geolocate, topology, exports and marts for a run"),
    reportCommand(),
  ];
  for (const command of commands) program.addCommand(command.exitOverride());
  return program;
}

/** Runs the CLI; prints one line and sets a non-zero exit code on any failure. */
export async function main(argv: readonly string[]): Promise<void> {
  try {
    await buildProgram().parseAsync([...argv]);
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
