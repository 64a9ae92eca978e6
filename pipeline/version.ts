// The tool version, recorded in every manifest and in the crawler's BIP14 user agent.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PACKAGE_ROOT } from "../lib/package-root.ts";

/** Version from package.json, read once at start-up. */
export const TOOL_VERSION: string = (JSON.parse(readFileSync(join(PACKAGE_ROOT, "package.json"), "utf8")) as { version: string }).version;
