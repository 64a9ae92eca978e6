// Where a command's output goes: the path the user typed is checked before any work (a missing or
// unwritable folder is one `fluxture: …` line naming that path), and status lines respect --quiet.
import { accessSync, constants, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { UsageError } from "../pipeline/errors.ts";
import { errorsOnly } from "../pipeline/log.ts";

/** Checks that `typed` (an output file path as the user typed it, `-` for stdout) can be written:
 * its folder exists, is a folder and is writable, and the path is not itself a folder. */
export function checkOutputPath(typed: string, flag = "output"): void {
  if (typed === "-") return;
  if (typed === "") throw new UsageError(`${flag} is empty: give a file path or - for stdout`);
  const dir = dirname(resolve(typed));
  let isDir: boolean;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    throw new UsageError(`cannot write ${typed}: folder ${dirname(typed)} does not exist`);
  }
  if (!isDir) throw new UsageError(`cannot write ${typed}: ${dirname(typed)} is not a folder`);
  try {
    if (statSync(typed).isDirectory()) throw new UsageError(`cannot write ${typed}: it is a folder; give a file path`);
  } catch (err) {
    if (err instanceof UsageError) throw err;
    /* does not exist yet: fine */
  }
  try {
    accessSync(dir, constants.W_OK);
  } catch {
    throw new UsageError(`cannot write ${typed}: folder ${dirname(typed)} is not writable`);
  }
}

/** Writes a human status line to stdout unless --quiet asked for errors only (data and --json always print). */
export function status(line: string): void {
  if (errorsOnly()) return;
  process.stdout.write(`${line}\n`);
}
