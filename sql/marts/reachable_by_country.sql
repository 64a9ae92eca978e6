-- mart_reachable_by_country: in which countries are a geolocated run's reachable nodes?
-- One row per (network, run_id, country_code) for every sealed run that has geo rows.
--   network, run_id, started_at   the run
--   country_code                  ISO 3166-1 alpha-2; null = not located (Tor/I2P/CJDNS addresses, or an
--                                 IP the City database does not place in a country)
--   reachable_nodes               reachable nodes ((address, port) pairs) in that country
--   share                         reachable_nodes / all reachable nodes of the run (shares sum to 1)
--   country_rank                  1 = the country with the most reachable nodes in the run
create or replace view mart_reachable_by_country as
with
reachable_source as (
    select network, run_id, country_code
    from int_nodes
    where is_reachable and run_is_geolocated
),

runs_source as (
    select network, run_id, started_at from stg_runs
),

per_country as (
    select network, run_id, country_code, count(*) as reachable_nodes
    from reachable_source
    group by network, run_id, country_code
)

select
    c.network,
    c.run_id,
    r.started_at,
    c.country_code,
    c.reachable_nodes,
    c.reachable_nodes / sum(c.reachable_nodes) over (partition by c.network, c.run_id) as share,
    row_number() over (
        partition by c.network, c.run_id order by c.reachable_nodes desc, c.country_code nulls last
    ) as country_rank
from per_country as c
inner join runs_source as r on r.network = c.network and r.run_id = c.run_id
order by r.started_at, c.network, country_rank;
