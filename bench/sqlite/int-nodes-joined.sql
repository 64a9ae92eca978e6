-- SQLite twin of sql/intermediate/int_joined_nodes.sql: int_nodes joined from visits and geo (one row per node
-- and run; duplicates keep the reachable, latest row; the latest lookup per address).
create temp table stg_visits as
select
    network, run_id, address, port, network_type, outcome, protocol_version, user_agent,
    max((outcome in ('ok', 'no_addr_reply')) || attempted_at) as best
from visits as v
where exists (select 1 from stg_runs as r where r.network = v.network and r.run_id = v.run_id)
group by network, run_id, address, port;

create temp table stg_geo as
select network, run_id, address, upper(country_code) as country_code, upper(continent_code) as continent_code, asn, as_org,
    max(located_at) as latest
from geo as g
where exists (select 1 from stg_runs as r where r.network = g.network and r.run_id = g.run_id)
group by network, run_id, address;
create index temp.stg_geo_key on stg_geo (network, run_id, address);

create temp table int_nodes as
select
    v.network,
    v.run_id,
    r.started_at,
    r.run_seq,
    v.address,
    v.port,
    v.network_type,
    v.outcome,
    v.outcome not in ('not_dialed', 'unsupported_network') as is_dialed,
    v.outcome in ('ok', 'no_addr_reply') as is_reachable,
    v.protocol_version,
    v.user_agent,
    gr.run_id is not null as run_is_geolocated,
    g.country_code,
    g.continent_code,
    g.asn,
    g.as_org
from stg_visits as v
inner join stg_runs as r on r.network = v.network and r.run_id = v.run_id
left join (select distinct network, run_id from stg_geo) as gr on gr.network = v.network and gr.run_id = v.run_id
left join stg_geo as g on g.network = v.network and g.run_id = v.run_id and g.address = v.address;
