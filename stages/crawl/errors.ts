// Errors a peer conversation can end with; classify.ts maps each (and Node's socket errors) to an outcome name.
import type { TimeoutPhase } from "../../pipeline/schema/visits.ts";

/** A phase deadline passed (connect, handshake, getaddr wait, or the overall per-peer deadline). */
export class SessionTimeoutError extends Error {
  constructor(readonly phase: TimeoutPhase) {
    super(`${phase} timeout`);
    this.name = "SessionTimeoutError";
  }
}

/** The peer closed the connection (FIN) before the conversation reached the point we needed. */
export class PeerClosedError extends Error {
  constructor(readonly phase: string) {
    super(`connection closed by peer during ${phase}`);
    this.name = "PeerClosedError";
  }
}

/** The peer broke the protocol in a way the codec cannot see: byte cap, truncated frame at close, or (shed by the
 * crawl-wide buffer budget, budget.ts) the largest partial frame when the crawl's buffered bytes passed the budget. */
export class PeerViolationError extends Error {
  constructor(
    readonly code: "too_many_bytes" | "truncated_frame" | "over_buffer_budget",
    message: string,
  ) {
    super(message);
    this.name = "PeerViolationError";
  }
}

/** SOCKS5 failure; `reply` is the RFC 1928 reply code when the proxy answered with one. */
export class SocksError extends Error {
  constructor(
    message: string,
    readonly reply?: number,
  ) {
    super(message);
    this.name = "SocksError";
  }
}

/** I2P SAM failure; `result` is the bridge's RESULT= value (CANT_REACH_PEER, TIMEOUT, INVALID_KEY, I2P_ERROR …). */
export class SamError extends Error {
  constructor(
    message: string,
    readonly result?: string,
  ) {
    super(message);
    this.name = "SamError";
  }
}

/** The session was cancelled by the crawl's AbortSignal (SIGINT, --max-duration). */
export class SessionAbortedError extends Error {
  constructor() {
    super("cancelled");
    this.name = "SessionAbortedError";
  }
}

/** The raw error as one line for error_detail: `ECONNREFUSED connect ECONNREFUSED 127.0.0.1:1`, `bad_magic: …`. */
export function describe(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    const text = typeof code === "string" && !err.message.includes(code) ? `${code}: ${err.message}` : err.message;
    return text.replace(/\s+/g, " ").slice(0, 500);
  }
  return String(err).slice(0, 500);
}
