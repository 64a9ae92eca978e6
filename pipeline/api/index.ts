// The package's public API (package.json "exports"): open a data folder and read its runs and nodes.
export { CrawlDatabase } from "./database.ts";
export { CrawlNode } from "./node.ts";
export { graphKey, type CrawlGraph, type GraphEdgeAttributes, type GraphNodeAttributes, type GraphOptions } from "./graph.ts";
export type { Edge, LatestEdges, Location, NodeMetrics, NodesOptions, RunKey, RunSummary, VersionRecord, Visit } from "./types.ts";
export type { NetworkName } from "../../lib/bitcoin/networks.ts";
export type { RunState } from "../runs.ts";
export { DataError, FluxtureError } from "../errors.ts";
export { QueryError } from "../sql/errors.ts";
