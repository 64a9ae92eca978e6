// Fixtures that several test files build the same way, built once per suite run: scripts/run-tests.sh points
// FLUXTURE_TEST_CACHE at a folder of its own run (deleted with it). A file run by itself builds its own.
import { existsSync, mkdirSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

/**
 * The folder `name` of this suite run, built by `build(dir)` in the first file that asks (holding
 * `<cache>/<name>.building`, made atomically) while the others wait for it to be renamed into place. Callers copy
 * it before writing. Undefined when there is no suite cache, or the builder died without finishing (the caller
 * then builds its own); a failing build throws in the builder and leaves the others to build their own.
 */
export async function suiteFolder(name: string, build: (dir: string) => Promise<void>, waitMs = 300_000): Promise<string | undefined> {
  const cache = process.env.FLUXTURE_TEST_CACHE;
  if (cache === undefined || cache === "") return undefined;
  const done = join(cache, name);
  const building = join(cache, `${name}.building`);
  if (existsSync(done)) return done;
  try {
    mkdirSync(building);
  } catch {
    for (let waited = 0; !existsSync(done) && existsSync(building) && waited < waitMs; waited += 200) await sleep(200);
    return existsSync(done) ? done : undefined;
  }
  try {
    if (existsSync(done)) return done; // finished between the check above and the mkdir
    const dir = join(building, name);
    await build(dir);
    renameSync(dir, done);
    return done;
  } finally {
    rmSync(building, { recursive: true, force: true });
  }
}
