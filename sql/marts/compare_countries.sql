-- mart_compare_countries: how do per-country node counts change across the runs of a network?
-- fluxture's `compare location` as a long table (pivot it on run_id for fluxture's matrix:
-- `pivot mart_compare_countries on run_id using sum(reachable_nodes) group by network, country_code`).
-- One row per (network, country_code, run_id) over every sealed run that has geo rows; a country with no
-- node in a run has no row for that run.
--   network                 the network
--   country_code            ISO 3166-1 alpha-2; null = not located (overlay addresses, unknown IPs)
--   run_id, started_at      the run
--   discovered_nodes        nodes of the run's visits in that country (fluxture's default count)
--   reachable_nodes         of those, reachable nodes (fluxture's --only-crawled-nodes count)
--   previous_run_id         the previous geolocated sealed run of the network; null for the first
--   previous_reachable_nodes  reachable_nodes of the country in previous_run_id (0 if none there)
--   reachable_change        reachable_nodes - previous_reachable_nodes; null for the first run
create or replace view mart_compare_countries as
with
located as (
    select network, run_id, country_code, is_reachable
    from int_nodes
    where run_is_geolocated
),

geolocated_runs as (
    select
        network,
        run_id,
        started_at,
        lag(run_id) over (partition by network order by started_at, run_id) as previous_run_id
    from (select distinct network, run_id, started_at from int_nodes where run_is_geolocated)
),

per_country as (
    select
        network,
        run_id,
        country_code,
        count(*) as discovered_nodes,
        count(*) filter (where is_reachable) as reachable_nodes
    from located
    group by network, run_id, country_code
)

select
    c.network,
    c.country_code,
    c.run_id,
    gr.started_at,
    c.discovered_nodes,
    c.reachable_nodes,
    gr.previous_run_id,
    case when gr.previous_run_id is not null then coalesce(p.reachable_nodes, 0) end as previous_reachable_nodes,
    case when gr.previous_run_id is not null then c.reachable_nodes - coalesce(p.reachable_nodes, 0) end
        as reachable_change
from per_country as c
inner join geolocated_runs as gr on gr.network = c.network and gr.run_id = c.run_id
left join per_country as p
    on p.network = c.network
    and p.run_id = gr.previous_run_id
    and p.country_code is not distinct from c.country_code
order by c.network, c.country_code nulls last, gr.started_at;
