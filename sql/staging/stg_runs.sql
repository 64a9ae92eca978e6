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
create or replace view stg_runs as
with
runs_source as (
    select network, run_id, started_at, finished_at, duration_s
    from runs
),

ordered as (
    select
        *,
        row_number() over (partition by network order by started_at, run_id) as run_seq
    from runs_source
)

select
    network,
    run_id,
    started_at,
    finished_at,
    duration_s,
    run_seq,
    lag(run_id) over (partition by network order by run_seq) as previous_run_id,
    count(*) over (partition by network) as network_runs
from ordered;
