-- stg_visits: what happened when the crawler tried each address of a sealed run?
-- One row per (network, run_id, address, port): the crawl writer visits each node once and, when a resumed run
-- holds a node twice, keeps one row by VISIT_PREFERENCE (pipeline/schema/visits.ts) at seal. That is the one
-- duplicate rule; staging does not deduplicate again, and sql/checks/visits_unique_address_port.sql reports a
-- run (e.g. written by another tool) that breaks the guarantee.
-- Columns are visits.parquet's (see pipeline/schema/visits.ts) plus:
--   is_dialed     the crawler opened (or tried to open) a connection: outcome not in
--                 (not_dialed, unsupported_network)
--   is_reachable  the version handshake completed: outcome ok or no_addr_reply. This is what every mart
--                 calls a "reachable node"; a node is an (address, port) pair.
create or replace view stg_visits as
select
    network,
    run_id,
    address,
    port,
    network_type,
    source,
    depth,
    attempted_at,
    outcome,
    error_detail,
    protocol_error_code,
    timeout_phase,
    connect_ms,
    handshake_ms,
    getaddr_ms,
    protocol_version,
    services,
    user_agent,
    user_agent_hex,
    start_height,
    relay,
    peer_time,
    addr_messages,
    addrs_received,
    outcome not in ('not_dialed', 'unsupported_network') as is_dialed,
    is_reachable(outcome) as is_reachable
from visits;
