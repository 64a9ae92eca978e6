// Every dataset schema, for code that walks all of them (docs generator, SQL checks, run listing).
import { ADDRS } from "./addrs.ts";
import { GEO } from "./geo.ts";
import { NODE_METRICS } from "./node_metrics.ts";
import { NODES } from "./nodes.ts";
import type { DatasetSchema } from "./types.ts";
import { VISITS } from "./visits.ts";

export { ADDRS, type AddrRow } from "./addrs.ts";
export { GEO, type GeoRow } from "./geo.ts";
export { NODE_METRICS, type NodeMetricsRow } from "./node_metrics.ts";
export { NODES, type NodeRow } from "./nodes.ts";
export { VISITS, VISIT_OUTCOMES, VISIT_SOURCES, REACHABLE_OUTCOMES, isReachable, type VisitRow, type VisitOutcome, type VisitSource } from "./visits.ts";
export { RowValueError, defineDataset, type ColumnSpec, type ColumnType, type DatasetSchema, type JsValueOf } from "./types.ts";

/** All datasets in lake order (raw crawl output first, derived ones last). */
export const DATASETS: readonly DatasetSchema[] = [VISITS, ADDRS, GEO, NODE_METRICS, NODES];
