// Runs the `fluxture` CLI: in-process through the program object (most tests), or as a real child process
// (the few that need one: signals, exit-time behaviour, the bin itself).
import { AsyncLocalStorage } from "node:async_hooks";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { execute } from "../../cli/program.ts";
import { setQuiet } from "../../pipeline/log.ts";

/** Path of the npm bin. */
export const FLUXTURE_BIN = fileURLToPath(new URL("../../bin/fluxture.js", import.meta.url));

/** What a CLI run printed and returned. */
export interface CliResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `fluxture ...args` to completion in a child process (no TTY, CI-like environment) and captures its output. */
export function fluxture(args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): CliResult {
  return spawnCli(process.execPath, [FLUXTURE_BIN, ...args], options);
}

/**
 * Runs `fluxture ...args` in a child process inside a private network namespace of its own (`unshare -rn`, only
 * loopback up), for commands that dial: whatever they reach, they reach nothing outside it.
 */
export function fluxtureInPrivateNetwork(args: readonly string[], options: { timeoutMs?: number } = {}): CliResult {
  return spawnCli("unshare", ["-rn", "sh", "-c", 'ip link set lo up && exec "$@"', "sh", process.execPath, FLUXTURE_BIN, ...args], options);
}

function spawnCli(command: string, argv: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): CliResult {
  const result = spawnSync(command, argv, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    encoding: "utf8",
    timeout: options.timeoutMs ?? 120_000,
    maxBuffer: 256 * 1024 * 1024,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

type Write = typeof process.stdout.write;
interface Sinks {
  out: string;
  err: string;
}

// Only writes made inside a cli() call are captured: the test runner reports to its parent through this
// process's stdout, and its writes (outside the call's async context) must pass through untouched.
const capture = new AsyncLocalStorage<Sinks>();
let installed = false;

function redirect(stream: NodeJS.WriteStream, key: keyof Sinks): void {
  const original = stream.write.bind(stream) as (...args: unknown[]) => boolean;
  stream.write = ((chunk: string | Uint8Array, encoding?: unknown, callback?: unknown): boolean => {
    const sinks = capture.getStore();
    if (sinks === undefined) return original(chunk, encoding, callback);
    sinks[key] += typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
    const cb = typeof encoding === "function" ? encoding : callback;
    if (typeof cb === "function") queueMicrotask(() => (cb as (err?: Error | null) => void)(null));
    return true;
  }) as Write;
}

let queue: Promise<unknown> = Promise.resolve();

/**
 * Runs `fluxture ...args` in this process through the program object (cli/program.ts's execute), with its
 * stdout and stderr captured and `env` (and `cwd`, the folder relative paths are read from) set for the call;
 * the status is what the bin would exit with. Calls are serialised, since they share process.env, the working
 * folder and the log level.
 */
export function cli(args: readonly string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<CliResult> {
  if (!installed) {
    redirect(process.stdout, "out");
    redirect(process.stderr, "err");
    installed = true;
  }
  const run = async (): Promise<CliResult> => {
    const sinks: Sinks = { out: "", err: "" };
    const env = Object.entries(options.env ?? {});
    const before = env.map(([k]) => [k, process.env[k]] as const);
    const apply = (pairs: readonly (readonly [string, string | undefined])[]) => {
      for (const [k, v] of pairs) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    };
    const home = process.cwd();
    apply(env);
    let status: number;
    try {
      if (options.cwd !== undefined) process.chdir(options.cwd);
      status = await capture.run(sinks, () => execute(["node", "fluxture", ...args]));
    } finally {
      process.chdir(home);
      apply(before);
      setQuiet(false);
    }
    return { status, stdout: sinks.out, stderr: sinks.err };
  };
  const next = queue.then(run, run);
  queue = next.catch(() => undefined);
  return next;
}

/** Rows of `fluxture query --format json SQL` over data folder `data`, run in this process; throws on a failed query. */
export async function queryJson<T = Record<string, unknown>>(data: string, sql: string): Promise<T[]> {
  const r = await cli(["query", "--data", data, "--format", "json", sql]);
  if (r.status !== 0) throw new Error(`fluxture query failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout) as T[];
}
