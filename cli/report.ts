// `fluxture report`: one self-contained HTML report of a run.
import { Command } from "commander";
import { dataOption, runOption } from "./options.ts";

/** The report command, registered by the CLI. */
export function reportCommand(): Command {
  return new Command("report")
    .description("write a self-contained HTML report of a run: summary, world map, countries, ASes, versions, concentration, changes")
    .argument("<output>", "output HTML file, or - for stdout")
    .addOption(dataOption())
    .addOption(runOption())
    .action(async (output: string, flags: { data: string; run?: string }) => {
      const { runReport } = await import("../stages/report/run.ts");
      await runReport(flags.data, flags.run, output);
    });
}
