#!/usr/bin/env node
// Entry point of the `fluxture` bin. In a checkout (the TypeScript sources are here) it registers tsx (a
// devDependency) and runs the sources, so the repository never runs a stale build; the published package
// ships no sources and runs the compiled CLI in dist/ (built by `npm run build`, which `prepare` runs before packing).
import { existsSync } from "node:fs";

let main;
if (existsSync(new URL("../cli/program.ts", import.meta.url))) {
  const { register } = await import("tsx/esm/api");
  register();
  ({ main } = await import("../cli/program.ts"));
} else {
  ({ main } = await import("../dist/cli/program.js"));
}
await main(process.argv);
