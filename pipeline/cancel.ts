// Cancellation as runStage and withRun see it: SIGINT/SIGTERM and an outer AbortSignal become one AbortSignal for
// the stage body; a second signal does the caller's last synchronous write and exits 130 at once.
import { errorMessage } from "./errors.ts";
import { log } from "./log.ts";

/** How one stage's cancellation is trapped. */
export interface TrapOptions {
  /** What is cancelled, for the log lines (`geolocate of run X`, `run X`); asked when a signal comes. */
  what(): string;
  /** Signals that cancel (default SIGINT and SIGTERM). */
  readonly signals?: readonly NodeJS.Signals[];
  /** An outside cancellation (a caller's signal), treated like a process signal. */
  readonly outer?: AbortSignal | undefined;
  /** The reason the body's signal is aborted with, from what cancelled it (`SIGINT`, the outer reason). */
  abortReason(why: string): Error;
  /** The log line's tail after a second signal (`sealing run X as cancelled and exiting`). */
  lastWords(): string;
  /** The synchronous record a second signal writes before exiting 130 (no promise would be awaited). */
  onSecond(sig: NodeJS.Signals): void;
}

/** A trapped cancellation: the body's signal, what cancelled it, and the handlers' removal. */
export interface Trap {
  readonly signal: AbortSignal;
  /** What cancelled it (`SIGINT`, the outer signal's reason text), or null while not cancelled. */
  why(): string | null;
  /** Removes the process and outer-signal handlers. */
  dispose(): void;
}

/** Installs the handlers of one stage's cancellation (see the file comment); call dispose() when the stage ends. */
export function trapCancellation(opts: TrapOptions): Trap {
  const controller = new AbortController();
  let why: string | null = null;
  const cancel = (reason: string): void => {
    if (why !== null) return;
    why = reason;
    controller.abort(opts.abortReason(reason));
  };
  const onSignal = (sig: NodeJS.Signals): void => {
    if (why === null) {
      log("warn", `${sig}: cancelling ${opts.what()} (send it again to stop at once)`);
      cancel(sig);
      return;
    }
    log("warn", `${sig} again: ${opts.lastWords()}`);
    try {
      opts.onSecond(sig);
    } finally {
      process.exit(130);
    }
  };
  const onOuterAbort = (): void => cancel(errorMessage(opts.outer?.reason ?? "aborted"));
  const signals = opts.signals ?? ["SIGINT", "SIGTERM"];
  for (const sig of signals) process.on(sig, onSignal);
  if (opts.outer?.aborted) onOuterAbort();
  else opts.outer?.addEventListener("abort", onOuterAbort, { once: true });
  return {
    signal: controller.signal,
    why: () => why,
    dispose: () => {
      for (const sig of signals) process.off(sig, onSignal);
      opts.outer?.removeEventListener("abort", onOuterAbort);
    },
  };
}
