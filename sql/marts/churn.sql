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

paired as (
    select
        coalesce(cur.network, prev.network) as network,
        coalesce(cur.run_seq, prev.run_seq + 1) as run_seq,
        cur.address is not null as in_current,
        prev.address is not null as in_previous
    from reachable_seq as cur
    full outer join reachable_seq as prev
        on prev.network = cur.network
        and prev.run_seq = cur.run_seq - 1
        and prev.address = cur.address
        and prev.port = cur.port
),

per_run as (
    select
        network,
        run_seq,
        count(*) filter (where in_current and not in_previous) as joined,
        count(*) filter (where in_previous and not in_current) as left_nodes,
        count(*) filter (where in_current and in_previous) as stayed
    from paired
    group by network, run_seq
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
    coalesce(c.joined, 0) + coalesce(c.stayed, 0) as reachable_nodes,
    coalesce(c.left_nodes, 0) + coalesce(c.stayed, 0) as previous_reachable_nodes,
    coalesce(c.joined, 0) as joined,
    coalesce(c.left_nodes, 0) as left_nodes,
    coalesce(c.stayed, 0) as stayed,
    (coalesce(c.joined, 0) + coalesce(c.left_nodes, 0))
        / nullif(coalesce(c.joined, 0) + coalesce(c.left_nodes, 0) + coalesce(c.stayed, 0), 0) as churn_rate
from pairs as p
left join per_run as c on c.network = p.network and c.run_seq = p.run_seq
order by p.network, p.started_at;
