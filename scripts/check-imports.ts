// Import-layer check run by `make test`: the folders are ranked lib < pipeline < stages, tools < cli and a
// file imports only from its own rank or below. Within a rank, a stage (or tool) never imports another
// stage (or tool), and lib/ imports only node: built-ins and lib/ itself. There is no exception list.
import { readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";

/** One broken rule: the importing file, the specifier and why it is not allowed. */
export interface Violation {
  readonly file: string;
  readonly specifier: string;
  readonly reason: string;
}

/** The layer folders, lowest first; a file may import from its own layer's rank or a lower one. */
export const LAYERS = ["lib", "pipeline", "stages", "tools", "cli"] as const;

/** A layer folder name. */
export type Layer = (typeof LAYERS)[number];

const RANK: Readonly<Record<Layer, number>> = { lib: 0, pipeline: 1, stages: 2, tools: 2, cli: 3 };

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

/** The layer a repo-relative path belongs to, or undefined outside the layered folders (test/, bench/, …). */
export function layerOf(path: string): Layer | undefined {
  const top = path.split("/")[0];
  return (LAYERS as readonly string[]).includes(top ?? "") ? (top as Layer) : undefined;
}

/** The unit inside stages/ or tools/ (`stages/<name>/…`), which must not import a sibling unit. */
function unitOf(path: string): string | undefined {
  const parts = path.split("/");
  return (parts[0] === "stages" || parts[0] === "tools") && parts.length > 2 ? `${parts[0]}/${parts[1]}` : undefined;
}

/** Checks one file's imports against the rules; `file` is repo-relative with forward slashes. */
export function checkFile(file: string, specifiers: readonly string[]): Violation[] {
  const violations: Violation[] = [];
  const from = layerOf(file);
  if (from === undefined) return violations;
  for (const specifier of specifiers) {
    if (specifier.startsWith("node:")) continue;
    if (!specifier.startsWith(".")) {
      if (from === "lib") violations.push({ file, specifier, reason: "lib/ imports only node: built-ins and lib/" });
      if (from === "pipeline" && specifier === "commander") violations.push({ file, specifier, reason: "pipeline/ imports no commander (the CLI is cli/)" });
      continue;
    }
    const target = relative(".", resolve(dirname(file), specifier))
      .split(sep)
      .join("/");
    const to = layerOf(target);
    if (to === undefined) {
      violations.push({ file, specifier, reason: `imports '${target}', outside the layered folders` });
      continue;
    }
    if (RANK[to] > RANK[from]) {
      violations.push({ file, specifier, reason: `${from}/ may not import ${to}/ (order: lib < pipeline < stages, tools < cli)` });
      continue;
    }
    const a = unitOf(file);
    const b = unitOf(target);
    if (RANK[to] === RANK[from] && a !== undefined && b !== undefined && a !== b) {
      violations.push({ file, specifier, reason: `'${a}' imports '${b}' (siblings never import each other)` });
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

/** Every violation in the layered trees under `root`. */
export function checkTree(root: string): Violation[] {
  const files: string[] = [];
  for (const top of LAYERS) walk(join(root, top), files);
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
  console.log("check-imports: layers hold (lib < pipeline < stages, tools < cli)");
}
