// `fluxture import-fluxture CRAWL_DB`: brings an original fluxture crawl database into the lake as sealed runs.
import { Command } from "commander";
import { dataOption, option, parseChoice, parseInteger } from "./options.ts";
import { NETWORK_NAMES, type NetworkName } from "../lib/bitcoin/networks.ts";

interface ImportFlags {
  data: string;
  network: NetworkName;
  crawlGap: number;
  json?: boolean;
}

/** Builds the `import-fluxture` command; the importer is loaded only when it runs. */
export function importCommand(): Command {
  return new Command("import-fluxture")
    .description(
      "import a crawl database of the original Python fluxture (crawl.db, SQLite) as one sealed run per crawl it holds " +
        "(see docs/MIGRATING.md); importing the same file again keeps the runs already made",
    )
    .argument("<crawl_db>", "the original's SQLite crawl database")
    .addOption(dataOption())
    .addOption(
      option("--network <network>", "network the database crawled (the original crawled mainnet only)")
        .argParser(parseChoice("--network", NETWORK_NAMES))
        .default("mainnet"),
    )
    .addOption(
      option("--crawl-gap <s>", "seconds without a stored reply that separate two crawls in one file")
        .argParser(parseInteger("--crawl-gap", 1, 31_536_000))
        .default(3600),
    )
    .addOption(option("--json", "print the imported runs as JSON on stdout"))
    .action(async (crawlDb: string, flags: ImportFlags) => {
      const { runImport } = await import("../stages/import/run.ts");
      const { setQuiet } = await import("../pipeline/log.ts");
      if (flags.json) setQuiet(true);
      const summary = await runImport({ source: crawlDb, dataDir: flags.data, network: flags.network, crawlGapS: flags.crawlGap });
      const text = flags.json
        ? `${JSON.stringify(summary, null, 2)}\n`
        : summary.runs
            .map(
              (r) =>
                `run ${r.runId} (${summary.network}) crawl ${r.crawl}/${summary.runs.length} of ${summary.source}: ` +
                `${r.visits} visits, ${r.addrs} addrs, ${r.located} located${r.imported ? "" : " (already imported)"}\n`,
            )
            .join("");
      await new Promise<void>((resolve, reject) => process.stdout.write(text, (err) => (err ? reject(err) : resolve())));
    });
}
