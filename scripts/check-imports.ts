// Import-boundary check run by `make test`: a stage never imports another stage (the pure wire codec
// stages/crawl/protocol is the one shared leaf library), the codec imports only node: built-ins, and
// pipeline/ imports no stage except from the composition root (pipeline/cli.ts).
import { readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";

/** One broken rule: the importing file, the specifier and why it is not allowed. */
export interface Violation {
  readonly file: string;
  readonly specifier: string;
  readonly reason: string;
}

const IMPORT_RE = /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*["']([^"']+)["']|import\s*\(\s*["']([^"']+)["']\s*\)|^\s*import\s*["']([^"']+)["']/gm;

/** The module specifiers a TypeScript source imports (static, re-export, side-effect and dynamic). */
export function importsOf(source: string): string[] {
  const out: string[] = [];
  for (const m of source.matchAll(IMPORT_RE)) {
    const spec = m[1] ?? m[2] ?? m[3];
    if (spec !== undefined) out.push(spec);
  }
  return out;
}

/** The stage a repo-relative path belongs to (`stages/<name>/…`), or undefined. */
function stageOf(path: string): string | undefined {
  const parts = path.split("/");
  return parts[0] === "stages" && parts.length > 2 ? parts[1] : undefined;
}

/** Checks one file's imports against the rules; `file` is repo-relative with forward slashes. */
export function checkFile(file: string, specifiers: readonly string[]): Violation[] {
  const violations: Violation[] = [];
  const isProtocol = file.startsWith("stages/crawl/protocol/");
  for (const specifier of specifiers) {
    const relativeSpec = specifier.startsWith(".");
    const target = relativeSpec ? relative(".", resolve(dirname(file), specifier)).split(sep).join("/") : undefined;
    if (isProtocol) {
      const ok = specifier.startsWith("node:") || (target !== undefined && target.startsWith("stages/crawl/protocol/"));
      if (!ok) violations.push({ file, specifier, reason: "the wire codec imports only node: built-ins and itself" });
      continue;
    }
    if (target === undefined) continue;
    const from = stageOf(file);
    const to = stageOf(target);
    const isCodec = target.startsWith("stages/crawl/protocol/");
    if (from !== undefined && to !== undefined && from !== to && !isCodec) {
      violations.push({ file, specifier, reason: `stage '${from}' imports stage '${to}'` });
    }
    if (from !== undefined && target === "pipeline/cli.ts") {
      violations.push({ file, specifier, reason: "a stage never imports the CLI" });
    }
    if (file.startsWith("pipeline/") && file !== "pipeline/cli.ts" && to !== undefined) {
      violations.push({ file, specifier, reason: "pipeline/ imports no stage (only pipeline/cli.ts composes them)" });
    }
  }
  return violations;
}

function walk(dir: string, out: string[]): void {
  for (const name of readdirSync(dir)) {
    if (name === "node_modules") continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, out);
    else if (path.endsWith(".ts")) out.push(path);
  }
}

/** Every violation in the pipeline/ and stages/ trees under `root`. */
export function checkTree(root: string): Violation[] {
  const files: string[] = [];
  for (const top of ["pipeline", "stages"]) walk(join(root, top), files);
  return files.flatMap((path) => {
    const file = relative(root, path).split(sep).join("/");
    return checkFile(file, importsOf(readFileSync(path, "utf8")));
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const violations = checkTree(process.cwd());
  for (const v of violations) console.error(`${v.file}: imports '${v.specifier}': ${v.reason}`);
  if (violations.length > 0) {
    console.error(`check-imports: ${violations.length} violation(s)`);
    process.exit(1);
  }
  console.log("check-imports: import boundaries hold");
}
