// The original fluxture's command forms, understood before commander parses: a positional CRAWL_DB that is an SQLite
// file is imported (stages/import) and replaced by `--data DIR --run ID`; long flags the original had become ours;
// flags that no longer exist stop with one line giving the exact new command. docs/MIGRATING.md lists every form.
import { basename, dirname, extname, join } from "node:path";
import { UsageError } from "../pipeline/errors.ts";
import { log } from "../pipeline/log.ts";
import { isSqliteFile } from "../stages/import/detect.ts";
import { commandEnvName } from "./voice.ts";

/** Commands whose original form took a CRAWL_DB positional, and what the positional becomes. */
const TAKES_CRAWL_DB: Readonly<Record<string, "run" | "all" | "lake">> = {
  kml: "run",
  geojson: "run",
  topology: "run",
  export: "run",
  report: "run",
  removal: "run",
  geolocate: "all",
  unreachable: "lake",
};

/** Long flags of the original that are ours under another name, per command ("*" = every command). */
const RENAMED: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  geolocate: { "--city-db-path": "--city-db" },
  analyze: { "--city-db-path": "--city-db" },
  crawl: { "--max-connections": "--concurrency" },
};

/** Original commands that are ours under another name: `removal` is a topology analysis, `unreachable` a mart. */
const RENAMED_COMMANDS: Readonly<Record<string, readonly string[]>> = {
  removal: ["topology", "--removal", "country"],
  unreachable: ["query", "--mart", "unreachable"],
};

const flagName = (arg: string) => arg.split("=")[0]!;

/** The value of `--flag V` or `--flag=V` in args, or undefined. */
function flagValue(args: readonly string[], flag: string): string | undefined {
  for (let i = 0; i < args.length; i++) {
    if (args[i] === flag) return args[i + 1];
    if (args[i]!.startsWith(`${flag}=`)) return args[i]!.slice(flag.length + 1);
  }
  return undefined;
}

/** args without `--flag V` / `--flag=V`. */
function without(args: readonly string[], flags: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (flags.includes(a)) {
      i++;
      continue;
    }
    if (flags.some((f) => a.startsWith(`${f}=`))) continue;
    out.push(a);
  }
  return out;
}

const quote = (a: string) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, "'\\''")}'`);
const command = (args: readonly string[]) => ["fluxture", ...args].map(quote).join(" ");

/** The data folder an old crawl.db is imported into when no --data is given: `<file>.fluxture` beside it. */
export function cacheDataDir(crawlDb: string): string {
  return join(dirname(crawlDb), `${basename(crawlDb)}.fluxture`);
}

function stopForRemovedFlags(cmd: string, args: readonly string[]): void {
  if (args.some((a) => flagName(a) === "--maxmind-license-key")) {
    const rest = without(args, ["--maxmind-license-key"]);
    const then = cmd === "update-geo-db" ? "" : `, then ${command([cmd, ...rest])}`;
    throw new UsageError(
      `--maxmind-license-key is gone: license keys come from the environment, never a flag (a flag lands in shell history); run MAXMIND_ACCOUNT_ID=<id> MAXMIND_LICENSE_KEY=<key> fluxture update-geo-db${then}`,
    );
  }
  if (cmd !== "crawl") return;
  const database = flagValue(args, "--database") ?? flagValue(args, "-db");
  if (database !== undefined || args.includes("--database") || args.includes("-db")) {
    const data = database === undefined ? "DIR" : join(dirname(database), basename(database, extname(database)) || "data");
    const rest = without(args, ["--database", "-db"]).map((a) => (a === "--max-connections" ? "--concurrency" : a));
    throw new UsageError(
      `crawl --database is gone: runs are Parquet folders in a data folder, not one SQLite file; run ${command([cmd, ...rest, "--data", data])}` +
        (database !== undefined && isSqliteFile(database) ? ` (and ${command(["import-fluxture", database, "--data", data])} for the existing database)` : ""),
    );
  }
  if (args.some((a) => flagName(a) === "--city-db-path")) {
    const city = flagValue(args, "--city-db-path") ?? "FILE";
    throw new UsageError(
      `crawl does not geolocate while crawling: run ${command([cmd, ...without(args, ["--city-db-path"])])}, then ${command(["analyze", "--city-db", city])}`,
    );
  }
}

/**
 * Rewrites `argv` (process.argv form) from the original's command forms to ours; imports a CRAWL_DB positional on
 * the way. Returns argv unchanged when nothing in it is an old form.
 */
export async function rewriteLegacyArgv(argv: readonly string[]): Promise<string[]> {
  const head = argv.slice(0, 2);
  let args = argv.slice(2);
  const cmd = args[0];
  if (cmd === undefined || cmd.startsWith("-")) return [...argv];
  args = args.slice(1);
  stopForRemovedFlags(cmd, args);
  const renamed = RENAMED[cmd] ?? {};
  args = args.map((a) => {
    const to = renamed[flagName(a)];
    return to === undefined ? a : a.includes("=") ? `${to}=${a.slice(a.indexOf("=") + 1)}` : to;
  });
  const mode = TAKES_CRAWL_DB[cmd];
  const crawlDbs = mode === undefined ? [] : args.filter((a) => !a.startsWith("-") && isSqliteFile(a));
  if (crawlDbs.length > 1) throw new UsageError(`${cmd} takes one crawl database, got ${crawlDbs.length}: ${crawlDbs.join(", ")}`);
  let name = [cmd];
  if (RENAMED_COMMANDS[cmd] !== undefined) {
    if (crawlDbs.length === 0) throw new UsageError(`${cmd} is \`${command(RENAMED_COMMANDS[cmd])}\` now; the old form takes a crawl.db`);
    name = [...RENAMED_COMMANDS[cmd]];
  }
  if (crawlDbs.length === 0) return [...head, ...name, ...args];
  const crawlDb = crawlDbs[0]!;
  args = args.filter((a) => a !== crawlDb);
  const targetCommand = name[0]!;
  const explicitData = flagValue(args, "--data") ?? (process.env[commandEnvName(targetCommand, "--data")] || process.env.FLUXTURE_DATA || undefined);
  const dataDir = explicitData ?? cacheDataDir(crawlDb);
  const { runImport } = await import("../stages/import/run.ts");
  const summary = await runImport({ source: crawlDb, dataDir });
  const newest = summary.runs.at(-1)!;
  const added: string[] = explicitData === undefined ? ["--data", dataDir] : [];
  if (mode === "run" && flagValue(args, "--run") === undefined) added.push("--run", newest.runId);
  if (mode === "all" && explicitData === undefined && !args.includes("--run")) added.push("--all");
  if (cmd === "export" && flagValue(args, "--format") === undefined && flagValue(args, "-f") === undefined) added.push("--format", "arff"); // the original's default
  const rewritten = [...name, ...added, ...args];
  const fresh = summary.runs.some((r) => r.imported);
  log(
    "info",
    `${crawlDb} is an original fluxture crawl database: ${fresh ? "imported into" : "already imported in"} ${dataDir} ` +
      `(${summary.runs.length} run${summary.runs.length === 1 ? "" : "s"}, newest ${newest.runId}); running ${command(rewritten)}`,
  );
  return [...head, ...rewritten];
}
