-- mart_outdated_versions: what share of a run's reachable nodes runs software older than a cutoff?
-- One row per sealed run (a run with no reachable node has zero counts and null shares). Thresholds come from stg_settings (change them with
-- `set variable fluxture_outdated_before = '25.0'` / `set variable fluxture_min_protocol_version = 70015`).
--   network, run_id, started_at      the run
--   outdated_before                  the Bitcoin Core version cutoff used (e.g. '22.0')
--   min_protocol_version             the protocol version cutoff used (e.g. 70016)
--   reachable_nodes                  reachable nodes of the run
--   core_nodes                       of those, nodes whose user agent starts /Satoshi:x.y.z/ (Bitcoin Core
--                                    and derivatives that keep its version, such as Knots)
--   outdated_core_nodes              core_nodes whose x.y.z sorts below outdated_before (compared number by
--                                    number: 0.21.1 < 22.0 < 22.0.1 < 25.0)
--   outdated_share_of_core           outdated_core_nodes / core_nodes
--   outdated_share_of_reachable      outdated_core_nodes / reachable_nodes
--   old_protocol_nodes               reachable nodes announcing a protocol version below min_protocol_version
--   old_protocol_share_of_reachable  old_protocol_nodes / reachable_nodes
create or replace view mart_outdated_versions as
with
reachable_source as (
    select network, run_id, user_agent, protocol_version from int_nodes where is_reachable
),

runs_source as (
    select network, run_id, started_at from stg_runs
),

settings as (
    select
        outdated_before,
        list_transform(string_split(outdated_before, '.'), part -> part::integer) as cutoff_parts,
        min_protocol_version
    from stg_settings
),

agents as (
    select network, run_id, user_agent, protocol_version, count(*) as nodes
    from reachable_source
    group by network, run_id, user_agent, protocol_version
),

parsed as (
    select
        network,
        run_id,
        nodes,
        protocol_version,
        nullif(regexp_extract(user_agent, '^/Satoshi:([0-9]+(\.[0-9]+)*)', 1), '') as core_version
    from agents
),

classified as (
    select
        p.network,
        p.run_id,
        p.nodes,
        p.core_version is not null as is_core,
        list_transform(string_split(p.core_version, '.'), part -> part::integer) < s.cutoff_parts as is_outdated,
        p.protocol_version < s.min_protocol_version as is_old_protocol
    from parsed as p
    cross join settings as s
),

per_run as (
    select
        network,
        run_id,
        sum(nodes)::bigint as reachable_nodes,
        coalesce(sum(nodes) filter (where is_core), 0)::bigint as core_nodes,
        coalesce(sum(nodes) filter (where is_core and is_outdated), 0)::bigint as outdated_core_nodes,
        coalesce(sum(nodes) filter (where is_old_protocol), 0)::bigint as old_protocol_nodes
    from classified
    group by network, run_id
)

select
    r.network,
    r.run_id,
    r.started_at,
    s.outdated_before,
    s.min_protocol_version,
    coalesce(p.reachable_nodes, 0) as reachable_nodes,
    coalesce(p.core_nodes, 0) as core_nodes,
    coalesce(p.outdated_core_nodes, 0) as outdated_core_nodes,
    p.outdated_core_nodes / nullif(p.core_nodes, 0) as outdated_share_of_core,
    p.outdated_core_nodes / nullif(p.reachable_nodes, 0) as outdated_share_of_reachable,
    coalesce(p.old_protocol_nodes, 0) as old_protocol_nodes,
    p.old_protocol_nodes / nullif(p.reachable_nodes, 0) as old_protocol_share_of_reachable
from runs_source as r
left join per_run as p on p.network = r.network and p.run_id = r.run_id
cross join settings as s
order by r.started_at, r.network;
