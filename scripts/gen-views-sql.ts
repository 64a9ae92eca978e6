// Writes sql/views.sql from pipeline/schema (run after changing a schema; a test checks they agree).
// Usage: node --import tsx scripts/gen-views-sql.ts [--check]
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { writeFileAtomic } from "../pipeline/fsutil.ts";
import { renderViewsSql } from "../pipeline/schema/views-sql.ts";

const target = fileURLToPath(new URL("../sql/views.sql", import.meta.url));
const text = renderViewsSql();
if (process.argv.includes("--check")) {
  const current = await readFile(target, "utf8").catch(() => "");
  if (current !== text) {
    process.stderr.write("sql/views.sql is out of date: run node --import tsx scripts/gen-views-sql.ts\n");
    process.exit(1);
  }
} else {
  await writeFileAtomic(target, text);
  process.stdout.write(`wrote ${target}\n`);
}
