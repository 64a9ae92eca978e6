// Logging: plain timestamped lines on stderr, so stdout stays free for data (`-` outputs, --json).

/** Severity of a log line; `debug` is shown only with FLUXTURE_DEBUG=1. */
export type LogLevel = "debug" | "info" | "warn" | "error";

const debugEnabled = process.env.FLUXTURE_DEBUG === "1";
let quiet: boolean | "errors" = false;

/** Silences info lines (tests, --json runs; warnings and errors still print), or with "errors" (--quiet)
 * everything but errors. */
export function setQuiet(value: boolean | "errors"): void {
  if (quiet === "errors" && value === true) return; // --json does not undo --quiet
  quiet = value;
}

/** Whether --quiet asked for errors only (progress lines and status lines stay silent too). */
export function errorsOnly(): boolean {
  return quiet === "errors";
}

/** Writes one log line `2026-11-24T12:00:00Z level message` to stderr. */
export function log(level: LogLevel, message: string): void {
  if (level === "debug" && !debugEnabled) return;
  if (level === "info" && quiet !== false) return;
  if (level === "warn" && quiet === "errors") return;
  const at = new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
  process.stderr.write(`${at} ${level} ${message}\n`);
}
