-- The marts of sql/marts written for SQLite (bench/marts.bench.ts times them against DuckDB on the same rows).
-- Same logic as the DuckDB files over int_nodes (built by int-nodes-prepared.sql or int-nodes-joined.sql): sealed
-- runs only, the same definitions of reachable/dialed/located, the same outputs (out_<mart> tables).
-- SQLite has no regexp, lists or arg_min, so versions are parsed with substr/instr and compared as row values.

create temp table out_nodes_by_network_type as
with per_type as (
    select network, run_id, network_type, count(*) as discovered_nodes, sum(is_dialed) as dialed_nodes,
        sum(is_reachable) as reachable_nodes
    from int_nodes
    group by network, run_id, network_type
)
select t.network, t.run_id, r.started_at, t.network_type, t.discovered_nodes, t.dialed_nodes, t.reachable_nodes,
    1.0 * t.reachable_nodes / nullif(t.dialed_nodes, 0) as reachable_share_of_dialed,
    1.0 * t.reachable_nodes / nullif(sum(t.reachable_nodes) over (partition by t.network, t.run_id), 0) as share_of_run_reachable
from per_type as t
inner join stg_runs as r on r.network = t.network and r.run_id = t.run_id;

create temp table out_reachable_by_country as
with per_country as (
    select network, run_id, country_code, count(*) as reachable_nodes
    from int_nodes where is_reachable and run_is_geolocated
    group by network, run_id, country_code
)
select c.network, c.run_id, r.started_at, c.country_code, c.reachable_nodes,
    1.0 * c.reachable_nodes / sum(c.reachable_nodes) over (partition by c.network, c.run_id) as share,
    row_number() over (partition by c.network, c.run_id order by c.reachable_nodes desc, c.country_code is null, c.country_code) as country_rank
from per_country as c
inner join stg_runs as r on r.network = c.network and r.run_id = c.run_id;

create temp table out_reachable_by_continent as
with per_continent as (
    select network, run_id, continent_code, count(*) as reachable_nodes
    from int_nodes where is_reachable and run_is_geolocated
    group by network, run_id, continent_code
)
select c.network, c.run_id, r.started_at, c.continent_code, c.reachable_nodes,
    1.0 * c.reachable_nodes / sum(c.reachable_nodes) over (partition by c.network, c.run_id) as share,
    row_number() over (partition by c.network, c.run_id order by c.reachable_nodes desc, c.continent_code is null, c.continent_code) as continent_rank
from per_continent as c
inner join stg_runs as r on r.network = c.network and r.run_id = c.run_id;

create temp table out_reachable_by_asn as
with per_asn as (
    select network, run_id, asn, max(as_org) as as_org, count(*) as reachable_nodes
    from int_nodes where is_reachable and run_is_geolocated
    group by network, run_id, asn
)
select a.network, a.run_id, r.started_at, a.asn, a.as_org, a.reachable_nodes,
    1.0 * a.reachable_nodes / sum(a.reachable_nodes) over (partition by a.network, a.run_id) as share,
    row_number() over (partition by a.network, a.run_id order by a.reachable_nodes desc, a.asn is null, a.asn) as asn_rank
from per_asn as a
inner join stg_runs as r on r.network = a.network and r.run_id = a.run_id;

create temp table out_user_agents as
with per_agent as (
    select network, run_id, user_agent, count(*) as reachable_nodes
    from int_nodes where is_reachable
    group by network, run_id, user_agent
)
select a.network, a.run_id, r.started_at, a.user_agent, a.reachable_nodes,
    1.0 * a.reachable_nodes / sum(a.reachable_nodes) over (partition by a.network, a.run_id) as share,
    row_number() over (partition by a.network, a.run_id order by a.reachable_nodes desc, a.user_agent is null, a.user_agent) as agent_rank
from per_agent as a
inner join stg_runs as r on r.network = a.network and r.run_id = a.run_id;

create temp table out_protocol_versions as
with per_version as (
    select network, run_id, protocol_version, count(*) as reachable_nodes
    from int_nodes where is_reachable
    group by network, run_id, protocol_version
)
select v.network, v.run_id, r.started_at, v.protocol_version, v.reachable_nodes,
    1.0 * v.reachable_nodes / sum(v.reachable_nodes) over (partition by v.network, v.run_id) as share,
    1.0 * sum(v.reachable_nodes) over (partition by v.network, v.run_id order by v.protocol_version nulls first
        rows between unbounded preceding and current row) / sum(v.reachable_nodes) over (partition by v.network, v.run_id) as cumulative_share
from per_version as v
inner join stg_runs as r on r.network = v.network and r.run_id = v.run_id;

create temp table out_outdated_versions as
with parsed as (
    select network, run_id, protocol_version,
        case when user_agent like '/Satoshi:%' then substr(user_agent, 10, instr(substr(user_agent, 10), '/') - 1) end as core_version
    from int_nodes where is_reachable
),
parts as (
    select network, run_id, protocol_version, core_version,
        cast(core_version as integer) as major,
        substr(core_version, instr(core_version, '.') + 1) as after_major
    from parsed
),
numbers as (
    select network, run_id, protocol_version, core_version, major,
        case when instr(core_version, '.') > 0 then cast(after_major as integer) else -1 end as minor,
        case when instr(after_major, '.') > 0 then cast(substr(after_major, instr(after_major, '.') + 1) as integer) else -1 end as patch
    from parts
),
per_run as (
    select network, run_id, count(*) as reachable_nodes,
        sum(core_version is not null and core_version <> '') as core_nodes,
        sum(core_version is not null and core_version <> '' and (major, minor, patch) < (22, 0, -1)) as outdated_core_nodes,
        sum(protocol_version < 70016) as old_protocol_nodes
    from numbers
    group by network, run_id
)
select r.network, r.run_id, r.started_at, '22.0' as outdated_before, 70016 as min_protocol_version,
    coalesce(p.reachable_nodes, 0) as reachable_nodes, coalesce(p.core_nodes, 0) as core_nodes,
    coalesce(p.outdated_core_nodes, 0) as outdated_core_nodes,
    1.0 * p.outdated_core_nodes / nullif(p.core_nodes, 0) as outdated_share_of_core,
    1.0 * p.outdated_core_nodes / nullif(p.reachable_nodes, 0) as outdated_share_of_reachable,
    coalesce(p.old_protocol_nodes, 0) as old_protocol_nodes,
    1.0 * p.old_protocol_nodes / nullif(p.reachable_nodes, 0) as old_protocol_share_of_reachable
from stg_runs as r
left join per_run as p on p.network = r.network and p.run_id = r.run_id;

create temp table out_concentration as
with located as (
    select network, run_id, asn, country_code from int_nodes where is_reachable and run_is_geolocated
),
reachable_per_run as (
    select network, run_id, count(*) as reachable_nodes from located group by network, run_id
),
group_sizes as (
    select network, run_id, 'asn' as dimension, cast(asn as text) as group_key, count(*) as nodes
    from located where asn is not null group by network, run_id, asn
    union all
    select network, run_id, 'country' as dimension, country_code as group_key, count(*) as nodes
    from located where country_code is not null group by network, run_id, country_code
),
ranked as (
    select network, run_id, dimension, nodes,
        row_number() over w as group_rank,
        sum(nodes) over w as cumulative_nodes,
        sum(nodes) over (partition by network, run_id, dimension) as located_nodes
    from group_sizes
    window w as (partition by network, run_id, dimension order by nodes desc, group_key rows between unbounded preceding and current row)
),
per_dimension as (
    select network, run_id, dimension, max(located_nodes) as located_nodes, count(*) as groups,
        sum((1.0 * nodes / located_nodes) * (1.0 * nodes / located_nodes)) as hhi,
        5 as top_n,
        1.0 * sum(case when group_rank <= 5 then nodes end) / max(located_nodes) as top_n_share,
        min(case when cumulative_nodes * 2 > located_nodes then group_rank end) as nakamoto_coefficient
    from ranked
    group by network, run_id, dimension
)
select d.network, d.run_id, r.started_at, d.dimension, n.reachable_nodes, d.located_nodes, d.groups, d.hhi, d.top_n,
    d.top_n_share, d.nakamoto_coefficient
from per_dimension as d
inner join stg_runs as r on r.network = d.network and r.run_id = d.run_id
inner join reachable_per_run as n on n.network = d.network and n.run_id = d.run_id;

create temp table reachable_seq as
select network, run_seq, address, port from int_nodes where is_reachable;
create index temp.reachable_seq_key on reachable_seq (network, run_seq, address, port);

create temp table out_churn as
with counts as (
    select network, run_seq, count(*) as reachable_nodes from reachable_seq group by network, run_seq
),
stayed as (
    select c.network, c.run_seq, count(*) as stayed
    from reachable_seq as c
    inner join reachable_seq as p
        on p.network = c.network and p.run_seq = c.run_seq - 1 and p.address = c.address and p.port = c.port
    group by c.network, c.run_seq
)
select cur.network, cur.run_id, cur.started_at, prev.run_id as previous_run_id, prev.started_at as previous_started_at,
    coalesce(cc.reachable_nodes, 0) as reachable_nodes,
    coalesce(pc.reachable_nodes, 0) as previous_reachable_nodes,
    coalesce(cc.reachable_nodes, 0) - coalesce(s.stayed, 0) as joined,
    coalesce(pc.reachable_nodes, 0) - coalesce(s.stayed, 0) as left_nodes,
    coalesce(s.stayed, 0) as stayed,
    1.0 * (coalesce(cc.reachable_nodes, 0) + coalesce(pc.reachable_nodes, 0) - 2 * coalesce(s.stayed, 0))
        / nullif(coalesce(cc.reachable_nodes, 0) + coalesce(pc.reachable_nodes, 0) - coalesce(s.stayed, 0), 0) as churn_rate
from stg_runs as cur
inner join stg_runs as prev on prev.network = cur.network and prev.run_seq = cur.run_seq - 1
left join counts as cc on cc.network = cur.network and cc.run_seq = cur.run_seq
left join counts as pc on pc.network = prev.network and pc.run_seq = prev.run_seq
left join stayed as s on s.network = cur.network and s.run_seq = cur.run_seq;

create temp table out_node_reliability as
with per_node as (
    select network, address, port, count(*) as runs_recorded, sum(is_reachable) as runs_reachable,
        min(case when is_reachable then started_at || run_id end) as first_seen,
        max(case when is_reachable then started_at || run_id end) as last_seen
    from int_nodes
    group by network, address, port
),
runs_per_network as (
    select network, count(*) as network_runs from stg_runs group by network
)
select p.network, p.address, p.port, n.network_runs, p.runs_recorded, p.runs_reachable,
    1.0 * p.runs_reachable / n.network_runs as reachable_share,
    substr(p.first_seen, 25) as first_seen_run_id, substr(p.first_seen, 1, 24) as first_seen_at,
    substr(p.last_seen, 25) as last_seen_run_id, substr(p.last_seen, 1, 24) as last_seen_at
from per_node as p
inner join runs_per_network as n on n.network = p.network;

create temp table out_unreachable as
with per_run as (
    select network, run_id, count(*) as discovered_nodes,
        sum(outcome = 'not_dialed') as not_dialed_nodes, sum(outcome = 'unsupported_network') as unsupported_network_nodes,
        sum(is_dialed) as dialed_nodes, sum(is_reachable) as reachable_nodes, sum(is_dialed and not is_reachable) as failed_nodes,
        sum(outcome = 'refused') as refused_nodes, sum(outcome = 'timeout') as timeout_nodes,
        sum(outcome = 'unreachable') as no_route_nodes, sum(outcome = 'reset') as reset_nodes,
        sum(outcome = 'protocol_error') as protocol_error_nodes, sum(outcome = 'proxy_error') as proxy_error_nodes,
        sum(outcome = 'cancelled') as cancelled_nodes
    from int_nodes
    group by network, run_id
)
select r.network, r.run_id, r.started_at, coalesce(p.discovered_nodes, 0) as discovered_nodes,
    coalesce(p.not_dialed_nodes, 0) as not_dialed_nodes, coalesce(p.unsupported_network_nodes, 0) as unsupported_network_nodes,
    coalesce(p.dialed_nodes, 0) as dialed_nodes, coalesce(p.reachable_nodes, 0) as reachable_nodes,
    coalesce(p.failed_nodes, 0) as failed_nodes, coalesce(p.refused_nodes, 0) as refused_nodes,
    coalesce(p.timeout_nodes, 0) as timeout_nodes, coalesce(p.no_route_nodes, 0) as no_route_nodes,
    coalesce(p.reset_nodes, 0) as reset_nodes, coalesce(p.protocol_error_nodes, 0) as protocol_error_nodes,
    coalesce(p.proxy_error_nodes, 0) as proxy_error_nodes, coalesce(p.cancelled_nodes, 0) as cancelled_nodes,
    1.0 * p.failed_nodes / nullif(p.dialed_nodes, 0) as failed_share_of_dialed,
    1.0 * (p.discovered_nodes - p.reachable_nodes) / nullif(p.discovered_nodes, 0) as not_reachable_share_of_discovered,
    1.0 * p.no_route_nodes / nullif(p.dialed_nodes, 0) as no_route_share_of_dialed
from stg_runs as r
left join per_run as p on p.network = r.network and p.run_id = r.run_id;

create temp table out_compare_countries as
with per_country as (
    select network, run_id, country_code, count(*) as discovered_nodes, sum(is_reachable) as reachable_nodes
    from int_nodes where run_is_geolocated
    group by network, run_id, country_code
),
geolocated_runs as (
    select network, run_id, started_at,
        lag(run_id) over (partition by network order by started_at, run_id) as previous_run_id
    from stg_runs as r
    where exists (select 1 from per_country as c where c.network = r.network and c.run_id = r.run_id)
)
select c.network, c.country_code, c.run_id, gr.started_at, c.discovered_nodes, c.reachable_nodes, gr.previous_run_id,
    case when gr.previous_run_id is not null then coalesce(p.reachable_nodes, 0) end as previous_reachable_nodes,
    case when gr.previous_run_id is not null then c.reachable_nodes - coalesce(p.reachable_nodes, 0) end as reachable_change
from per_country as c
inner join geolocated_runs as gr on gr.network = c.network and gr.run_id = c.run_id
left join per_country as p on p.network = c.network and p.run_id = gr.previous_run_id and p.country_code is c.country_code;
