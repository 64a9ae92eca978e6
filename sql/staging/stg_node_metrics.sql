-- stg_node_metrics: how central is each node of a sealed run's advertised-address graph?
-- One row per (network, run_id, address, port). Columns are node_metrics.parquet's (see
-- pipeline/schema/node_metrics.ts): in_degree, out_degree, pagerank, weighted_pagerank, eigenvector,
-- betweenness, closeness, component, community.
create or replace view stg_node_metrics as
with
metrics_source as (
    select * from node_metrics
),

deduplicated as (
    select *
    from metrics_source
    qualify row_number() over (partition by network, run_id, address, port order by pagerank desc) = 1
)

select
    network,
    run_id,
    address,
    port,
    in_degree,
    out_degree,
    pagerank,
    weighted_pagerank,
    eigenvector,
    betweenness,
    closeness,
    component,
    community
from deduplicated;
