// Typed errors: every fatal condition a user can cause is one of these, printed as one line by the CLI.

import { FluxtureError } from "../lib/errors.ts";

/** Re-exported so pipeline and stage code keep one import for every error type. */
export { FluxtureError };

/** A wrong flag, a bad value or a missing argument: the user's invocation is at fault. */
export class UsageError extends FluxtureError {
  override readonly exitCode = 2;
}

/** Input data (a file, a run folder, a database) is missing, corrupt or of the wrong kind. */
export class DataError extends FluxtureError {}

/** The data folder is locked by another live process (e.g. an overlapping cron run). */
export class LockedError extends FluxtureError {
  override readonly exitCode = 75; // EX_TEMPFAIL: try again later
}

/** The run was interrupted (SIGINT, SIGTERM, --max-duration) and sealed as cancelled. */
export class CancelledError extends FluxtureError {
  override readonly exitCode = 130;
}

/** Message of any thrown value, for one-line reports and `error_detail` columns. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
