// The commander program: the composition root, registering one command per file of cli/.
// Stage modules are loaded lazily inside each command's action so `fluxture --help` starts fast.
import { Command, CommanderError } from "commander";
import { applyVoice, commanderExit, guardStdout, isBrokenPipe } from "./voice.ts";
import { FluxtureError } from "../pipeline/errors.ts";
import { TOOL_VERSION } from "../pipeline/version.ts";
import { queryCommand } from "./query.ts";
import { runsCommand } from "./runs.ts";
import { analyzeCommand } from "./analyze.ts";
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
    .version(TOOL_VERSION);
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
    analyzeCommand(),
    reportCommand(),
    importCommand(),
  ];
  for (const command of commands) program.addCommand(command);
  return applyVoice(program); // after every command: error voice, per-command env twins, --quiet
}

/** Runs the CLI and returns its exit code; any failure is one `fluxture: …` line on stderr (in-process tests call this). */
export async function execute(argv: readonly string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(await rewriteLegacyArgv(argv));
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return commanderExit(err); // printed in the project's voice already
    if (isBrokenPipe(err)) return 0; // the reader of stdout went away (`… | head`): nothing left to say
    if (err instanceof FluxtureError) {
      process.stderr.write(`fluxture: ${err.message}\n`);
      return err.exitCode;
    }
    process.stderr.write(`fluxture: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return 70;
  }
}

/** Runs the CLI; prints one line and sets a non-zero exit code on any failure. */
export async function main(argv: readonly string[]): Promise<void> {
  guardStdout();
  const code = await execute(argv);
  if (code !== 0) process.exitCode = code;
}
