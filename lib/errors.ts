// The base of every error Fluxture expects, so lib/ code can raise typed errors the CLI prints as one line.

/** Base of every error Fluxture expects; the CLI prints `message` alone and exits with `exitCode`. */
export class FluxtureError extends Error {
  /** Process exit code the CLI uses for this error (never 0). */
  readonly exitCode: number = 1;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}
