// node_metrics.parquet: one row per node of the advertised-address graph (topology stage).
import { defineDataset } from "./types.ts";

/** A row of node_metrics.parquet; keys are the column names. */
export interface NodeMetricsRow {
  address: string;
  port: number;
  in_degree: number;
  out_degree: number;
  pagerank: number;
  weighted_pagerank: number;
  eigenvector: number | null;
  betweenness: number;
  closeness: number | null;
  component: number;
  community: number;
}

/** Schema of node_metrics.parquet. */
export const NODE_METRICS = defineDataset<NodeMetricsRow>({
  name: "node_metrics",
  file: "node_metrics.parquet",
  description: "One row per node (address, port) of the run's advertised-address graph, with centralities.",
  key: ["address", "port"],
  columns: [
    { name: "address", type: "VARCHAR", nullable: false, meaning: "canonical address of the node" },
    { name: "port", type: "USMALLINT", nullable: false, meaning: "port of the node" },
    { name: "in_degree", type: "INTEGER", nullable: false, meaning: "distinct nodes that advertised this node" },
    { name: "out_degree", type: "INTEGER", nullable: false, meaning: "distinct nodes this node advertised" },
    { name: "pagerank", type: "DOUBLE", nullable: false, meaning: "PageRank (alpha 0.85, dangling nodes uniform) over the advertised-address graph" },
    {
      name: "weighted_pagerank",
      type: "DOUBLE",
      nullable: false,
      meaning:
        "PageRank with each reply scaled to the estimated table size (getaddr sends min(23%, 1000)); the unnamed rest spread uniformly (docs/TOPOLOGY.md)",
    },
    {
      name: "eigenvector",
      type: "DOUBLE",
      nullable: true,
      meaning: "eigenvector centrality over in-edges (networkx convention); null when the power iteration did not converge",
    },
    {
      name: "betweenness",
      type: "DOUBLE",
      nullable: false,
      meaning: "normalised betweenness (Brandes); sampled from K seeded sources and scaled by n/K when K < nodes",
    },
    {
      name: "closeness",
      type: "DOUBLE",
      nullable: true,
      meaning: "closeness over incoming distances (networkx, Wasserman-Faust); estimated from the betweenness sources when sampled",
    },
    { name: "component", type: "INTEGER", nullable: false, meaning: "weakly connected component id (0 = largest)" },
    { name: "community", type: "INTEGER", nullable: false, meaning: "Louvain community id (directed modularity, seeded; 0 = largest)" },
  ],
});
