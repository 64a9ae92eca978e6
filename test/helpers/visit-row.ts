// One factory for visit rows in tests: a complete, valid VisitRow from a few overrides, so a test states only the
// fields it is about and a new column is added here once (not in every file that writes visits).
import type { VisitRow } from "../../pipeline/schema/index.ts";
import { isReachable } from "../../pipeline/schema/visits.ts";

/** A visits row: 127.0.0.1:8333 seen `ok` at 2026-01-01, handshake fields filled only for a reachable outcome. */
export function visitRow(overrides: Partial<VisitRow> = {}): VisitRow {
  const outcome = overrides.outcome ?? "ok";
  const reachable = isReachable(outcome);
  const row: VisitRow = {
    address: "127.0.0.1",
    port: 8333,
    network_type: "ipv4",
    source: "peer",
    depth: 1,
    attempted_at: new Date("2026-01-01T00:00:00Z"),
    outcome,
    error_detail: reachable ? null : outcome,
    protocol_error_code: null,
    timeout_phase: null,
    connect_ms: reachable ? 5 : null,
    handshake_ms: reachable ? 7 : null,
    getaddr_ms: outcome === "ok" ? 30 : null,
    protocol_version: reachable ? 70016 : null,
    services: reachable ? 1033n : null,
    user_agent: reachable ? "/Satoshi:27.0.0/" : null,
    start_height: reachable ? 840_000 : null,
    relay: reachable ? true : null,
    peer_time: reachable ? 1_704_067_200n : null,
    addr_messages: 0,
    addrs_received: 0,
    advertised_by: null,
    ...overrides,
  };
  // the bytes as the crawler stores them: the user agent's UTF-8, unless the test says otherwise
  if (!("user_agent_hex" in overrides)) row.user_agent_hex = row.user_agent === null ? null : Buffer.from(row.user_agent, "utf8").toString("hex");
  return row;
}
