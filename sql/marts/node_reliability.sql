-- mart_node_reliability: how dependably is each node reachable across the sealed runs of its network?
-- One row per (network, address, port) that any sealed run of the network recorded in its visits.
-- "Seen" means reachable (handshake completed, stg_visits.is_reachable).
--   network              the network
--   address, port        the node
--   network_runs         sealed runs of the network (the denominator)
--   runs_recorded        runs whose visits list the node (dialed or not)
--   runs_reachable       runs in which it was reachable
--   reachable_share      runs_reachable / network_runs
--   first_seen_run_id    earliest run in which it was reachable; null if never
--   first_seen_at        that run's start time
--   last_seen_run_id     latest run in which it was reachable; null if never
--   last_seen_at         that run's start time
create or replace view mart_node_reliability as
with
node_runs as (
    select network, run_id, started_at, address, port, is_reachable from int_nodes
),

runs_per_network as (
    select network, count(*) as network_runs from stg_runs group by network
),

per_node as (
    select
        network,
        address,
        port,
        count(*) as runs_recorded,
        count(*) filter (where is_reachable) as runs_reachable,
        arg_min(run_id, started_at) filter (where is_reachable) as first_seen_run_id,
        min(started_at) filter (where is_reachable) as first_seen_at,
        arg_max(run_id, started_at) filter (where is_reachable) as last_seen_run_id,
        max(started_at) filter (where is_reachable) as last_seen_at
    from node_runs
    group by network, address, port
)

select
    p.network,
    p.address,
    p.port,
    n.network_runs,
    p.runs_recorded,
    p.runs_reachable,
    p.runs_reachable / n.network_runs as reachable_share,
    p.first_seen_run_id,
    p.first_seen_at,
    p.last_seen_run_id,
    p.last_seen_at
from per_node as p
inner join runs_per_network as n on n.network = p.network;
