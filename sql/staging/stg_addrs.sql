-- stg_addrs: which addresses did each node advertise in its getaddr reply in a sealed run (the advertised-address
-- graph)? Only `in_reply` entries (null in runs that predate the column: all rows) — self-announcements and
-- unsolicited gossip stay in the raw `addrs` view. One row per (network, run_id, source_address, source_port, address, port); a pair advertised twice
-- (addr and addrv2, or two messages) keeps its newest advertised_at.
--   network, run_id               the run
--   source_address, source_port   the node that sent the entry (an edge's tail)
--   address, port                 the advertised node (an edge's head)
--   network_type                  advertised address family: ipv4|ipv6|onion_v2|onion_v3|i2p|cjdns
--   services                      advertised service bits (UBIGINT)
--   advertised_at                 the entry's timestamp as claimed by the source (UTC)
--   message                       addr | addrv2
create or replace view stg_addrs as
with
addrs_source as (
    select * from addrs
    where coalesce(in_reply, true)
),

deduplicated as (
    select *
    from addrs_source
    qualify row_number() over (
        partition by network, run_id, source_address, source_port, address, port
        order by advertised_at desc nulls last, message
    ) = 1
)

select
    network,
    run_id,
    source_address,
    source_port,
    address,
    port,
    network_type,
    services,
    advertised_at,
    message
from deduplicated;
