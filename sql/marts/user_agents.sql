-- mart_user_agents: which software do a run's reachable nodes announce?
-- One row per (network, run_id, user_agent) over reachable nodes of every sealed run.
--   network, run_id, started_at   the run
--   user_agent                    BIP14 user agent from the version message, as sent (e.g. /Satoshi:27.0.0/);
--                                 null when the peer sent none
--   reachable_nodes               reachable nodes announcing it
--   share                         reachable_nodes / all reachable nodes of the run
--   agent_rank                    1 = the most common user agent in the run
create or replace view mart_user_agents as
with
reachable_source as (
    select network, run_id, user_agent from int_nodes where is_reachable
),

runs_source as (
    select network, run_id, started_at from stg_runs
),

per_agent as (
    select network, run_id, user_agent, count(*) as reachable_nodes
    from reachable_source
    group by network, run_id, user_agent
)

select
    a.network,
    a.run_id,
    r.started_at,
    a.user_agent,
    a.reachable_nodes,
    a.reachable_nodes / sum(a.reachable_nodes) over (partition by a.network, a.run_id) as share,
    row_number() over (
        partition by a.network, a.run_id order by a.reachable_nodes desc, a.user_agent nulls last
    ) as agent_rank
from per_agent as a
inner join runs_source as r on r.network = a.network and r.run_id = a.run_id
order by r.started_at, a.network, agent_rank;
