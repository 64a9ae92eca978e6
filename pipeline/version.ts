// The tool version, recorded in every manifest and in the crawler's BIP14 user agent.
import { readFileSync } from "node:fs";

/** Version from package.json, read once at start-up. */
export const TOOL_VERSION: string = (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }).version;
