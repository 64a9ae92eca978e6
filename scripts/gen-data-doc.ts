// Writes docs/DATA.md from pipeline/schema (run after changing a schema; a test checks they agree).
// Usage: node --import tsx scripts/gen-data-doc.ts [--check]
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { writeFileAtomic } from "../pipeline/fsutil.ts";
import { renderDataDoc } from "../pipeline/schema/doc.ts";

const target = fileURLToPath(new URL("../docs/DATA.md", import.meta.url));
const text = renderDataDoc();
if (process.argv.includes("--check")) {
  const current = await readFile(target, "utf8").catch(() => "");
  if (current !== text) {
    process.stderr.write("docs/DATA.md is out of date: run node --import tsx scripts/gen-data-doc.ts\n");
    process.exit(1);
  }
} else {
  await writeFileAtomic(target, text);
  process.stdout.write(`wrote ${target}\n`);
}
