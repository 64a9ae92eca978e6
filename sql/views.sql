-- Views over every run in the data lake: the entry point of all Fluxture SQL.
--
-- Run it as-is from the repository root in any DuckDB client (CLI `.read sql/views.sql`, Python
-- `duckdb.sql(open('sql/views.sql').read())`, Node): paths are relative (`data/runs/...`), there is no
-- templating. To point it at another lake, either run from the folder that holds `data/`, or
-- `set file_search_path = '/folder/that/holds/data'` before reading this file (that is what
-- `fluxture query --data DIR` does; a DIR not named `data` is reached through a `data` symlink).
--
-- Views:
--   all_runs      every run folder with a readable manifest, whatever its state (running, failed, ...)
--   runs          the sealed runs: state = 'succeeded'; every other view below is restricted to them
--   visits        visits.parquet of sealed runs        (one row per address the crawler attempted)
--   addrs         addrs.parquet of sealed runs         (one row per source node and advertised address)
--   geo           geo.parquet of sealed runs           (one row per address, geolocate stage)
--   node_metrics  node_metrics.parquet of sealed runs  (one row per graph node, topology stage)
--   nodes         nodes.parquet of sealed runs whose file is current (one row per visited node with its
--                 geography; derived by `fluxture analyze`, see sql/intermediate/int_nodes.sql)
--   raw_<dataset> the same files for runs in any state (a crashed crawl's partial output included)
-- Every dataset view carries the hive columns `network` and `run_id` from its folder names.
--
-- Datasets that do not exist yet: DuckDB refuses to read a glob that matches no file, and a view over
-- one cannot even be created. So each `fluxture_has_<dataset>` variable below records whether at least
-- one file exists when this script runs; the view reads the files when it does and is an empty, typed
-- relation (same columns) when it does not. Consequences:
--   * re-run this file after the first run of a dataset lands (new runs of an existing dataset are
--     picked up by every query, since globs are expanded at query time);
--   * variables belong to the session: in a new connection of the same database, re-run this file.
--     If a variable is missing the views read the files anyway, and fail loudly when there are none.
-- Columns follow pipeline/schema/*.ts; a file written by an older version that lacks a column reads it
-- as NULL (union by name with the typed empty relation).

-- ---------------------------------------------------------------------------------------------------
-- Which datasets have at least one file right now.
set variable fluxture_has_manifests = (select count(*) > 0 from glob('data/runs/*/*/manifest.json'));
set variable fluxture_has_visits = (select count(*) > 0 from glob('data/runs/*/*/visits.parquet'));
set variable fluxture_has_addrs = (select count(*) > 0 from glob('data/runs/*/*/addrs.parquet'));
set variable fluxture_has_geo = (select count(*) > 0 from glob('data/runs/*/*/geo.parquet'));
set variable fluxture_has_node_metrics = (select count(*) > 0 from glob('data/runs/*/*/node_metrics.parquet'));
set variable fluxture_has_nodes = (select count(*) > 0 from glob('data/runs/*/*/nodes.parquet'));

-- ---------------------------------------------------------------------------------------------------
-- Typed empty relations: the columns of each dataset (pipeline/schema) plus the hive columns.
create or replace view fluxture_empty_manifests as
select
    null::varchar as run_id,
    null::varchar as network,
    null::varchar as state,
    null::timestamptz as started_at,
    null::timestamptz as finished_at,
    null::varchar as tool_version,
    null::json as counts,
    null::json as options,
    null::json as stages,
    null::varchar as error,
    null::varchar as folder_network,
    null::varchar as folder_run_id
where false;

create or replace view fluxture_empty_visits as
select
    null::varchar as address,
    null::usmallint as port,
    null::varchar as network_type,
    null::varchar as source,
    null::integer as depth,
    null::timestamptz as attempted_at,
    null::varchar as outcome,
    null::varchar as error_detail,
    null::integer as connect_ms,
    null::integer as handshake_ms,
    null::integer as getaddr_ms,
    null::integer as protocol_version,
    null::ubigint as services,
    null::varchar as user_agent,
    null::integer as start_height,
    null::boolean as relay,
    null::bigint as peer_time,
    null::integer as addr_messages,
    null::integer as addrs_received,
    null::varchar as network,
    null::varchar as run_id
where false;

create or replace view fluxture_empty_addrs as
select
    null::varchar as source_address,
    null::usmallint as source_port,
    null::varchar as address,
    null::usmallint as port,
    null::varchar as network_type,
    null::ubigint as services,
    null::timestamptz as advertised_at,
    null::varchar as message,
    null::boolean as in_reply,
    null::varchar as network,
    null::varchar as run_id
where false;

create or replace view fluxture_empty_geo as
select
    null::varchar as address,
    null::varchar as status,
    null::varchar as country_code,
    null::varchar as continent_code,
    null::varchar as city,
    null::varchar as subdivision,
    null::double as latitude,
    null::double as longitude,
    null::integer as accuracy_radius_km,
    null::varchar as time_zone,
    null::uinteger as asn,
    null::varchar as as_org,
    null::timestamptz as city_db_built_at,
    null::timestamptz as asn_db_built_at,
    null::timestamptz as located_at,
    null::varchar as network,
    null::varchar as run_id
where false;

create or replace view fluxture_empty_node_metrics as
select
    null::varchar as address,
    null::usmallint as port,
    null::integer as in_degree,
    null::integer as out_degree,
    null::double as pagerank,
    null::double as weighted_pagerank,
    null::double as eigenvector,
    null::double as betweenness,
    null::double as closeness,
    null::integer as component,
    null::integer as community,
    null::varchar as network,
    null::varchar as run_id
where false;

create or replace view fluxture_empty_nodes as
select
    null::varchar as address,
    null::usmallint as port,
    null::varchar as network_type,
    null::varchar as outcome,
    null::integer as protocol_version,
    null::varchar as user_agent,
    null::boolean as run_is_geolocated,
    null::varchar as country_code,
    null::varchar as continent_code,
    null::uinteger as asn,
    null::varchar as as_org,
    null::varchar as network,
    null::varchar as run_id
where false;

-- ---------------------------------------------------------------------------------------------------
-- Runs: one row per manifest.json. A manifest whose run_id/network disagree with its folder names is
-- listed in all_runs (folder_* columns show the disagreement) but never counts as sealed.
create or replace view all_runs as
select
    run_id,
    network,
    state,
    started_at,
    finished_at,
    date_diff('millisecond', started_at, finished_at) / 1000.0 as duration_s,
    tool_version,
    counts,
    options,
    stages,
    error,
    folder_network,
    folder_run_id
from query(if(coalesce(getvariable('fluxture_has_manifests'), true),
    $$
    select
        m.run_id,
        m.network,
        m.state,
        m.started_at,
        m.finished_at,
        m.tool_version,
        m.counts,
        m.options,
        m.stages,
        m.error,
        regexp_extract(m.filename, '[/\\]network=([^/\\]+)[/\\]run_id=[^/\\]+[/\\]manifest\.json$', 1) as folder_network,
        regexp_extract(m.filename, '[/\\]run_id=([^/\\]+)[/\\]manifest\.json$', 1) as folder_run_id
    from read_json(
        'data/runs/*/*/manifest.json',
        format = 'auto',
        hive_partitioning = false,
        filename = true,
        columns = {
            run_id: 'varchar', network: 'varchar', state: 'varchar',
            started_at: 'timestamptz', finished_at: 'timestamptz', tool_version: 'varchar',
            counts: 'json', options: 'json', stages: 'json', error: 'varchar'
        }
    ) as m
    $$,
    'from fluxture_empty_manifests'));

create or replace view runs as
select
    run_id,
    network,
    state,
    started_at,
    finished_at,
    duration_s,
    tool_version,
    counts,
    options,
    stages
from all_runs
where state = 'succeeded'
    and run_id = folder_run_id
    and network = folder_network;

-- ---------------------------------------------------------------------------------------------------
-- Raw datasets: every file, whatever the run's state.
create or replace view raw_visits as
select * from query(if(coalesce(getvariable('fluxture_has_visits'), true),
    $$
    from fluxture_empty_visits
    union all by name
    from read_parquet('data/runs/*/*/visits.parquet', hive_partitioning = true, union_by_name = true,
        hive_types = {'network': varchar, 'run_id': varchar})
    $$,
    'from fluxture_empty_visits'));

create or replace view raw_addrs as
select * from query(if(coalesce(getvariable('fluxture_has_addrs'), true),
    $$
    from fluxture_empty_addrs
    union all by name
    from read_parquet('data/runs/*/*/addrs.parquet', hive_partitioning = true, union_by_name = true,
        hive_types = {'network': varchar, 'run_id': varchar})
    $$,
    'from fluxture_empty_addrs'));

create or replace view raw_geo as
select * from query(if(coalesce(getvariable('fluxture_has_geo'), true),
    $$
    from fluxture_empty_geo
    union all by name
    from read_parquet('data/runs/*/*/geo.parquet', hive_partitioning = true, union_by_name = true,
        hive_types = {'network': varchar, 'run_id': varchar})
    $$,
    'from fluxture_empty_geo'));

create or replace view raw_node_metrics as
select * from query(if(coalesce(getvariable('fluxture_has_node_metrics'), true),
    $$
    from fluxture_empty_node_metrics
    union all by name
    from read_parquet('data/runs/*/*/node_metrics.parquet', hive_partitioning = true, union_by_name = true,
        hive_types = {'network': varchar, 'run_id': varchar})
    $$,
    'from fluxture_empty_node_metrics'));

create or replace view raw_nodes as
select * from query(if(coalesce(getvariable('fluxture_has_nodes'), true),
    $$
    from fluxture_empty_nodes
    union all by name
    from read_parquet('data/runs/*/*/nodes.parquet', hive_partitioning = true, union_by_name = true,
        hive_types = {'network': varchar, 'run_id': varchar})
    $$,
    'from fluxture_empty_nodes'));

-- ---------------------------------------------------------------------------------------------------
-- Sealed datasets: only rows whose run is in `runs`.
create or replace view visits as
select v.*
from raw_visits as v
semi join runs as r on v.network = r.network and v.run_id = r.run_id;

create or replace view addrs as
select a.*
from raw_addrs as a
semi join runs as r on a.network = r.network and a.run_id = r.run_id;

create or replace view geo as
select g.*
from raw_geo as g
semi join runs as r on g.network = r.network and g.run_id = r.run_id;

create or replace view node_metrics as
select m.*
from raw_node_metrics as m
semi join runs as r on m.network = r.network and m.run_id = r.run_id;

-- nodes.parquet is derived from visits and geo: a file counts only while the manifest's `nodes` stage
-- succeeded and names the geolocate stage the run has now (its started_at, or null for a run never
-- geolocated by fluxture). Re-geolocating a run therefore retires its nodes file until analyze rewrites it.
create or replace view runs_with_current_nodes as
select network, run_id
from runs
where stages->'nodes'->>'state' = 'succeeded'
    and (stages->'nodes'->'details'->>'geolocate_started_at') is not distinct from
        (case when stages->'geolocate'->>'state' = 'succeeded' then stages->'geolocate'->>'started_at' end);

create or replace view nodes as
select n.*
from raw_nodes as n
semi join runs_with_current_nodes as r on n.network = r.network and n.run_id = r.run_id;
