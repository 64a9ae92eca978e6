-- mart_churn: between two consecutive sealed runs of a network, which reachable nodes joined, left, stayed?
-- One row per sealed run that has a previous sealed run of the same network (runs ordered by start time,
-- see stg_runs). A node is an (address, port) pair; "reachable" as in stg_visits.is_reachable.
--   network                    the network
--   run_id, started_at         the later run
--   previous_run_id            the network's sealed run just before it
--   previous_started_at        its start time
--   reachable_nodes            reachable nodes in run_id
--   previous_reachable_nodes   reachable nodes in previous_run_id
--   joined                     reachable in run_id, not in previous_run_id (absent or unreachable there)
--   left_nodes                 reachable in previous_run_id, not in run_id
--   stayed                     reachable in both
--   churn_rate                 (joined + left_nodes) / (reachable in either run); 0 = identical sets
create or replace view mart_churn as
with
reachable_seq as (
    select network, run_seq, address, port from int_nodes where is_reachable
),

runs_source as (
    select network, run_id, started_at, run_seq from stg_runs
),

reachable_per_run as (
    select network, run_seq, count(*) as reachable_nodes
    from reachable_seq
    group by network, run_seq
),

stayed_per_run as (
    select cur.network, cur.run_seq, count(*) as stayed
    from reachable_seq as cur
    inner join reachable_seq as prev
        on prev.network = cur.network
        and prev.run_seq = cur.run_seq - 1
        and prev.address = cur.address
        and prev.port = cur.port
    group by cur.network, cur.run_seq
),

pairs as (
    select
        cur.network,
        cur.run_id,
        cur.started_at,
        cur.run_seq,
        prev.run_id as previous_run_id,
        prev.started_at as previous_started_at
    from runs_source as cur
    inner join runs_source as prev on prev.network = cur.network and prev.run_seq = cur.run_seq - 1
)

select
    p.network,
    p.run_id,
    p.started_at,
    p.previous_run_id,
    p.previous_started_at,
    coalesce(c.reachable_nodes, 0) as reachable_nodes,
    coalesce(pc.reachable_nodes, 0) as previous_reachable_nodes,
    coalesce(c.reachable_nodes, 0) - coalesce(s.stayed, 0) as joined,
    coalesce(pc.reachable_nodes, 0) - coalesce(s.stayed, 0) as left_nodes,
    coalesce(s.stayed, 0) as stayed,
    (coalesce(c.reachable_nodes, 0) + coalesce(pc.reachable_nodes, 0) - 2 * coalesce(s.stayed, 0))
        / nullif(coalesce(c.reachable_nodes, 0) + coalesce(pc.reachable_nodes, 0) - coalesce(s.stayed, 0), 0)
        as churn_rate
from pairs as p
left join reachable_per_run as c on c.network = p.network and c.run_seq = p.run_seq
left join reachable_per_run as pc on pc.network = p.network and pc.run_seq = p.run_seq - 1
left join stayed_per_run as s on s.network = p.network and s.run_seq = p.run_seq
order by p.network, p.started_at;
