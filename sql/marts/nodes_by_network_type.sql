-- mart_nodes_by_network_type: how many nodes did each sealed run record, dial and reach, per address family?
-- One row per (network, run_id, network_type): always the headline types ipv4, ipv6, onion_v3, i2p and cjdns (zero
-- when the run saw none: the numbers people compare with other crawlers), plus onion_v2 when a run recorded one.
-- A node is an (address, port) pair.
--   network, run_id, started_at   the run
--   network_type                  address family: ipv4|ipv6|onion_v2|onion_v3|i2p|cjdns
--   discovered_nodes              nodes in the run's visits (every address it recorded, dialed or not)
--   dialed_nodes                  of those, nodes the crawler tried to connect to (stg_visits.is_dialed)
--   reachable_nodes               of those, nodes that completed the version handshake (is_reachable)
--   reachable_share_of_dialed     reachable_nodes / dialed_nodes; null when none was dialed
--   share_of_run_reachable        this family's share of the run's reachable nodes; null when none
create or replace view mart_nodes_by_network_type as
with
visits_source as (
    select network, run_id, network_type, is_dialed, is_reachable from int_nodes
),

runs_source as (
    select network, run_id, started_at from stg_runs
),

-- lib/bitcoin/address.ts HEADLINE_NETWORK_TYPES
headline_types as (
    select network_type from (values ('ipv4'), ('ipv6'), ('onion_v3'), ('i2p'), ('cjdns')) as h (network_type)
),

run_types as (
    select v.network, v.run_id, h.network_type
    from (select distinct network, run_id from visits_source) as v
    cross join headline_types as h
    union
    select distinct network, run_id, network_type from visits_source
),

per_flags as (
    select network, run_id, network_type, is_dialed, is_reachable, count(*) as nodes
    from visits_source
    group by network, run_id, network_type, is_dialed, is_reachable
),

per_type as (
    select
        t.network,
        t.run_id,
        t.network_type,
        coalesce(sum(f.nodes), 0)::bigint as discovered_nodes,
        coalesce(sum(f.nodes) filter (where f.is_dialed), 0)::bigint as dialed_nodes,
        coalesce(sum(f.nodes) filter (where f.is_reachable), 0)::bigint as reachable_nodes
    from run_types as t
    left join per_flags as f on f.network = t.network and f.run_id = t.run_id and f.network_type = t.network_type
    group by t.network, t.run_id, t.network_type
)

select
    t.network,
    t.run_id,
    r.started_at,
    t.network_type,
    t.discovered_nodes,
    t.dialed_nodes,
    t.reachable_nodes,
    t.reachable_nodes / nullif(t.dialed_nodes, 0) as reachable_share_of_dialed,
    t.reachable_nodes / nullif(sum(t.reachable_nodes) over (partition by t.network, t.run_id), 0)
        as share_of_run_reachable
from per_type as t
inner join runs_source as r on r.network = t.network and r.run_id = t.run_id
order by r.started_at, t.network, t.network_type;
