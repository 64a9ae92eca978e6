// `fluxture runs`: list every run of the data folder with network, state, times and counts.
import { Command } from "commander";
import { dataOption, networkOption, option } from "./options.ts";
import type { NetworkName } from "../lib/bitcoin/networks.ts";

/** Builds the `runs` command; the implementation is loaded only when it runs. */
export function runsCommand(): Command {
  return new Command("runs")
    .description("list runs with network, state, times and counts (runs not sealed as succeeded are marked)")
    .addOption(dataOption())
    .addOption(networkOption("only runs of this network"))
    .addOption(option("--json", "print the listing as JSON on stdout"))
    .action(async (flags: { data: string; network?: NetworkName; json?: boolean }) => {
      const { runRunsCommand } = await import("./actions/runs.ts");
      await runRunsCommand({ data: flags.data, ...(flags.network ? { network: flags.network } : {}), ...(flags.json ? { json: true } : {}) });
    });
}
