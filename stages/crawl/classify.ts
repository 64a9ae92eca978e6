// Maps whatever ended a peer conversation (Node socket/DNS errors, proxy errors, protocol errors, our own
// deadlines) to the closed set of outcome names, keeping the raw error text as detail.
import { VISIT_OUTCOMES, type VisitOutcome } from "../../pipeline/schema/visits.ts";
import { ProtocolError } from "../../lib/bitcoin/index.ts";
import { PeerClosedError, PeerViolationError, SessionAbortedError, SessionTimeoutError, SocksError, describe } from "./errors.ts";

/** The closed set of visit outcomes (visits.outcome), as the visits schema defines it. */
export const OUTCOMES = VISIT_OUTCOMES;

/** One visit outcome name. */
export type Outcome = VisitOutcome;

/** An outcome plus the raw error text; `local` marks our own resource exhaustion (retry, not the peer's fault). */
export interface Classified {
  readonly outcome: Outcome;
  readonly detail: string;
  readonly local: boolean;
}

const REFUSED = new Set(["ECONNREFUSED"]);
const TIMEOUT = new Set(["ETIMEDOUT", "ESOCKETTIMEDOUT"]);
const UNREACHABLE = new Set([
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EHOSTDOWN",
  "ENETDOWN",
  "EADDRNOTAVAIL",
  "EAFNOSUPPORT",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EAI_FAIL",
  "EAI_NONAME",
  "EINVAL",
]);
const RESET = new Set(["ECONNRESET", "EPIPE", "ECONNABORTED", "ERR_STREAM_PREMATURE_CLOSE", "ERR_SOCKET_CLOSED"]);
const LOCAL = new Set(["EMFILE", "ENFILE", "ENOBUFS", "ENOMEM"]);

/** SOCKS5 reply codes (RFC 1928 §6) that describe the target, not the proxy. */
function socksOutcome(reply: number | undefined): Outcome {
  switch (reply) {
    case 0x03: // network unreachable
    case 0x04: // host unreachable
      return "unreachable";
    case 0x05: // connection refused
      return "refused";
    case 0x06: // TTL expired (Tor: the onion service did not answer in time)
      return "timeout";
    default:
      return "proxy_error"; // general failure, ruleset, bad command/ATYP, protocol breach, proxy unreachable
  }
}

/** Classifies the error that ended a conversation. */
export function classifyError(err: unknown): Classified {
  const detail = describe(err);
  const make = (outcome: Outcome, local = false): Classified => ({ outcome, detail, local });
  if (err instanceof SessionAbortedError) return make("cancelled");
  if (err instanceof Error && err.name === "AbortError") return make("cancelled");
  if (err instanceof SessionTimeoutError) return make("timeout");
  if (err instanceof SocksError) return make(socksOutcome(err.reply));
  if (err instanceof ProtocolError || err instanceof PeerViolationError) return make("protocol_error");
  if (err instanceof PeerClosedError) return make("reset");
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === "string") {
    if (REFUSED.has(code)) return make("refused");
    if (TIMEOUT.has(code)) return make("timeout");
    if (UNREACHABLE.has(code)) return make("unreachable");
    if (RESET.has(code)) return make("reset");
    if (LOCAL.has(code)) return make("unreachable", true);
  }
  return make("unreachable");
}

/** A record of every outcome set to 0, for summaries that always list the full closed set. */
export function emptyOutcomeCounts(): Record<Outcome, number> {
  return Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>;
}
