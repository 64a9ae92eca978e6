-- check addrs_source_visited_ok: is every source of an advertised address a node the same run visited
-- with outcome 'ok'? (An addr entry can only come from a peer we talked to and that answered getaddr.)
-- Each returned row is a violation (zero rows = pass).
--   network, run_id               the run
--   source_address, source_port   the source node with no 'ok' visit in that run
--   source_outcome                its visit's outcome, or null when the run never visited it
--   edges                         addrs rows from that source
with
addrs_source as (
    select network, run_id, source_address, source_port from addrs
),

visits_source as (
    select network, run_id, address, port, outcome from visits
),

sources as (
    select network, run_id, source_address, source_port, count(*) as edges
    from addrs_source
    group by network, run_id, source_address, source_port
)

select
    s.network,
    s.run_id,
    s.source_address,
    s.source_port,
    string_agg(distinct v.outcome, ',' order by v.outcome) as source_outcome,
    s.edges
from sources as s
left join visits_source as v
    on v.network = s.network
    and v.run_id = s.run_id
    and v.address = s.source_address
    and v.port = s.source_port
group by s.network, s.run_id, s.source_address, s.source_port, s.edges
having count(*) filter (where v.outcome = 'ok') = 0
order by s.network, s.run_id, s.source_address, s.source_port;
