// The export commands: `fluxture kml`, `fluxture geojson` and `fluxture export`.
import { Command } from "commander";
import { dataOption, option, parseChoice, parseInteger, runOption } from "./options.ts";

const GROUPS = ["ip", "city", "country", "continent", "asn"] as const;
const FORMATS = ["csv", "arff", "jsonl", "bitnodes"] as const;

const EDGES = ["city", "country", "all", "none"] as const;

interface MapFlags {
  data: string;
  run?: string;
  groupBy: (typeof GROUPS)[number];
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
    .addOption(
      option("-g, --group-by <key>", `group nodes by ${GROUPS.join("|")}`)
        .argParser(parseChoice("--group-by", GROUPS))
        .default("ip"),
    )
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
    const { runMapExport } = await import("../stages/export/run.ts");
    await runMapExport(kind, output, {
      data: flags.data,
      ...(flags.run === undefined ? {} : { run: flags.run }),
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
    .addOption(option("--only-crawled-nodes", "only nodes the crawler attempted (not those merely advertised)"))
    .action(async (output: string, flags: { format: (typeof FORMATS)[number]; data: string; run?: string; onlyCrawledNodes?: boolean }) => {
      const { runTableExport } = await import("../stages/export/run.ts");
      await runTableExport(flags.format, output, flags.data, flags.run, flags.onlyCrawledNodes === true);
    });
  return [mapCommand("kml"), mapCommand("geojson"), table];
}
