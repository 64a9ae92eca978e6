-- stg_runs: which sealed runs exist, and in what order within their network?
-- One row per sealed run (state 'succeeded'); runs of a network are ordered by start time (then id).
--   network          network the run crawled (mainnet, testnet, ..., simnet)
--   run_id           run id YYYYMMDDTHHMMSSZ (UTC start second)
--   started_at       when the run started (UTC)
--   finished_at      when the run was sealed (UTC)
--   duration_s       finished_at - started_at, seconds
--   run_seq          1 for the network's first sealed run, 2 for the next, ...
--   previous_run_id  run_id of the network's sealed run just before this one; null for the first
--   network_runs     number of sealed runs of this network
--   nodes_prepared   the run has a current nodes.parquet (views.sql: runs_with_current_nodes): int_nodes
--                    reads it instead of joining the run's visits and geo
create or replace view stg_runs as
with
runs_source as (
    select network, run_id, started_at, finished_at, duration_s
    from runs
),

prepared_runs as (
    select network, run_id
    from runs_with_current_nodes
),

ordered as (
    select
        r.*,
        row_number() over (partition by r.network order by r.started_at, r.run_id) as run_seq,
        p.run_id is not null as nodes_prepared
    from runs_source as r
    left join prepared_runs as p on p.network = r.network and p.run_id = r.run_id
)

select
    network,
    run_id,
    started_at,
    finished_at,
    duration_s,
    run_seq,
    lag(run_id) over (partition by network order by run_seq) as previous_run_id,
    count(*) over (partition by network) as network_runs,
    nodes_prepared
from ordered;
