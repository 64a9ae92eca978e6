// The `fluxture topology` command: flags (each with a FLUXTURE_* twin); the implementation loads lazily.
import { Command } from "commander";
import { dataOption, groupByOption, networkOption, option, parseChoice, parseInteger, runOption } from "./options.ts";
import { checkOutputPath } from "./output.ts";
import type { NetworkName } from "../lib/bitcoin/networks.ts";
import { DEFAULT_BETWEENNESS_SAMPLES, DEFAULT_SEED, REMOVAL_DIMENSIONS, type GroupBy, type RemovalDimension } from "../stages/topology/options.ts";

interface TopologyFlags {
  data: string;
  run?: string;
  network?: NetworkName;
  groupBy?: GroupBy;
  conglomerate?: boolean;
  onlyCrawledNodes?: boolean;
  betweennessSamples: number;
  seed: number;
  json?: boolean;
  degreeDist?: string;
  removal?: RemovalDimension;
}

/** `fluxture topology`, registered by the CLI. */
export function topologyCommand(): Command {
  return new Command("topology")
    .description(
      "centrality and structure of a run's advertised-address graph (A→B when B was in A's getaddr reply; " +
        "not the connection graph): ranks nodes or groups by pagerank, writes node_metrics.parquet",
    )
    .addOption(dataOption())
    .addOption(runOption())
    .addOption(networkOption())
    .addOption(groupByOption("rank groups (rank = sum of members' pagerank)"))
    .addOption(option("-c, --conglomerate", "with --group-by: rank the graph of groups itself (edge weight = member edges)"))
    .addOption(option("--only-crawled-nodes", "restrict the graph to the nodes the crawler dialled"))
    .addOption(
      option("--betweenness-samples <k>", "Brandes sources for betweenness/closeness (exact when ≥ nodes)")
        .argParser(parseInteger("--betweenness-samples", 1, 100_000_000))
        .default(DEFAULT_BETWEENNESS_SAMPLES),
    )
    .addOption(
      option("--seed <s>", "seed of source sampling and Louvain")
        .argParser(parseInteger("--seed", 0, 2 ** 32 - 1))
        .default(DEFAULT_SEED),
    )
    .addOption(option("--json", "print the ranking and summary as JSON"))
    .addOption(
      option(
        "--removal <by>",
        `remove each ${REMOVAL_DIMENSIONS.join("|")}'s reachable nodes in turn: KL divergence of the rest's weighted pagerank, nodes cut off from the largest component (the original's \`removal\`)`,
      ).argParser(parseChoice("--removal", REMOVAL_DIMENSIONS)),
    )
    .addOption(option("--degree-dist <file>", "write the out-degree histogram as CSV to FILE and an SVG plot to FILE.svg (x.csv → x.svg)"))
    .action(async (flags: TopologyFlags) => {
      if (flags.degreeDist !== undefined && flags.degreeDist !== "-") checkOutputPath(flags.degreeDist, "--degree-dist");
      if (flags.removal !== undefined) {
        const { runRemoval, formatRemoval } = await import("../stages/topology/removal-run.ts");
        const report = await runRemoval({
          data: flags.data,
          ...(flags.run === undefined ? {} : { run: flags.run }),
          dimension: flags.removal,
          progress: !flags.json,
        });
        const out = flags.json ? `${JSON.stringify(report, null, 2)}\n` : formatRemoval(report);
        await new Promise<void>((resolve, reject) => process.stdout.write(out, (err) => (err ? reject(err) : resolve())));
        return;
      }
      const { runTopology } = await import("../stages/topology/run.ts");
      const { formatJson, formatText } = await import("../stages/topology/report.ts");
      const report = await runTopology({
        data: flags.data,
        ...(flags.run === undefined ? {} : { run: flags.run }),
        ...(flags.network === undefined ? {} : { network: flags.network }),
        ...(flags.groupBy === undefined ? {} : { groupBy: flags.groupBy }),
        conglomerate: flags.conglomerate === true,
        onlyCrawledNodes: flags.onlyCrawledNodes === true,
        betweennessSamples: flags.betweennessSamples,
        seed: flags.seed,
        ...(flags.degreeDist === undefined ? {} : { degreeDist: flags.degreeDist }),
      });
      const text = flags.json ? formatJson(report) : formatText(report);
      await new Promise<void>((resolve, reject) => process.stdout.write(text, (err) => (err ? reject(err) : resolve())));
    });
}
