-- stg_visits: what happened when the crawler tried each address of a sealed run?
-- One row per (network, run_id, address, port): duplicates, if a run ever wrote any, keep the row with a
-- completed handshake first, then the latest attempt (sql/checks/visits_unique_address_port.sql reports them).
-- Columns are visits.parquet's (see pipeline/schema/visits.ts) plus:
--   is_dialed     the crawler opened (or tried to open) a connection: outcome not in
--                 (not_dialed, unsupported_network)
--   is_reachable  the version handshake completed: outcome ok or no_addr_reply. This is what every mart
--                 calls a "reachable node"; a node is an (address, port) pair.
create or replace view stg_visits as
with
visits_source as (
    select * from visits
),

deduplicated as (
    select *
    from visits_source
    qualify row_number() over (
        partition by network, run_id, address, port
        order by outcome in ('ok', 'no_addr_reply') desc, attempted_at desc
    ) = 1
)

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
    connect_ms,
    handshake_ms,
    getaddr_ms,
    protocol_version,
    services,
    user_agent,
    start_height,
    relay,
    peer_time,
    addr_messages,
    addrs_received,
    outcome not in ('not_dialed', 'unsupported_network') as is_dialed,
    outcome in ('ok', 'no_addr_reply') as is_reachable
from deduplicated;
