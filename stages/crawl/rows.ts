// Turns a visit (frontier item + session result) into dataset rows: one visits row, and addrs rows for its entries.
import type { AddrRow } from "../../pipeline/schema/addrs.ts";
import type { VisitOutcome, VisitRow } from "../../pipeline/schema/visits.ts";
import type { FrontierItem } from "./frontier.ts";
import type { SessionResult } from "./session.ts";

/** The visits row of an endpoint that was dialled. */
export function visitRow(item: FrontierItem, attemptedAt: Date, r: SessionResult): VisitRow {
  const v = r.version;
  return {
    address: item.address,
    port: item.port,
    network_type: item.networkType,
    source: item.source,
    depth: item.depth,
    attempted_at: attemptedAt,
    outcome: r.outcome,
    error_detail: r.detail,
    protocol_error_code: r.protocolErrorCode,
    timeout_phase: r.timeoutPhase,
    connect_ms: r.connectMs,
    handshake_ms: r.handshakeMs,
    getaddr_ms: r.getaddrMs,
    protocol_version: v?.protocolVersion ?? null,
    services: v?.services ?? null,
    user_agent: v?.userAgent ?? null,
    user_agent_hex: v?.userAgentHex ?? null,
    start_height: v?.startHeight ?? null,
    relay: v?.relay ?? null,
    peer_time: v?.peerTime ?? null,
    addr_messages: r.addrMessages,
    addrs_received: r.addrsReceived,
    advertised_by: item.advertisedBy ?? null,
  };
}

/** The visits row of an endpoint recorded without a connection (not_dialed, unsupported_network). */
export function undialledRow(item: FrontierItem, at: Date, outcome: VisitOutcome, detail: string): VisitRow {
  return {
    address: item.address,
    port: item.port,
    network_type: item.networkType,
    source: item.source,
    depth: item.depth,
    attempted_at: at,
    outcome,
    error_detail: detail,
    protocol_error_code: null,
    timeout_phase: null,
    connect_ms: null,
    handshake_ms: null,
    getaddr_ms: null,
    protocol_version: null,
    services: null,
    user_agent: null,
    user_agent_hex: null,
    start_height: null,
    relay: null,
    peer_time: null,
    addr_messages: 0,
    addrs_received: 0,
    advertised_by: item.advertisedBy ?? null,
  };
}

/**
 * The addrs rows (edges) of a visit: only an `ok` visit (one that answered getaddr) has edges, as the check
 * sql/checks/addrs_source_visited_ok.sql requires. Entries from other visits (self-announcements of a peer that
 * never replied, a reply cut short by a protocol error, a cancelled visit that a resume repeats) are counted in
 * visits.addr_messages / addrs_received but are not edges.
 */
export function addrRows(item: FrontierItem, r: SessionResult): AddrRow[] {
  if (r.outcome !== "ok") return [];
  return r.entries.map((e, i) => ({
    source_address: item.address,
    source_port: item.port,
    address: e.address,
    port: e.port,
    network_type: e.networkType,
    services: e.services,
    advertised_at: e.time === undefined ? null : new Date(e.time * 1000),
    message: r.entryMessages[i] ?? "addr",
    in_reply: r.entryInReply[i] ?? false,
  }));
}
