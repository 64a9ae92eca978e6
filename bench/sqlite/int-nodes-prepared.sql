-- SQLite twin of sql/intermediate/int_nodes.sql over prepared runs: int_nodes from the nodes table (the rows
-- of every run's nodes.parquet, as `fluxture analyze` writes them) joined to the runs.
create temp table int_nodes as
select
    n.network,
    n.run_id,
    r.started_at,
    r.run_seq,
    n.address,
    n.port,
    n.network_type,
    n.outcome,
    n.outcome not in ('not_dialed', 'unsupported_network') as is_dialed,
    n.outcome in ('ok', 'no_addr_reply') as is_reachable,
    n.protocol_version,
    n.user_agent,
    n.run_is_geolocated,
    n.country_code,
    n.continent_code,
    n.asn,
    n.as_org
from nodes as n
inner join stg_runs as r on r.network = n.network and r.run_id = n.run_id;
