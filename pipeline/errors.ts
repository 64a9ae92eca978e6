// Typed errors: every fatal condition a user can cause is one of these, printed as one line by the CLI.

/** Base of every error Fluxture expects; the CLI prints `message` alone and exits with `exitCode`. */
export class FluxtureError extends Error {
  /** Process exit code the CLI uses for this error (never 0). */
  readonly exitCode: number = 1;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

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
