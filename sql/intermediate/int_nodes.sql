-- int_nodes: every node of every sealed run with what the marts ask about it, in one row.
-- One row per (network, run_id, address, port): the node's visit joined to its run and, when the run was
-- geolocated, to its address's geo row. The marts read this instead of joining again.
-- It is stg_visits ⋈ stg_runs ⟕ stg_geo with the same duplicate rules (handshake first, then the latest
-- attempt; the latest lookup per address), but reads the sealed views directly and keeps only the columns
-- below, so the Parquet files are read once and narrowly (test/sql/marts.test.ts checks both give the same).
--   network, run_id, started_at, run_seq   the run and its place among the network's sealed runs
--   address, port, network_type            the node
--   outcome, is_dialed, is_reachable       what the crawler got (see stg_visits)
--   protocol_version, user_agent           from its version message (null without a handshake)
--   run_is_geolocated                      the run has geo rows (the geo marts only use such runs)
--   country_code, continent_code           from its geo row, upper-cased; null when not located
--   asn, as_org                            likewise
create or replace view int_nodes as
with
visits_source as materialized (
    select
        network, run_id, address, port, network_type, outcome, protocol_version, user_agent, attempted_at,
        hash(network, run_id, address, port) as key_hash
    from visits
),

geo_source as materialized (
    select
        network, run_id, address, country_code, continent_code, asn, as_org, located_at,
        hash(network, run_id, address) as key_hash
    from geo
),

runs_source as (
    select network, run_id, started_at, run_seq from stg_runs
),

repeated_visit_hashes as (
    select key_hash from visits_source group by key_hash having count(*) > 1
),

deduplicated_visits as (
    select * from visits_source anti join repeated_visit_hashes as d using (key_hash)
    union all
    select *
    from visits_source semi join repeated_visit_hashes as d using (key_hash)
    qualify row_number() over (
        partition by network, run_id, address, port
        order by outcome in ('ok', 'no_addr_reply') desc, attempted_at desc
    ) = 1
),

repeated_geo_hashes as (
    select key_hash from geo_source group by key_hash having count(*) > 1
),

deduplicated_geo as (
    select * from geo_source anti join repeated_geo_hashes as d using (key_hash)
    union all
    select *
    from geo_source semi join repeated_geo_hashes as d using (key_hash)
    qualify row_number() over (partition by network, run_id, address order by located_at desc nulls last) = 1
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
    v.outcome not in ('not_dialed', 'unsupported_network') as is_dialed,
    v.outcome in ('ok', 'no_addr_reply') as is_reachable,
    v.protocol_version,
    v.user_agent,
    gr.run_id is not null as run_is_geolocated,
    upper(g.country_code) as country_code,
    upper(g.continent_code) as continent_code,
    g.asn,
    g.as_org
from deduplicated_visits as v
inner join runs_source as r on r.network = v.network and r.run_id = v.run_id
left join geolocated_runs as gr on gr.network = v.network and gr.run_id = v.run_id
left join deduplicated_geo as g on g.network = v.network and g.run_id = v.run_id and g.address = v.address;
