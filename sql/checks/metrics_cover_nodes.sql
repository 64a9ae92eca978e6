-- check metrics_cover_nodes: does every sealed run that has node_metrics have a row for each graph node?
-- The graph's nodes are every (address, port) that appears in the run's getaddr-reply addrs (in_reply), as a
-- source or as an advertised address. Zero rows = pass.
--   network, run_id   the run with node_metrics
--   address, port     a graph node with no node_metrics row
--   role              'source', 'advertised' or 'source,advertised'
with
addrs_source as (
    select network, run_id, source_address, source_port, address, port from addrs
    where coalesce(in_reply, true)
),

metrics_source as (
    select network, run_id, address, port from node_metrics
),

measured_runs as (
    select distinct network, run_id from metrics_source
),

graph_nodes as (
    select network, run_id, source_address as address, source_port as port, 'source' as role
    from addrs_source
    union
    select network, run_id, address, port, 'advertised' as role
    from addrs_source
),

expected as (
    select n.network, n.run_id, n.address, n.port, string_agg(n.role, ',' order by n.role desc) as role
    from graph_nodes as n
    semi join measured_runs as m on m.network = n.network and m.run_id = n.run_id
    group by n.network, n.run_id, n.address, n.port
)

select e.network, e.run_id, e.address, e.port, e.role
from expected as e
anti join metrics_source as m
    on m.network = e.network and m.run_id = e.run_id and m.address = e.address and m.port = e.port
order by e.network, e.run_id, e.address, e.port;
