-- mart_protocol_versions: which P2P protocol versions do a run's reachable nodes speak?
-- One row per (network, run_id, protocol_version) over reachable nodes of every sealed run.
--   network, run_id, started_at   the run
--   protocol_version              version field of the peer's version message (e.g. 70016); null if absent
--   reachable_nodes               reachable nodes announcing it
--   share                         reachable_nodes / all reachable nodes of the run
--   cumulative_share              share of the run's reachable nodes at this version or older
create or replace view mart_protocol_versions as
with
reachable_source as (
    select network, run_id, protocol_version from int_nodes where is_reachable
),

runs_source as (
    select network, run_id, started_at from stg_runs
),

per_version as (
    select network, run_id, protocol_version, count(*) as reachable_nodes
    from reachable_source
    group by network, run_id, protocol_version
)

select
    v.network,
    v.run_id,
    r.started_at,
    v.protocol_version,
    v.reachable_nodes,
    v.reachable_nodes / sum(v.reachable_nodes) over (partition by v.network, v.run_id) as share,
    sum(v.reachable_nodes) over (
        partition by v.network, v.run_id order by v.protocol_version nulls first
        rows between unbounded preceding and current row
    ) / sum(v.reachable_nodes) over (partition by v.network, v.run_id) as cumulative_share
from per_version as v
inner join runs_source as r on r.network = v.network and r.run_id = v.run_id
order by r.started_at, v.network, v.protocol_version nulls first;
