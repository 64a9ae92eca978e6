// The export commands: `fluxture kml`, `fluxture geojson` and `fluxture export`.
import { Command } from "commander";
import type { NetworkName } from "../lib/bitcoin/networks.ts";
import { checkOutputPath } from "./output.ts";
import { dataOption, type GroupByKey, groupByOption, networkOption, option, parseChoice, parseInteger, runOption } from "./options.ts";

const FORMATS = ["csv", "arff", "jsonl", "bitnodes"] as const;

const EDGES = ["city", "country", "all", "none"] as const;

interface MapFlags {
  data: string;
  run?: string;
  network?: NetworkName;
  groupBy: GroupByKey;
  edges: (typeof EDGES)[number] | false;
  maxEdges?: number;
  pagerank?: boolean;
  kmz?: boolean;
}

function mapCommand(kind: "kml" | "geojson"): Command {
  const command = new Command(kind)
    .argument("<output>", "output file, or - for stdout")
    .addOption(dataOption())
    .addOption(runOption())
    .addOption(networkOption())
    .addOption(groupByOption("group nodes by").default("ip"))
    .addOption(
      option("--edges <mode>", "city|country: arcs summing the node edges between cities (countries), the strongest first; all: every node edge (large); none")
        .argParser(parseChoice("--edges", EDGES))
        .default("city"),
    )
    .addOption(option("--no-edges", "same as --edges none"))
    .addOption(
      option("--max-edges <n>", "draw at most N arcs, strongest first (default 1000 aggregated, every edge with --edges all)").argParser(
        parseInteger("--max-edges", 0, 10_000_000),
      ),
    )
    .addOption(option("--no-pagerank", "do not size points by pagerank"));
  if (kind === "kml") {
    command
      .description("export a run as a KML 2.2 document: node placemarks sized by pagerank and great-circle arcs between cities")
      .addOption(option("--kmz", "write a zipped KMZ (doc.kml inside) instead of plain KML"));
  } else {
    command.description("export a run as an RFC 7946 GeoJSON FeatureCollection: node points and great-circle lines between cities");
  }
  return command.action(async (output: string, flags: MapFlags) => {
    checkOutputPath(output);
    const { runMapExport } = await import("../stages/export/run.ts");
    await runMapExport(kind, output, {
      data: flags.data,
      ...(flags.run === undefined ? {} : { run: flags.run }),
      ...(flags.network === undefined ? {} : { network: flags.network }),
      groupBy: flags.groupBy,
      edges: flags.edges === false ? "none" : flags.edges,
      ...(flags.maxEdges === undefined ? {} : { maxEdges: flags.maxEdges }),
      pagerank: flags.pagerank !== false,
      kmz: flags.kmz === true,
    });
  });
}

/** `fluxture kml`, `fluxture geojson` and `fluxture export`, registered by the CLI. */
export function exportCommands(): Command[] {
  const table = new Command("export")
    .description("export a run's per-node table (csv, arff, jsonl) or the bitnodes.io snapshot JSON (bitnodes)")
    .argument("[output]", "output file, or - for stdout", "-")
    .addOption(option("-f, --format <format>", FORMATS.join("|")).argParser(parseChoice("--format", FORMATS)).makeOptionMandatory())
    .addOption(dataOption())
    .addOption(runOption())
    .addOption(networkOption())
    .addOption(option("--only-crawled-nodes", "only nodes the crawler attempted (not those merely advertised)"))
    .action(
      async (output: string, flags: { format: (typeof FORMATS)[number]; data: string; run?: string; network?: NetworkName; onlyCrawledNodes?: boolean }) => {
        checkOutputPath(output);
        const { runTableExport } = await import("../stages/export/run.ts");
        await runTableExport(flags.format, output, flags.data, flags.run, flags.onlyCrawledNodes === true, flags.network);
      },
    );
  return [mapCommand("kml"), mapCommand("geojson"), table];
}
