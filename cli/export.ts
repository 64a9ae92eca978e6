// The export commands: `fluxture kml`, `fluxture geojson` and `fluxture export`.
import { Command } from "commander";
import { dataOption, option, parseChoice, parseInteger, runOption } from "./options.ts";

const GROUPS = ["ip", "city", "country", "continent", "asn"] as const;
const FORMATS = ["csv", "arff", "jsonl", "bitnodes"] as const;

interface MapFlags {
  data: string;
  run?: string;
  groupBy: (typeof GROUPS)[number];
  maxEdges: number;
  pagerank?: boolean;
  edges?: boolean;
}

function mapCommand(kind: "kml" | "geojson"): Command {
  const command = new Command(kind)
    .argument("<output>", "output file, or - for stdout")
    .addOption(dataOption())
    .addOption(runOption())
    .addOption(
      option("--group-by <key>", `group nodes by ${GROUPS.join("|")}`)
        .argParser(parseChoice("--group-by", GROUPS))
        .default("ip"),
    )
    .addOption(
      option("--max-edges <n>", "draw at most N edges, strongest first")
        .argParser(parseInteger("--max-edges", 0, 10_000_000))
        .default(50_000),
    );
  if (kind === "kml") {
    command
      .description("export a run as a KML 2.2 document: node placemarks sized by pagerank and great-circle edge arcs")
      .addOption(option("--no-pagerank", "do not scale icons by pagerank"))
      .addOption(option("--no-edges", "leave out the edges folder"));
  } else {
    command
      .description("export a run as an RFC 7946 GeoJSON FeatureCollection (points; with --edges, great-circle lines)")
      .addOption(option("--edges", "include edges as LineStrings split at the antimeridian"));
  }
  return command.action(async (output: string, flags: MapFlags) => {
    const { runMapExport } = await import("../stages/export/run.ts");
    await runMapExport(kind, output, {
      data: flags.data,
      ...(flags.run === undefined ? {} : { run: flags.run }),
      groupBy: flags.groupBy,
      maxEdges: flags.maxEdges,
      pagerank: flags.pagerank !== false,
      edges: kind === "kml" ? flags.edges !== false : flags.edges === true,
    });
  });
}

/** `fluxture kml`, `fluxture geojson` and `fluxture export`, registered by the CLI. */
export function exportCommands(): Command[] {
  const table = new Command("export")
    .description("export a run's per-node table (csv, arff, jsonl) or the bitnodes.io snapshot JSON (bitnodes)")
    .argument("[output]", "output file, or - for stdout", "-")
    .addOption(option("--format <format>", FORMATS.join("|")).argParser(parseChoice("--format", FORMATS)).makeOptionMandatory())
    .addOption(dataOption())
    .addOption(runOption())
    .addOption(option("--only-crawled-nodes", "only nodes the crawler attempted (not those merely advertised)"))
    .action(async (output: string, flags: { format: (typeof FORMATS)[number]; data: string; run?: string; onlyCrawledNodes?: boolean }) => {
      const { runTableExport } = await import("../stages/export/run.ts");
      await runTableExport(flags.format, output, flags.data, flags.run, flags.onlyCrawledNodes === true);
    });
  return [mapCommand("kml"), mapCommand("geojson"), table];
}
