#!/usr/bin/env node
// Entry point of the `fluxture` bin: registers tsx so the TypeScript sources run as they are, then hands over to the CLI.
import { register } from "tsx/esm/api";
register();
const { main } = await import("../cli/program.ts");
await main(process.argv);
