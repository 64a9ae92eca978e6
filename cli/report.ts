// `fluxture report`: one self-contained HTML report of a run, with trend charts over the network's runs; or,
// with --site DIR, a static dashboard of every sealed run.
import { Command } from "commander";
import type { NetworkName } from "../lib/bitcoin/networks.ts";
import { UsageError } from "../pipeline/errors.ts";
import { checkOutputPath } from "./output.ts";
import { dataOption, networkOption, option, runOption } from "./options.ts";

const UNIT_MS: Readonly<Record<string, number>> = { h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `--since`: an age (`30d`, `12h`, `8w`) counted back from now, or an ISO date (`2026-11-01`). */
export function parseSince(value: string, now = new Date()): Date {
  const age = /^(\d+)([hdw])$/.exec(value);
  if (age) return new Date(now.getTime() - Number(age[1]) * UNIT_MS[age[2]!]!);
  if (/^\d{4}-\d{2}-\d{2}/.test(value) && !Number.isNaN(Date.parse(value))) return new Date(value);
  throw new UsageError(`--since must be an age such as 30d, 12h or 8w, or a date such as 2026-11-01, got '${value}'`);
}

/** The report command, registered by the CLI. */
export function reportCommand(): Command {
  return new Command("report")
    .description("write a self-contained HTML report of a run (summary, world map, countries, ASes, versions, concentration, trends over runs), or --site DIR")
    .argument("[output]", "output HTML file, or - for stdout (not with --site)")
    .addOption(dataOption())
    .addOption(runOption())
    .addOption(networkOption())
    .addOption(
      option("--since <age>", "trend charts cover sealed runs since then: 30d, 12h, 8w or 2026-11-01 (default: every run)").argParser((v) => parseSince(v)),
    )
    .addOption(
      option("--site <dir>", "write a static site instead: index.html with trend charts, one page per run, the map, links to exports and Parquet files"),
    )
    .action(async (output: string | undefined, flags: { data: string; run?: string; network?: NetworkName; since?: Date; site?: string }) => {
      if (flags.site === undefined && output === undefined) throw new UsageError("report needs an OUTPUT file (or - for stdout), or --site DIR");
      if (flags.site !== undefined && output !== undefined) throw new UsageError("report takes either an OUTPUT file or --site DIR, not both");
      if (output !== undefined) checkOutputPath(output);
      const { runReport } = await import("../stages/report/run.ts");
      await runReport(flags.data, output, {
        ...(flags.run === undefined ? {} : { runId: flags.run }),
        ...(flags.network === undefined ? {} : { network: flags.network }),
        since: flags.since ?? null,
        ...(flags.site === undefined ? {} : { site: flags.site }),
      });
    });
}
