// A command whose issue has not landed: listed in --help, exits non-zero when run.
import { Command } from "commander";
import { NotImplementedError } from "../errors.ts";

/** Builds a placeholder command that fails with "not implemented yet" (exit 3). */
export function stubCommand(name: string, summary: string): Command {
  return new Command(name)
    .description(`${summary} (not implemented yet)`)
    .allowUnknownOption(true)
    .allowExcessArguments(true)
    .action(() => {
      throw new NotImplementedError(name);
    });
}
