-- mart_concentration: how concentrated are a geolocated run's reachable nodes in a few ASes or countries?
-- One row per (network, run_id, dimension) for every sealed run that has geo rows, dimension 'asn' or
-- 'country'. Only located reachable nodes count here (denominator located_nodes): nodes with no AS (resp.
-- country), such as Tor/I2P/CJDNS addresses, are not one big group. N of the top-N share comes from
-- stg_settings (`set variable fluxture_top_n = 10`).
--   network, run_id, started_at   the run
--   dimension                     'asn' or 'country'
--   reachable_nodes               reachable nodes of the run, located or not
--   located_nodes                 of those, nodes with a known AS (resp. country)
--   groups                        distinct ASes (resp. countries) holding them
--   hhi                           Herfindahl-Hirschman index: sum of squared shares of located_nodes, from
--                                 1/groups (even spread) to 1 (one group holds all); x 10,000 for the
--                                 antitrust scale
--   top_n                         the N used
--   top_n_share                   share of located_nodes in the N largest groups
--   nakamoto_coefficient          fewest groups that together hold more than half of located_nodes
create or replace view mart_concentration as
with
reachable_in_geolocated_runs as (
    select network, run_id, asn, country_code
    from int_nodes
    where is_reachable and run_is_geolocated
),

runs_source as (
    select network, run_id, started_at from stg_runs
),

settings as (
    select top_n from stg_settings
),

located_pairs as (
    select network, run_id, asn, country_code, count(*) as nodes
    from reachable_in_geolocated_runs
    group by network, run_id, asn, country_code
),

reachable_per_run as (
    select network, run_id, sum(nodes)::bigint as reachable_nodes
    from located_pairs
    group by network, run_id
),

group_sizes as (
    select network, run_id, 'asn' as dimension, asn::varchar as group_key, sum(nodes)::bigint as nodes
    from located_pairs
    where asn is not null
    group by network, run_id, asn
    union all
    select network, run_id, 'country' as dimension, country_code as group_key, sum(nodes)::bigint as nodes
    from located_pairs
    where country_code is not null
    group by network, run_id, country_code
),

ranked as (
    select
        network,
        run_id,
        dimension,
        nodes,
        row_number() over w_desc as group_rank,
        sum(nodes) over w_desc as cumulative_nodes,
        sum(nodes) over (partition by network, run_id, dimension) as located_nodes
    from group_sizes
    window w_desc as (
        partition by network, run_id, dimension order by nodes desc, group_key
        rows between unbounded preceding and current row
    )
),

per_dimension as (
    select
        k.network,
        k.run_id,
        k.dimension,
        any_value(k.located_nodes) as located_nodes,
        count(*) as groups,
        sum((k.nodes / k.located_nodes) ^ 2) as hhi,
        s.top_n,
        sum(k.nodes) filter (where k.group_rank <= s.top_n) / any_value(k.located_nodes) as top_n_share,
        min(k.group_rank) filter (where k.cumulative_nodes * 2 > k.located_nodes) as nakamoto_coefficient
    from ranked as k
    cross join settings as s
    group by k.network, k.run_id, k.dimension, s.top_n
)

select
    d.network,
    d.run_id,
    r.started_at,
    d.dimension,
    n.reachable_nodes,
    d.located_nodes,
    d.groups,
    d.hhi,
    d.top_n,
    d.top_n_share,
    d.nakamoto_coefficient
from per_dimension as d
inner join runs_source as r on r.network = d.network and r.run_id = d.run_id
inner join reachable_per_run as n on n.network = d.network and n.run_id = d.run_id
order by r.started_at, d.network, d.dimension;
