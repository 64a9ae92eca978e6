-- mart_reachable_by_asn: which autonomous systems host a geolocated run's reachable nodes?
-- One row per (network, run_id, asn) for every sealed run that has geo rows.
--   network, run_id, started_at   the run
--   asn                           autonomous system number; null = not located (overlay addresses, or an IP
--                                 the ASN database does not know)
--   as_org                        organisation of the AS (the alphabetically last name seen, if they differ)
--   reachable_nodes               reachable nodes ((address, port) pairs) in that AS
--   share                         reachable_nodes / all reachable nodes of the run (shares sum to 1)
--   asn_rank                      1 = the AS with the most reachable nodes in the run
create or replace view mart_reachable_by_asn as
with
reachable_source as (
    select network, run_id, asn, as_org
    from int_nodes
    where is_reachable and run_is_geolocated
),

runs_source as (
    select network, run_id, started_at from stg_runs
),

per_asn as (
    select network, run_id, asn, max(as_org) as as_org, count(*) as reachable_nodes
    from reachable_source
    group by network, run_id, asn
)

select
    a.network,
    a.run_id,
    r.started_at,
    a.asn,
    a.as_org,
    a.reachable_nodes,
    a.reachable_nodes / sum(a.reachable_nodes) over (partition by a.network, a.run_id) as share,
    row_number() over (
        partition by a.network, a.run_id order by a.reachable_nodes desc, a.asn nulls last
    ) as asn_rank
from per_asn as a
inner join runs_source as r on r.network = a.network and r.run_id = a.run_id
order by r.started_at, a.network, asn_rank;
