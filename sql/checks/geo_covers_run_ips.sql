-- check geo_covers_run_ips: does every geolocated sealed run have a geo row for each IP address it visited?
-- A run counts as geolocated when it has at least one geo row. Only ipv4/ipv6 addresses are expected
-- (onion, i2p and cjdns addresses cannot be located by IP). Zero rows = pass.
--   network, run_id   the geolocated run
--   address           an IP address from its visits with no geo row
--   network_type      ipv4 or ipv6
with
visits_source as (
    select network, run_id, address, network_type from visits where network_type in ('ipv4', 'ipv6')
),

geo_source as (
    select network, run_id, address from geo
),

geolocated_runs as (
    select distinct network, run_id from geo_source
),

run_ips as (
    select distinct v.network, v.run_id, v.address, v.network_type
    from visits_source as v
    semi join geolocated_runs as g on g.network = v.network and g.run_id = v.run_id
)

select i.network, i.run_id, i.address, i.network_type
from run_ips as i
anti join geo_source as g on g.network = i.network and g.run_id = i.run_id and g.address = i.address
order by i.network, i.run_id, i.address;
