-- mart_reachable_by_continent: on which continents are a geolocated run's reachable nodes?
-- One row per (network, run_id, continent_code) for every sealed run that has geo rows.
--   network, run_id, started_at   the run
--   continent_code                AF|AN|AS|EU|NA|OC|SA; null = not located (overlay addresses, unknown IPs)
--   reachable_nodes               reachable nodes ((address, port) pairs) on that continent
--   share                         reachable_nodes / all reachable nodes of the run (shares sum to 1)
--   continent_rank                1 = the continent with the most reachable nodes in the run
create or replace view mart_reachable_by_continent as
with
reachable_source as (
    select network, run_id, continent_code
    from int_nodes
    where is_reachable and run_is_geolocated
),

runs_source as (
    select network, run_id, started_at from stg_runs
),

per_continent as (
    select network, run_id, continent_code, count(*) as reachable_nodes
    from reachable_source
    group by network, run_id, continent_code
)

select
    c.network,
    c.run_id,
    r.started_at,
    c.continent_code,
    c.reachable_nodes,
    c.reachable_nodes / sum(c.reachable_nodes) over (partition by c.network, c.run_id) as share,
    row_number() over (
        partition by c.network, c.run_id order by c.reachable_nodes desc, c.continent_code nulls last
    ) as continent_rank
from per_continent as c
inner join runs_source as r on r.network = c.network and r.run_id = c.run_id
order by r.started_at, c.network, continent_rank;
