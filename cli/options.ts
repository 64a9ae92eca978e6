// Typed options shared by every command: defaults, validation, and the FLUXTURE_* env-var twin of each flag.
import { Option } from "commander";
import { UsageError } from "../pipeline/errors.ts";

import { DEFAULT_DATA_DIR } from "../pipeline/runs.ts";
import { NETWORK_NAMES } from "../lib/bitcoin/networks.ts";

/** The env-var twin of a long flag: `--max-nodes` → `FLUXTURE_MAX_NODES`. */
export function envName(flag: string): string {
  return `FLUXTURE_${flag
    .replace(/^--(no-)?/, "")
    .replace(/-/g, "_")
    .toUpperCase()}`;
}

/** A commander option whose env-var twin is derived from its long flag, so no flag lacks one. */
export function option(flags: string, description: string, env?: string): Option {
  const long = /--[a-z0-9-]+/.exec(flags)?.[0];
  if (long === undefined) throw new Error(`option without a long flag: ${flags}`);
  return new Option(flags, description).env(env ?? envName(long));
}

/** The `--data DIR` option every command that reads or writes runs takes. */
export function dataOption(): Option {
  return option("--data <dir>", "data folder (the run lake)").default(DEFAULT_DATA_DIR);
}

/** The `--run RUN_ID` option; absent means the newest succeeded run. */
export function runOption(): Option {
  return option("--run <run_id>", "run id (YYYYMMDDTHHMMSSZ); default: newest succeeded run");
}

/** Parses an integer flag within [min, max], with a one-line error naming the flag. */
export function parseInteger(flag: string, min: number, max: number): (value: string) => number {
  return (value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new UsageError(`${flag} must be an integer from ${min} to ${max}, got '${value}'`);
    }
    return n;
  };
}

/** Parses one of a closed set of values, with a one-line error listing the allowed ones. */
export function parseChoice<T extends string>(flag: string, choices: readonly T[]): (value: string) => T {
  return (value: string) => {
    if ((choices as readonly string[]).includes(value)) return value as T;
    throw new UsageError(`${flag} must be one of ${choices.join("|")}, got '${value}'`);
  };
}

/** The `--network NAME` option of every command that picks a run (with no --run: the newest succeeded run
 * of this network); the same flags text everywhere, so FLUXTURE_NETWORK stays one meaning. */
export function networkOption(description = "with no --run: the newest succeeded run of this network"): Option {
  return option("--network <network>", `${description} (${NETWORK_NAMES.join("|")})`).argParser(parseChoice("--network", NETWORK_NAMES));
}

/** The grouping keys every `--group-by` takes (topology, kml, geojson). */
export const GROUP_BY_KEYS = ["ip", "city", "country", "continent", "asn", "version"] as const;

/** One of GROUP_BY_KEYS. */
export type GroupByKey = (typeof GROUP_BY_KEYS)[number];

/** The `--group-by KEY` option, the same keys wherever it exists. */
export function groupByOption(description: string): Option {
  return option("-g, --group-by <key>", `${description}: ${GROUP_BY_KEYS.join("|")}`).argParser(parseChoice("--group-by", GROUP_BY_KEYS));
}
