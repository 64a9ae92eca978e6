-- SQLite twin of sql/staging/stg_runs.sql for bench/marts.bench.ts: the sealed runs in order.
-- Base tables runs, visits, geo and nodes are loaded (and indexed) once before timing; the scripts are timed.
create temp table stg_runs as
select
    network,
    run_id,
    started_at,
    row_number() over (partition by network order by started_at, run_id) as run_seq
from runs
where state = 'succeeded';
