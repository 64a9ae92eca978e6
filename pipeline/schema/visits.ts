// visits.parquet: one row per address the crawler attempted (or chose not to dial) in a run.
import { NETWORK_TYPES, type NetworkType } from "../../lib/bitcoin/address.ts";
import { PROTOCOL_ERROR_CODES } from "../../lib/bitcoin/errors.ts";
import { defineDataset } from "./types.ts";

/**
 * Closed set of visit outcomes; every failure the crawler can meet maps to exactly one of these. `connect_failed`
 * is never written by our crawler: it is the imported original fluxture's CONNECTION_FAILED, which lumped refused,
 * timed-out and unreachable dials together, so which of the three it was cannot be known (stages/import/README.md).
 */
export const VISIT_OUTCOMES = [
  "ok",
  "no_addr_reply",
  "refused",
  "timeout",
  "unreachable",
  "connect_failed",
  "reset",
  "protocol_error",
  "proxy_error",
  "unsupported_network",
  "not_dialed",
  "cancelled",
] as const;
/** One of VISIT_OUTCOMES. */
export type VisitOutcome = (typeof VISIT_OUTCOMES)[number];

/**
 * The outcomes of a reachable node: the version handshake completed (`no_addr_reply`: it then sent no addr reply
 * in time). The one statement of the rule: isReachable here, the `is_reachable(outcome)` macro in sql/views.sql.
 */
export const REACHABLE_OUTCOMES = ["ok", "no_addr_reply"] as const satisfies readonly VisitOutcome[];

/** Whether a visit's outcome means the node is reachable (REACHABLE_OUTCOMES). */
export function isReachable(outcome: string): boolean {
  return outcome === "ok" || outcome === "no_addr_reply";
}

/**
 * Closed set of visits.protocol_error_code: the codec's ProtocolErrorCode, plus the breaches only the crawler sees
 * (`too_many_bytes`: over the per-peer byte cap; `truncated_frame`: the connection closed mid-message;
 * `over_buffer_budget`: shed while holding one of the largest partial frames when the bytes buffered across all
 * sessions passed the crawl's buffer budget, stages/crawl/budget.ts).
 */
export const VISIT_PROTOCOL_ERRORS = [...PROTOCOL_ERROR_CODES, "too_many_bytes", "truncated_frame", "over_buffer_budget"] as const;
/** One of VISIT_PROTOCOL_ERRORS. */
export type VisitProtocolError = (typeof VISIT_PROTOCOL_ERRORS)[number];

/** Closed set of visits.timeout_phase: which deadline ended the visit (`proxy`: the SOCKS5 proxy's connect). */
export const TIMEOUT_PHASES = ["connect", "proxy", "handshake", "getaddr", "overall"] as const;
/** One of TIMEOUT_PHASES. */
export type TimeoutPhase = (typeof TIMEOUT_PHASES)[number];

/**
 * The one duplicate-resolution rule, as a SQL `order by`: when a run holds a node (address, port) twice (only a
 * resumed crawl can), the crawl store keeps the first row by this order at seal: a reachable visit, then any
 * finished one over a cancelled one, then the latest attempt. Readers rely on the writer (they do not
 * deduplicate); sql/checks/visits_unique_address_port.sql reports a run that breaks it.
 */
export const VISIT_PREFERENCE = "is_reachable(outcome) desc, (outcome = 'cancelled'), attempted_at desc";

/** How the crawler learned of an address. */
export const VISIT_SOURCES = ["dns_seed", "seed_arg", "previous_run", "peer"] as const;
/** One of VISIT_SOURCES. */
export type VisitSource = (typeof VISIT_SOURCES)[number];

/** A row of visits.parquet; keys are the column names. `run_id` is not stored: the hive folder gives it. */
export interface VisitRow {
  address: string;
  port: number;
  network_type: NetworkType;
  source: VisitSource;
  depth: number;
  attempted_at: Date;
  outcome: VisitOutcome;
  error_detail: string | null;
  protocol_error_code: VisitProtocolError | null;
  timeout_phase: TimeoutPhase | null;
  connect_ms: number | null;
  handshake_ms: number | null;
  getaddr_ms: number | null;
  protocol_version: number | null;
  services: bigint | null;
  user_agent: string | null;
  /** The user agent's bytes as received, lowercase hex (null: none sent, or a row not written by the crawler). */
  user_agent_hex?: string | null;
  start_height: number | null;
  relay: boolean | null;
  peer_time: bigint | null;
  addr_messages: number;
  addrs_received: number;
  /** Distinct sources that advertised the endpoint before it was dialled (null: not written by the crawler). */
  advertised_by?: number | null;
}

/** Schema of visits.parquet. */
export const VISITS = defineDataset<VisitRow>({
  name: "visits",
  file: "visits.parquet",
  description: "One row per address the crawler attempted (or decided not to dial) during the run.",
  key: ["address", "port"],
  columns: [
    { name: "address", type: "VARCHAR", nullable: false, meaning: "canonical host text: dotted IPv4, RFC 5952 IPv6, .onion or .b32.i2p name" },
    { name: "port", type: "USMALLINT", nullable: false, meaning: "TCP port dialled" },
    { name: "network_type", type: "VARCHAR", nullable: false, meaning: `address family: ${NETWORK_TYPES.join("|")}` },
    { name: "source", type: "VARCHAR", nullable: false, meaning: `how the address was learned: ${VISIT_SOURCES.join("|")}` },
    { name: "depth", type: "INTEGER", nullable: false, meaning: "hops from a seed (seeds are 0)" },
    { name: "attempted_at", type: "TIMESTAMPTZ", nullable: false, meaning: "when the dial started (UTC)" },
    {
      name: "outcome",
      type: "VARCHAR",
      nullable: false,
      meaning: `closed set: ${VISIT_OUTCOMES.join("|")}`,
    },
    { name: "error_detail", type: "VARCHAR", nullable: true, meaning: "the underlying error message when outcome is not ok" },
    {
      name: "protocol_error_code",
      type: "VARCHAR",
      nullable: true,
      meaning: `closed set, when outcome is protocol_error: ${VISIT_PROTOCOL_ERRORS.join("|")}`,
    },
    {
      name: "timeout_phase",
      type: "VARCHAR",
      nullable: true,
      meaning: `closed set, the deadline that ended the visit (outcome timeout, or no_addr_reply after the handshake): ${TIMEOUT_PHASES.join("|")}`,
    },
    { name: "connect_ms", type: "INTEGER", nullable: true, meaning: "milliseconds from dial to TCP connected; null if never connected" },
    { name: "handshake_ms", type: "INTEGER", nullable: true, meaning: "milliseconds from connected to verack received; null if no handshake" },
    { name: "getaddr_ms", type: "INTEGER", nullable: true, meaning: "milliseconds from getaddr sent to the addr reply; null if none" },
    { name: "protocol_version", type: "INTEGER", nullable: true, meaning: "protocol version from the peer's version message" },
    { name: "services", type: "UBIGINT", nullable: true, meaning: "service bits from the peer's version message (64-bit)" },
    {
      name: "user_agent",
      type: "VARCHAR",
      nullable: true,
      meaning:
        "BIP14 user agent from the peer's version message, decoded as UTF-8 (invalid bytes as U+FFFD) and cut to at most 256 bytes of UTF-8 (so at most 256 characters); control characters kept as sent (every display escapes them)",
    },
    {
      name: "user_agent_hex",
      type: "VARCHAR",
      nullable: true,
      meaning:
        "the user agent's bytes exactly as received (at most 256), lowercase hex; null when the peer sent no user agent, and in rows not written by the crawler (runs before it, imported runs)",
    },
    { name: "start_height", type: "INTEGER", nullable: true, meaning: "best block height the peer reported" },
    { name: "relay", type: "BOOLEAN", nullable: true, meaning: "the version message's relay flag; null when the peer omitted it (< 70001)" },
    { name: "peer_time", type: "BIGINT", nullable: true, meaning: "the peer's clock from its version message, unix seconds as sent (unchecked)" },
    { name: "addr_messages", type: "INTEGER", nullable: false, meaning: "addr/addrv2 messages received from the peer" },
    { name: "addrs_received", type: "INTEGER", nullable: false, meaning: "address entries received in those messages" },
    {
      name: "advertised_by",
      type: "INTEGER",
      nullable: true,
      meaning:
        "distinct nodes whose addr entries listed this endpoint before it was dialled (0 for seeds; an address-flood singleton has 1; null in runs or rows not written by the crawler)",
    },
  ],
});
