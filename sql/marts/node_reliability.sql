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
visits_source as (
    select network, run_id, address, port, is_reachable from stg_visits
),

runs_source as (
    select network, run_id, started_at, network_runs from stg_runs
),

node_runs as (
    select v.network, v.address, v.port, v.run_id, v.is_reachable, r.started_at, r.network_runs
    from visits_source as v
    inner join runs_source as r on r.network = v.network and r.run_id = v.run_id
),

per_node as (
    select
        network,
        address,
        port,
        any_value(network_runs) as network_runs,
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
    network,
    address,
    port,
    network_runs,
    runs_recorded,
    runs_reachable,
    runs_reachable / network_runs as reachable_share,
    first_seen_run_id,
    first_seen_at,
    last_seen_run_id,
    last_seen_at
from per_node;
