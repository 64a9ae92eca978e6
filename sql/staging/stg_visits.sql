-- stg_visits: what happened when the crawler tried each address of a sealed run?
-- One row per (network, run_id, address, port). Should a run ever hold the same node twice, the row with a
-- completed handshake wins, then the latest attempt (sql/checks/visits_unique_address_port.sql reports such
-- runs). Only rows whose key hash repeats go through the ranking, so the common case costs one hash
-- aggregate instead of a sort of every row; a hash collision only sends a few more rows through the ranking.
-- Columns are visits.parquet's (see pipeline/schema/visits.ts) plus:
--   is_dialed     the crawler opened (or tried to open) a connection: outcome not in
--                 (not_dialed, unsupported_network)
--   is_reachable  the version handshake completed: outcome ok or no_addr_reply. This is what every mart
--                 calls a "reachable node"; a node is an (address, port) pair.
create or replace view stg_visits as
with
visits_source as not materialized (
    select *, hash(network, run_id, address, port) as key_hash from visits
),

repeated_hashes as (
    select key_hash from visits_source group by key_hash having count(*) > 1
),

single_rows as (
    select v.* from visits_source as v anti join repeated_hashes as d on d.key_hash = v.key_hash
),

best_of_repeated as (
    select v.*
    from visits_source as v
    semi join repeated_hashes as d on d.key_hash = v.key_hash
    qualify row_number() over (
        partition by v.network, v.run_id, v.address, v.port
        order by is_reachable(v.outcome) desc, v.attempted_at desc
    ) = 1
),

deduplicated as (
    select * from single_rows
    union all
    select * from best_of_repeated
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
    protocol_error_code,
    timeout_phase,
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
    is_reachable(outcome) as is_reachable
from deduplicated;
