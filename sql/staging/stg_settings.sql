-- stg_settings: which thresholds do the marts use? One row; every value can be changed in the session
-- at any time with `set variable <name> = <value>` (the marts read them at query time):
--   outdated_before        fluxture_outdated_before, default '22.0': a Bitcoin Core (/Satoshi:x.y.z/) node
--                          whose version sorts below this is counted as outdated in mart_outdated_versions.
--                          Pick the oldest release you consider safe; Bitcoin Core publishes fixed
--                          vulnerabilities once the fixing releases are out of maintenance, so older
--                          releases carry known issues (Trail of Bits found 21% of nodes on vulnerable
--                          versions in 2022).
--   min_protocol_version   fluxture_min_protocol_version, default 70016 (BIP155 addrv2 support): nodes
--                          announcing a lower protocol version are counted in mart_outdated_versions.
--   top_n                  fluxture_top_n, default 5: N of the top-N share in mart_concentration.
create or replace view stg_settings as
select
    coalesce(getvariable('fluxture_outdated_before')::varchar, '22.0') as outdated_before,
    coalesce(getvariable('fluxture_min_protocol_version')::integer, 70016) as min_protocol_version,
    coalesce(getvariable('fluxture_top_n')::integer, 5) as top_n;
