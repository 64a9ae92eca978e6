// Maps whatever ended a peer conversation (Node socket/DNS errors, proxy errors, protocol errors, our own
// deadlines) to the closed set of outcome names, keeping the raw error text as detail.
import { VISIT_OUTCOMES, type TimeoutPhase, type VisitOutcome, type VisitProtocolError } from "../../pipeline/schema/visits.ts";
import { ProtocolError } from "../../lib/bitcoin/index.ts";
import { PeerClosedError, PeerViolationError, SamError, SessionAbortedError, SessionTimeoutError, SocksError, describe } from "./errors.ts";

/** The closed set of visit outcomes (visits.outcome), as the visits schema defines it. */
export const OUTCOMES = VISIT_OUTCOMES;

/** One visit outcome name. */
export type Outcome = VisitOutcome;

/** An outcome plus the raw error text; `local` marks our own resource exhaustion (retry, not the peer's fault). */
export interface Classified {
  readonly outcome: Outcome;
  readonly detail: string;
  readonly local: boolean;
  /** The broken rule's code when outcome is protocol_error (visits.protocol_error_code). */
  readonly protocolErrorCode: VisitProtocolError | null;
  /** The deadline when a SessionTimeoutError ended it (visits.timeout_phase). */
  readonly timeoutPhase: TimeoutPhase | null;
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

/** SOCKS5 reply codes (RFC 1928 §6, and Tor's onion-service extensions with `ExtendedErrors`, proposal 304)
 * that describe the target, not the proxy. Without ExtendedErrors Tor answers 4 for an onion it cannot find or
 * introduce to, and 6 when it timed out. */
function socksOutcome(reply: number | undefined): Outcome {
  switch (reply) {
    case 0x03: // network unreachable
    case 0x04: // host unreachable (Tor: descriptor not found, introduction failed)
    case 0xf0: // onion service descriptor can not be found
    case 0xf2: // onion service introduction failed
    case 0xf3: // onion service rendezvous failed
    case 0xf4: // onion service missing client authorization
    case 0xf5: // onion service wrong client authorization
      return "unreachable";
    case 0x05: // connection refused
      return "refused";
    case 0x06: // TTL expired (Tor: the onion service did not answer in time)
    case 0xf7: // onion service introduction timed out
      return "timeout";
    case 0xf1: // onion service descriptor is invalid
    case 0xf6: // onion service invalid address
      return "protocol_error";
    default:
      return "proxy_error"; // general failure, ruleset, bad command/ATYP, protocol breach, proxy unreachable
  }
}

/** SAM RESULT values (SAM v3.1 STREAM STATUS) that describe the peer, not the bridge — as Bitcoin Core's
 * i2p::sam::Session::Connect, which counts only CANT_REACH_PEER and TIMEOUT as the peer's fault. */
function samOutcome(result: string | undefined): Outcome {
  switch (result) {
    case "CANT_REACH_PEER":
    case "KEY_NOT_FOUND": // NAMING LOOKUP: no such destination
      return "unreachable";
    case "TIMEOUT":
      return "timeout";
    case "INVALID_KEY": // the destination is not a valid I2P destination
      return "protocol_error";
    default:
      return "proxy_error"; // I2P_ERROR, INVALID_ID, DUPLICATED_ID, NOVERSION, session not ready, bridge unreachable
  }
}

/** Classifies the error that ended a conversation. */
export function classifyError(err: unknown): Classified {
  const detail = describe(err);
  const make = (outcome: Outcome, local = false): Classified => ({ outcome, detail, local, protocolErrorCode: null, timeoutPhase: null });
  if (err instanceof SessionAbortedError) return make("cancelled");
  if (err instanceof Error && err.name === "AbortError") return make("cancelled");
  if (err instanceof SessionTimeoutError) return { ...make("timeout"), timeoutPhase: err.phase };
  if (err instanceof SocksError) return make(socksOutcome(err.reply));
  if (err instanceof SamError) return make(samOutcome(err.result));
  if (err instanceof ProtocolError || err instanceof PeerViolationError) return { ...make("protocol_error"), protocolErrorCode: err.code };
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
