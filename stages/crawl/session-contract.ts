// What a peer conversation (session.ts) is asked and what it returns: the target, the options and limits, and the
// result as plain data. The engine, `fluxture node` and the row builder read these types, never the session's state.
import { TOOL_VERSION } from "../../pipeline/version.ts";
import type { TimeoutPhase, VisitProtocolError } from "../../pipeline/schema/visits.ts";
import type { NetworkType, PeerAddress } from "../../lib/bitcoin/index.ts";
import type { BufferBudget } from "./budget.ts";
import type { Outcome } from "./classify.ts";
import type { ReplyRuleOptions } from "./reply.ts";
import type { SamSession } from "./sam.ts";
import type { ProxyAddress, SocksAuth } from "./socks5.ts";
import type { WaitingRoom } from "./tail.ts";
import type { GetaddrWait } from "./wait.ts";

/** The BIP14 user agent Fluxture announces. */
export const USER_AGENT = `/fluxture:${TOOL_VERSION}/`;

/** Limits that bound what one hostile peer can cost. */
export interface SessionLimits {
  /** Total bytes accepted from one peer (default 8 MB); more ends the session as protocol_error. */
  readonly maxPeerBytes: number;
  /** Address entries kept per peer (default 5000); further entries are counted, not kept. */
  readonly maxEntriesKept: number;
  /** Pongs sent per session (default 50); further pings are counted and ignored. */
  readonly maxPongs: number;
}

/** Defaults of SessionLimits. */
export const DEFAULT_LIMITS: SessionLimits = { maxPeerBytes: 8_000_000, maxEntriesKept: 5000, maxPongs: 50 };

/** How to talk to one peer. */
export interface SessionOptions {
  readonly magic: number;
  readonly connectTimeoutMs: number;
  readonly handshakeTimeoutMs: number;
  /** The getaddr wait when `getaddrWait` is not given (a pinned --getaddr-timeout). */
  readonly getaddrTimeoutMs: number;
  /** The getaddr wait policy (wait.ts: adaptive to the crawl's pressure); default pinnedWait(getaddrTimeoutMs). */
  readonly getaddrWait?: GetaddrWait;
  /** Where the session waits for its getaddr reply, so the engine can end the last waits of a crawl (tail.ts). */
  readonly waitingRoom?: WaitingRoom;
  /** Whole-conversation deadline; default connect + handshake + the longest getaddr wait + 5 s. */
  readonly overallTimeoutMs?: number;
  readonly proxy?: ProxyAddress;
  /** Credential for `proxy` (stream isolation per session). */
  readonly socksAuth?: SocksAuth;
  /** Reach the peer (a `.b32.i2p` name) as a stream of this SAM session. */
  readonly sam?: SamSession;
  readonly signal?: AbortSignal;
  readonly limits?: Partial<SessionLimits>;
  readonly replyRule?: ReplyRuleOptions;
  /** Milliseconds between our FIN and a forced destroy (default 500). */
  readonly lingerMs?: number;
  /** The crawl-wide account of buffered bytes (budget.ts): the session reports what its parser holds, pauses
   * reading when told, and ends as protocol_error `over_buffer_budget` when shed. */
  readonly budget?: BufferBudget;
}

/** The peer to talk to, as the engine knows it. */
export interface SessionTarget {
  readonly address: string;
  readonly port: number;
  readonly networkType: NetworkType;
}

/** The peer's version message, as recorded in visits. */
export interface VersionRecord {
  readonly protocolVersion: number;
  readonly services: bigint;
  readonly userAgent: string | null;
  /** The user agent's bytes exactly as received, lowercase hex (visits.user_agent_hex); null when absent. */
  readonly userAgentHex: string | null;
  readonly startHeight: number | null;
  readonly relay: boolean | null;
  readonly peerTime: bigint;
}

/** What a peer advertised in one conversation (peer-addrs.ts keeps it); part of SessionResult. */
export interface AdvertisedEntries {
  readonly addrMessages: number;
  readonly addrsReceived: number;
  /** Distinct (address, port) entries, first occurrence kept, at most maxEntriesKept (the codec's objects). */
  readonly entries: readonly PeerAddress[];
  /** The message that carried each entry (parallel to `entries`). */
  readonly entryMessages: readonly ("addr" | "addrv2")[];
  /** Whether each entry came in the getaddr reply (parallel to `entries`); false: self-announcement or gossip. */
  readonly entryInReply: readonly boolean[];
  readonly entriesDropped: number;
}

/** Everything one conversation produced; the engine turns it into rows without touching bytes. */
export interface SessionResult extends AdvertisedEntries {
  readonly outcome: Outcome;
  readonly detail: string | null;
  /** Which protocol rule the peer broke, when outcome is protocol_error. */
  readonly protocolErrorCode: VisitProtocolError | null;
  /** Which deadline ended the visit (timeout, or no_addr_reply after a getaddr/overall deadline). */
  readonly timeoutPhase: TimeoutPhase | null;
  readonly connectMs: number | null;
  readonly handshakeMs: number | null;
  readonly getaddrMs: number | null;
  readonly version: VersionRecord | null;
  readonly pingsIgnored: number;
  /** The dial failed for a reason of our own (EMFILE, ENOBUFS…): the peer was never reached; the engine retries. */
  readonly localFailure: boolean;
}
