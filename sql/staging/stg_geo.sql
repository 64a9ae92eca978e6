-- stg_geo: where is each address of a geolocated sealed run, and which AS announces it?
-- One row per (network, run_id, address); a repeated address keeps its latest lookup (only repeated key
-- hashes are ranked, as in stg_visits).
-- Columns are geo.parquet's (see pipeline/schema/geo.ts): status (closed set: located, not_found, private,
-- reserved, loopback, onion, i2p, cjdns, invalid), country_code, continent_code (both upper-cased here),
-- city, subdivision, latitude, longitude, accuracy_radius_km, time_zone, asn, as_org, city_db_built_at,
-- asn_db_built_at, located_at.
create or replace view stg_geo as
with
geo_source as not materialized (
    select *, hash(network, run_id, address) as key_hash from geo
),

repeated_hashes as (
    select key_hash from geo_source group by key_hash having count(*) > 1
),

single_rows as (
    select g.* from geo_source as g anti join repeated_hashes as d on d.key_hash = g.key_hash
),

best_of_repeated as (
    select g.*
    from geo_source as g
    semi join repeated_hashes as d on d.key_hash = g.key_hash
    qualify row_number() over (
        partition by g.network, g.run_id, g.address order by g.located_at desc nulls last
    ) = 1
),

deduplicated as (
    select * from single_rows
    union all
    select * from best_of_repeated
)

select
    network,
    run_id,
    address,
    status,
    upper(country_code) as country_code,
    upper(continent_code) as continent_code,
    city,
    subdivision,
    latitude,
    longitude,
    accuracy_radius_km,
    time_zone,
    asn,
    as_org,
    city_db_built_at,
    asn_db_built_at,
    located_at
from deduplicated;
