-- stg_geo: where is each address of a geolocated sealed run, and which AS announces it?
-- One row per (network, run_id, address); a repeated address keeps its latest lookup.
-- Columns are geo.parquet's (see pipeline/schema/geo.ts): status (the lookup's result name), country_code,
-- continent_code, city, subdivision, latitude, longitude, accuracy_radius_km, time_zone, asn, as_org,
-- city_db_built_at, asn_db_built_at, located_at; country_code and continent_code are upper-cased here.
create or replace view stg_geo as
with
geo_source as (
    select * from geo
),

deduplicated as (
    select *
    from geo_source
    qualify row_number() over (partition by network, run_id, address order by located_at desc nulls last) = 1
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
