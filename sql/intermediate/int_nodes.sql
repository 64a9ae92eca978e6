-- int_nodes: every node of every sealed run with what the marts ask about it, in one row.
-- One row per (network, run_id, address, port), from stg_visits joined to its run (stg_runs) and, when the
-- run was geolocated, to its address's geo row (stg_geo). The marts read this instead of joining again.
--   network, run_id, started_at, run_seq   the run and its place among the network's sealed runs
--   address, port, network_type            the node
--   outcome, is_dialed, is_reachable       what the crawler got (see stg_visits)
--   protocol_version, user_agent           from its version message (null without a handshake)
--   run_is_geolocated                      the run has geo rows (the geo marts only use such runs)
--   country_code, continent_code           from its geo row; null when not located (or run not geolocated)
--   asn, as_org                            likewise
create or replace view int_nodes as
with
visits_source as (
    select
        network, run_id, address, port, network_type, outcome, is_dialed, is_reachable,
        protocol_version, user_agent
    from stg_visits
),

geo_source as (
    select network, run_id, address, country_code, continent_code, asn, as_org from stg_geo
),

runs_source as (
    select network, run_id, started_at, run_seq from stg_runs
),

geolocated_runs as (
    select distinct network, run_id from geo_source
)

select
    v.network,
    v.run_id,
    r.started_at,
    r.run_seq,
    v.address,
    v.port,
    v.network_type,
    v.outcome,
    v.is_dialed,
    v.is_reachable,
    v.protocol_version,
    v.user_agent,
    gr.run_id is not null as run_is_geolocated,
    g.country_code,
    g.continent_code,
    g.asn,
    g.as_org
from visits_source as v
inner join runs_source as r on r.network = v.network and r.run_id = v.run_id
left join geolocated_runs as gr on gr.network = v.network and gr.run_id = v.run_id
left join geo_source as g on g.network = v.network and g.run_id = v.run_id and g.address = v.address;
