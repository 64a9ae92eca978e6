// One CLI voice: every usage error is `fluxture: …` with exit 2 (commander's own included), every command's
// flags have per-command env twins (old global names still read where unambiguous), every command takes
// --quiet, and a closed stdout pipe (`… | head`) ends the process quietly with exit 0.
import type { Command, CommanderError, Option } from "commander";
import { errorsOnly, setQuiet } from "../pipeline/log.ts";
import { envName, option } from "./options.ts";

/** Exit status of every usage error (bad flag, bad value, missing argument), commander's and ours. */
export const USAGE_EXIT = 2;

/** The per-command env twin of a flag: `crawl --seed` → `FLUXTURE_CRAWL_SEED`, `crawl --no-dns-seeds` → `FLUXTURE_CRAWL_NO_DNS_SEEDS`. */
export function commandEnvName(command: string, long: string): string {
  return `FLUXTURE_${command}_${long.replace(/^--/, "")}`.replace(/-/g, "_").toUpperCase();
}

/** The old global env name of an option: the one it was declared with (`FLUXTURE_NO_DNS_SEEDS`). */
function globalEnvName(o: Option): string {
  return o.envVar ?? envName(o.long ?? "");
}

/** Options that take part in env twins (every long flag but --help and --version). */
function twinned(c: Command): Option[] {
  return c.options.filter((o) => o.long !== undefined && o.long !== "--help" && o.long !== "--version");
}

/** Every leaf command (one that runs an action) under `root`, with its command name. */
function leaves(root: Command): Command[] {
  const out: Command[] = [];
  /** Bounded recursion: one level per subcommand nesting of the program (two at most). */
  const walk = (c: Command): void => {
    if (c.commands.length === 0) out.push(c);
    else for (const sub of c.commands) walk(sub);
  };
  for (const sub of root.commands) walk(sub);
  return out;
}

/** Old global env names (`FLUXTURE_SEED`) that still mean one thing: the flag is declared the same way
 * (same flags text, same description) by every command that has it, or by only one command. */
function unambiguousGlobals(commands: readonly Command[]): Set<string> {
  const shapes = new Map<string, Set<string>>();
  for (const c of commands) {
    for (const o of twinned(c)) {
      const name = globalEnvName(o);
      const set = shapes.get(name) ?? new Set<string>();
      set.add(`${o.flags.replace(/^-[A-Za-z], /, "")}\u0000${sameMeaning(o)}`); // a short alias (-c) does not change the meaning
      shapes.set(name, set);
    }
  }
  return new Set([...shapes].filter(([, set]) => set.size === 1).map(([name]) => name));
}

/** What makes two declarations of a flag the same: its value placeholder, or for a few shared flags just the flag. */
function sameMeaning(o: Option): string {
  // --data, --run, --network, --json, --quiet, --city-db, --asn-db mean the same wherever they appear
  return SHARED_FLAGS.has(o.long ?? "") ? "" : o.description;
}

const SHARED_FLAGS = new Set([
  "--data",
  "--run",
  "--network",
  "--json",
  "--quiet",
  "--city-db",
  "--asn-db",
  "--only-crawled-nodes",
  "--max-edges",
  "--group-by",
]);

/** Prints commander's messages in the project's voice: one `fluxture: …` line, the help hint on the same line. */
function voiceOutput(command: Command): void {
  const path = commandPath(command);
  command.configureOutput({
    outputError: (str, write) => {
      const text = str
        .replace(/^error: /, "")
        .replace(/\s*\n\s*/g, " ")
        .trim();
      write(`fluxture: ${path === "fluxture" ? "" : `${path.replace(/^fluxture /, "")}: `}${text} (see \`${path} --help\`)\n`);
    },
  });
}

function commandPath(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c !== null; c = c.parent) names.unshift(c.name());
  return names.join(" ");
}

/** Gives every leaf command `--quiet` (only errors on stderr) and hooks it to the logger before the action runs. */
function addQuiet(command: Command): void {
  if (!command.options.some((o) => o.long === "--quiet")) {
    command.addOption(option("--quiet", "print only errors (no progress, info or warning lines, no status lines)"));
  }
  let before: boolean | null = null;
  command.hook("preAction", (_self, action) => {
    if (action.opts().quiet !== true) return;
    before = errorsOnly();
    setQuiet("errors");
  });
  command.hook("postAction", () => {
    if (before === false) setQuiet(false); // in-process callers (tests) get their logger back
    before = null;
  });
}

/** Applies the CLI voice to a built program: error routing, per-command env twins (old names copied where
 * unambiguous), `--quiet` everywhere. Call once, after every command is registered. */
export function applyVoice(program: Command): Command {
  program.exitOverride();
  voiceOutput(program);
  const commands = leaves(program);
  for (const c of commands) addQuiet(c);
  const globals = unambiguousGlobals(commands);
  for (const c of commands) {
    let walk: Command | null = c;
    while (walk !== null) {
      walk.exitOverride();
      voiceOutput(walk);
      walk = walk.parent;
    }
    const fallbacks: { option: Option; own: string; legacy: string }[] = [];
    for (const o of twinned(c)) {
      const own = commandEnvName(c.name(), o.long ?? "");
      const legacy = globalEnvName(o);
      o.env(own);
      if (legacy !== own && globals.has(legacy)) fallbacks.push({ option: o, own, legacy });
    }
    readLegacyEnv(c, fallbacks);
  }
  return program;
}

/** The old global name is read (never over the new name or a flag) when it still means one thing. It is read
 * at parse time and never copied into process.env, so one in-process run cannot leak a value into the next. */
function readLegacyEnv(c: Command, fallbacks: readonly { option: Option; own: string; legacy: string }[]): void {
  if (fallbacks.length === 0) return;
  c.hook("preAction", (_self, action) => {
    for (const { option, own, legacy } of fallbacks) {
      const value = process.env[legacy];
      if (value === undefined || process.env[own] !== undefined) continue;
      const key = option.attributeName();
      const source = action.getOptionValueSource(key);
      if (action.getOptionValue(key) !== undefined && source !== undefined && source !== "default") continue;
      // as commander reads an env twin: a flag without a value is switched on (off for --no-…), a value goes through its parser
      const parsed = option.required || option.optional ? (option.parseArg ? option.parseArg(value, action.getOptionValue(key)) : value) : !option.negate;
      action.setOptionValueWithSource(key, parsed, "env");
    }
  });
}

/** True when `err` is commander's "help or version was printed" (exit 0), not a usage error. */
function isCleanExit(err: CommanderError): boolean {
  return err.exitCode === 0;
}

/** Exit status for a CommanderError: 0 for help/version, USAGE_EXIT for every usage error. */
export function commanderExit(err: CommanderError): number {
  return isCleanExit(err) ? 0 : USAGE_EXIT;
}

let stdoutGuarded = false;

/** Ends the process quietly with exit 0 when the reader of stdout goes away (`fluxture query … | head`):
 * the rest of the output has nowhere to go, and nothing the command writes to the data folder is pending
 * by the time it prints (every command prints after its writes). */
export function guardStdout(stream: NodeJS.WriteStream = process.stdout): void {
  if (stdoutGuarded) return;
  stdoutGuarded = true;
  stream.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code === "EPIPE" || err.code === "ERR_STREAM_DESTROYED") process.exit(0);
    throw err;
  });
}

/** True for the error a write to a closed pipe raises. */
export function isBrokenPipe(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === "EPIPE" || code === "ERR_STREAM_DESTROYED";
}
