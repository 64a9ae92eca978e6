// Runs the real `fluxture` CLI as a child process, as a user would.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

/** Path of the npm bin. */
export const FLUXTURE_BIN = fileURLToPath(new URL("../../bin/fluxture.js", import.meta.url));

/** What a CLI run printed and returned. */
export interface CliResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `fluxture ...args` to completion (no TTY, CI-like environment) and captures its output. */
export function fluxture(args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): CliResult {
  const result = spawnSync(process.execPath, [FLUXTURE_BIN, ...args], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    encoding: "utf8",
    timeout: options.timeoutMs ?? 120_000,
    maxBuffer: 256 * 1024 * 1024,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
