-- mart_unreachable: of the nodes a run recorded, how many could not be reached, and why?
-- fluxture counted every node it never completed a connection with as "unreachable", mixing addresses it
-- never dialed with dials that failed. Here each ratio names its numerator and denominator, and the
-- outcome called `unreachable` (no route to the host) is one failure reason among others.
-- One row per sealed run.
--   network, run_id, started_at          the run
--   discovered_nodes                     nodes ((address, port) pairs) in the run's visits
--   not_dialed_nodes                     never dialed (outcome not_dialed: over a limit, policy, deadline)
--   unsupported_network_nodes            not dialable by this crawler (outcome unsupported_network)
--   dialed_nodes                         discovered_nodes minus the two above
--   reachable_nodes                      dialed and the version handshake completed (ok, no_addr_reply)
--   failed_nodes                         dialed_nodes - reachable_nodes
--   refused_nodes, timeout_nodes, no_route_nodes (outcome 'unreachable'), connect_failed_nodes (refused,
--   timeout or no route, not told apart: runs imported from the original fluxture), reset_nodes,
--   protocol_error_nodes, proxy_error_nodes, cancelled_nodes
--                                        failed_nodes split by outcome (they sum to failed_nodes)
--   failed_share_of_dialed               failed_nodes / dialed_nodes: the dial failure rate
--   not_reachable_share_of_discovered    (discovered_nodes - reachable_nodes) / discovered_nodes: fluxture's
--                                        "unreachable" ratio, which includes nodes never dialed
--   no_route_share_of_dialed             no_route_nodes / dialed_nodes: outcome 'unreachable' only
create or replace view mart_unreachable as
with
visits_source as (
    select network, run_id, outcome, is_dialed, is_reachable from int_nodes
),

runs_source as (
    select network, run_id, started_at from stg_runs
),

per_outcome as (
    select network, run_id, outcome, any_value(is_dialed) as is_dialed, any_value(is_reachable) as is_reachable,
        count(*) as nodes
    from visits_source
    group by network, run_id, outcome
),

per_run as (
    select
        network,
        run_id,
        sum(nodes)::bigint as discovered_nodes,
        coalesce(sum(nodes) filter (where outcome = 'not_dialed'), 0)::bigint as not_dialed_nodes,
        coalesce(sum(nodes) filter (where outcome = 'unsupported_network'), 0)::bigint as unsupported_network_nodes,
        coalesce(sum(nodes) filter (where is_dialed), 0)::bigint as dialed_nodes,
        coalesce(sum(nodes) filter (where is_reachable), 0)::bigint as reachable_nodes,
        coalesce(sum(nodes) filter (where is_dialed and not is_reachable), 0)::bigint as failed_nodes,
        coalesce(sum(nodes) filter (where outcome = 'refused'), 0)::bigint as refused_nodes,
        coalesce(sum(nodes) filter (where outcome = 'timeout'), 0)::bigint as timeout_nodes,
        coalesce(sum(nodes) filter (where outcome = 'unreachable'), 0)::bigint as no_route_nodes,
        coalesce(sum(nodes) filter (where outcome = 'connect_failed'), 0)::bigint as connect_failed_nodes,
        coalesce(sum(nodes) filter (where outcome = 'reset'), 0)::bigint as reset_nodes,
        coalesce(sum(nodes) filter (where outcome = 'protocol_error'), 0)::bigint as protocol_error_nodes,
        coalesce(sum(nodes) filter (where outcome = 'proxy_error'), 0)::bigint as proxy_error_nodes,
        coalesce(sum(nodes) filter (where outcome = 'cancelled'), 0)::bigint as cancelled_nodes
    from per_outcome
    group by network, run_id
)

select
    r.network,
    r.run_id,
    r.started_at,
    coalesce(p.discovered_nodes, 0) as discovered_nodes,
    coalesce(p.not_dialed_nodes, 0) as not_dialed_nodes,
    coalesce(p.unsupported_network_nodes, 0) as unsupported_network_nodes,
    coalesce(p.dialed_nodes, 0) as dialed_nodes,
    coalesce(p.reachable_nodes, 0) as reachable_nodes,
    coalesce(p.failed_nodes, 0) as failed_nodes,
    coalesce(p.refused_nodes, 0) as refused_nodes,
    coalesce(p.timeout_nodes, 0) as timeout_nodes,
    coalesce(p.no_route_nodes, 0) as no_route_nodes,
    coalesce(p.connect_failed_nodes, 0) as connect_failed_nodes,
    coalesce(p.reset_nodes, 0) as reset_nodes,
    coalesce(p.protocol_error_nodes, 0) as protocol_error_nodes,
    coalesce(p.proxy_error_nodes, 0) as proxy_error_nodes,
    coalesce(p.cancelled_nodes, 0) as cancelled_nodes,
    p.failed_nodes / nullif(p.dialed_nodes, 0) as failed_share_of_dialed,
    (p.discovered_nodes - p.reachable_nodes) / nullif(p.discovered_nodes, 0) as not_reachable_share_of_discovered,
    p.no_route_nodes / nullif(p.dialed_nodes, 0) as no_route_share_of_dialed
from runs_source as r
left join per_run as p on p.network = r.network and p.run_id = r.run_id
order by r.started_at, r.network;
