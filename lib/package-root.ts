// The installed package's root folder (where package.json and sql/ are), found from this file's own location,
// so the same code works from the TypeScript sources (repo/lib) and from the compiled package (dist/lib).
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The folder holding fluxture's package.json: the repository, or node_modules/fluxture once installed. */
export const PACKAGE_ROOT: string = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, "package.json")) && existsSync(join(dir, "sql"))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error(`fluxture: package root not found above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
})();

/** True when this code runs from the TypeScript sources (through tsx), false from the compiled dist/. */
export const FROM_SOURCES: boolean = import.meta.url.endsWith(".ts");
