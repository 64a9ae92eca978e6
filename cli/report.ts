// `fluxture report`: one self-contained HTML report of a run.
import { Command } from "commander";
import type { NetworkName } from "../lib/bitcoin/networks.ts";
import { checkOutputPath } from "./output.ts";
import { dataOption, networkOption, runOption } from "./options.ts";

/** The report command, registered by the CLI. */
export function reportCommand(): Command {
  return new Command("report")
    .description("write a self-contained HTML report of a run: summary, world map, countries, ASes, versions, concentration, changes")
    .argument("<output>", "output HTML file, or - for stdout")
    .addOption(dataOption())
    .addOption(runOption())
    .addOption(networkOption())
    .action(async (output: string, flags: { data: string; run?: string; network?: NetworkName }) => {
      checkOutputPath(output);
      const { runReport } = await import("../stages/report/run.ts");
      await runReport(flags.data, flags.run, output, flags.network);
    });
}
