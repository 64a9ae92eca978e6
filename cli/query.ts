// `fluxture query`: SQL against the views over every run (inline, --file, --mart, or --checks).
import { Command } from "commander";
import { dataOption, option, parseChoice } from "./options.ts";

const FORMATS = ["table", "csv", "json"] as const;

/** Builds the `query` command; the implementation is loaded only when it runs. */
export function queryCommand(): Command {
  return new Command("query")
    .description("run SQL against the views over every sealed run (sql/views.sql, staging, marts)")
    .argument("[sql]", "SQL to run (several statements allowed; the last one's rows are printed)")
    .addOption(dataOption())
    .addOption(option("--format <format>", "output format: table|csv|json").default("table").argParser(parseChoice("--format", FORMATS)))
    .addOption(option("--file <file>", "run the SQL in FILE instead of an argument"))
    .addOption(option("--mart <name>", "print a mart by name (a file of sql/marts, e.g. concentration)"))
    .addOption(option("--checks", "run every sql/checks query; exit 1 listing the checks that return rows"))
    .action(async (sql: string | undefined, flags: { data: string; format: (typeof FORMATS)[number]; file?: string; mart?: string; checks?: boolean }) => {
      const { runQueryCommand } = await import("./actions/query.ts");
      await runQueryCommand({
        data: flags.data,
        format: flags.format,
        ...(sql !== undefined ? { sql } : {}),
        ...(flags.file !== undefined ? { file: flags.file } : {}),
        ...(flags.mart !== undefined ? { mart: flags.mart } : {}),
        ...(flags.checks ? { checks: true } : {}),
      });
    });
}
