// CLI definitions of `fluxture geolocate` and `fluxture update-geo-db`; implementations load lazily in the actions.
import { Command } from "commander";
import { dataOption, networkOption, option, runOption } from "./options.ts";
import { status } from "./output.ts";
import type { NetworkName } from "../lib/bitcoin/networks.ts";

/** Flags of `fluxture geolocate` as commander parses them. */
interface GeolocateFlags {
  data: string;
  run?: string;
  all?: boolean;
  network?: NetworkName;
  cityDb?: string;
  asnDb?: string;
  processAll?: boolean;
  json?: boolean;
}

/** `fluxture geolocate`: City + ASN lookups of every address of a run into its geo.parquet. */
export function geolocateCommand(): Command {
  return new Command("geolocate")
    .description("look up every address of a run in MaxMind City and ASN databases (writes the run's geo.parquet)")
    .addOption(dataOption())
    .addOption(runOption())
    .addOption(option("--all", "every succeeded run in --data (of --network if given)"))
    .addOption(networkOption("narrow the run choice (or --all) to one network"))
    .addOption(option("-c, --city-db <path>", "MaxMind City database (default <data>/geo/GeoLite2-City.mmdb)", "FLUXTURE_CITY_DB"))
    .addOption(option("--asn-db <path>", "MaxMind ASN database, optional (default <data>/geo/GeoLite2-ASN.mmdb)", "FLUXTURE_ASN_DB"))
    .addOption(option("-a, --process-all", "redo runs already geolocated with the same database builds"))
    .addOption(option("--json", "print the summary as JSON on stdout"))
    .action(async (flags: GeolocateFlags) => {
      const m = await import("../stages/geolocate/run.ts");
      const { acquireLock } = await import("../pipeline/lock.ts");
      const { setQuiet } = await import("../pipeline/log.ts");
      if (flags.json) setQuiet(true);
      const opts = {
        dataDir: flags.data,
        run: flags.run,
        all: flags.all ?? false,
        network: flags.network,
        cityDb: flags.cityDb,
        asnDb: flags.asnDb,
        processAll: flags.processAll ?? false,
        progress: !flags.json,
      };
      const { UsageError } = await import("../pipeline/errors.ts");
      if (opts.all && opts.run !== undefined) throw new UsageError("--run and --all exclude each other");
      const dbs = await m.openGeoDatabases(m.resolveDbPaths(opts)); // before the lock: a bad database writes nothing
      const lock = await acquireLock(flags.data, "geolocate", { mustExist: true });
      try {
        const summary = await m.geolocateWith(dbs, { ...opts, lock });
        if (flags.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
        else for (const r of summary.runs) status(m.formatResult(r));
      } finally {
        await lock.release();
      }
    });
}

/** Flags of `fluxture update-geo-db` as commander parses them. */
interface UpdateGeoDbFlags {
  geoDir?: string;
  data: string;
  editions: string;
  baseUrl: string;
  licenseKeyFile?: string;
  json?: boolean;
}

/** `fluxture update-geo-db`: download, verify and install the GeoLite2 databases. */
export function updateGeoDbCommand(): Command {
  return new Command("update-geo-db")
    .description("download the GeoLite2 databases from MaxMind (needs MAXMIND_ACCOUNT_ID and MAXMIND_LICENSE_KEY, or --license-key-file)")
    .addOption(dataOption())
    .addOption(option("--geo-dir <dir>", "where the .mmdb files go (default <data>/geo)"))
    .addOption(option("--editions <list>", "comma-separated MaxMind edition ids").default("GeoLite2-City,GeoLite2-ASN"))
    .addOption(option("--base-url <url>", "MaxMind download server").default("https://download.maxmind.com"))
    .addOption(option("--license-key-file <file>", "file with `AccountID <id>` and `LicenseKey <key>` lines (GeoIP.conf style)"))
    .addOption(option("--json", "print the installed databases as JSON on stdout"))
    .action(async (flags: UpdateGeoDbFlags) => {
      const m = await import("../stages/geolocate/update/index.ts");
      const { join } = await import("node:path");
      const { setQuiet } = await import("../pipeline/log.ts");
      if (flags.json) setQuiet(true);
      const installed = await m.updateGeoDb({
        geoDir: flags.geoDir ?? join(flags.data, "geo"),
        editions: m.parseEditions(flags.editions),
        baseUrl: flags.baseUrl,
        credentials: await m.loadCredentials(flags.licenseKeyFile, process.env),
        progress: !flags.json,
      });
      if (flags.json) process.stdout.write(`${JSON.stringify(installed, null, 2)}\n`);
      else for (const db of installed) status(m.formatInstalled(db));
    });
}
