-- int_joined_nodes: int_nodes for the runs without a current nodes.parquet, joined from visits and geo.
-- One row per (network, run_id, address, port) of every sealed run whose stg_runs.nodes_prepared is false:
-- the node's visit joined to its run and, when the run was geolocated, to its address's geo row. It is also
-- what `fluxture analyze` writes to a run's nodes.parquet (pipeline/sql/nodes.ts), so both paths of int_nodes
-- give the same rows (test/sql/nodes.test.ts checks it).
-- It is stg_visits ⋈ stg_runs ⟕ stg_geo (visits are unique per node: the crawl writer guarantees it and
-- sql/checks/visits_unique_address_port.sql reports a run that breaks it; geo keeps the latest lookup per
-- address, as stg_geo does), but reads the sealed views directly and keeps only the columns
-- below, so the Parquet files are read once and narrowly (test/sql/marts.test.ts checks both give the same).
-- Only the runs it covers are read: the semi joins on unprepared_runs let DuckDB skip every other run's files.
--   network, run_id, started_at, run_seq   the run and its place among the network's sealed runs
--   address, port, network_type            the node
--   outcome                                what the crawler got (visits.outcome)
--   protocol_version, user_agent           from its version message (null without a handshake)
--   run_is_geolocated                      the run has geo rows (the geo marts only use such runs)
--   country_code, continent_code           from its geo row, upper-cased; null when not located
--   asn, as_org                            likewise
create or replace view int_joined_nodes as
with
unprepared_runs as (
    select network, run_id, started_at, run_seq
    from stg_runs
    where not nodes_prepared
),

visits_source as materialized (
    select v.network, v.run_id, v.address, v.port, v.network_type, v.outcome, v.protocol_version, v.user_agent
    from visits as v
    semi join unprepared_runs as u on u.network = v.network and u.run_id = v.run_id
),

geo_source as materialized (
    select
        g.network, g.run_id, g.address, g.country_code, g.continent_code, g.asn, g.as_org, g.located_at,
        hash(g.network, g.run_id, g.address) as key_hash
    from geo as g
    semi join unprepared_runs as u on u.network = g.network and u.run_id = g.run_id
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
),

runs_with_geo_flag as (
    select
        u.network,
        u.run_id,
        u.started_at,
        u.run_seq,
        gr.run_id is not null as run_is_geolocated
    from unprepared_runs as u
    left join geolocated_runs as gr on gr.network = u.network and gr.run_id = u.run_id
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
    v.protocol_version,
    v.user_agent,
    r.run_is_geolocated,
    upper(g.country_code) as country_code,
    upper(g.continent_code) as continent_code,
    g.asn,
    g.as_org
from visits_source as v
inner join runs_with_geo_flag as r on r.network = v.network and r.run_id = v.run_id
left join deduplicated_geo as g on g.network = v.network and g.run_id = v.run_id and g.address = v.address;
