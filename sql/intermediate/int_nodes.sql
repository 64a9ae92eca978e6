-- int_nodes: every node of every sealed run with what the marts ask about it, in one row.
-- One row per (network, run_id, address, port): the node's visit joined to its run and, when the run was
-- geolocated, to its address's geo row. The marts read this instead of joining again.
-- A run analyzed by `fluxture analyze` has these rows ready in its nodes.parquet, read here when
-- stg_runs.nodes_prepared says the file is current (the rule of views.sql's `nodes` view, taken from stg_runs
-- so a mart session reads the manifests once); every other run is joined from visits and geo by
-- int_joined_nodes. Both give the same rows.
--   network, run_id, started_at, run_seq   the run and its place among the network's sealed runs
--   address, port, network_type            the node
--   outcome, is_dialed, is_reachable       what the crawler got (see stg_visits)
--   protocol_version, user_agent           from its version message (null without a handshake)
--   run_is_geolocated                      the run has geo rows (the geo marts only use such runs)
--   country_code, continent_code           from its geo row, upper-cased; null when not located
--   asn, as_org                            likewise
create or replace view int_nodes as
with
prepared_runs as (
    select network, run_id, started_at, run_seq
    from stg_runs
    where nodes_prepared
),

prepared_nodes as (
    select
        n.network,
        n.run_id,
        r.started_at,
        r.run_seq,
        n.address,
        n.port,
        n.network_type,
        n.outcome,
        n.protocol_version,
        n.user_agent,
        n.run_is_geolocated,
        n.country_code,
        n.continent_code,
        n.asn,
        n.as_org
    from raw_nodes as n
    inner join prepared_runs as r on r.network = n.network and r.run_id = n.run_id
),

joined_nodes as (
    select
        network, run_id, started_at, run_seq, address, port, network_type, outcome, protocol_version,
        user_agent, run_is_geolocated, country_code, continent_code, asn, as_org
    from int_joined_nodes
),

all_nodes as (
    select * from prepared_nodes
    union all
    select * from joined_nodes
)

select
    network,
    run_id,
    started_at,
    run_seq,
    address,
    port,
    network_type,
    outcome,
    outcome not in ('not_dialed', 'unsupported_network') as is_dialed,
    is_reachable(outcome) as is_reachable,
    protocol_version,
    user_agent,
    run_is_geolocated,
    country_code,
    continent_code,
    asn,
    as_org
from all_nodes;
