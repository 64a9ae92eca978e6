// nodes.parquet: one row per node a run visited, with its geography — the marts' per-run input (analyze writes it).
import { NETWORK_TYPES } from "../../lib/bitcoin/address.ts";
import { GEO } from "./geo.ts";
import { defineDataset } from "./types.ts";
import { VISITS } from "./visits.ts";

/** A row of nodes.parquet; keys are the column names. */
export interface NodeRow {
  address: string;
  port: number;
  network_type: string;
  outcome: string;
  protocol_version: number | null;
  user_agent: string | null;
  run_is_geolocated: boolean;
  country_code: string | null;
  continent_code: string | null;
  asn: number | null;
  as_org: string | null;
}

/**
 * What nodes.parquet is derived from: runStage re-runs the nodes stage when any changed since it succeeded, and
 * views.sql counts a file only while the recorded stage inputs are the run's present ones (the same fingerprints).
 */
export const NODES_INPUTS = { datasets: [VISITS.file, GEO.file], stages: ["crawl", "geolocate"] } as const;

/** Schema of nodes.parquet. */
export const NODES = defineDataset<NodeRow>({
  name: "nodes",
  file: "nodes.parquet",
  description:
    "One row per node (address, port) the run visited: its visit (one per node: the crawl writer guarantees it) joined to its address's geo row. " +
    "A derived dataset: `fluxture analyze` writes it from sql/intermediate/int_joined_nodes.sql once per run, so the marts read it instead of joining visits and geo again. " +
    "It is current while the manifest's `nodes` stage recorded the run's present crawl and geolocate stages as its inputs; otherwise the SQL views ignore it and join visits and geo themselves.",
  key: ["address", "port"],
  columns: [
    { name: "address", type: "VARCHAR", nullable: false, meaning: "canonical address of the node (as in visits.address)" },
    { name: "port", type: "USMALLINT", nullable: false, meaning: "port of the node" },
    { name: "network_type", type: "VARCHAR", nullable: false, meaning: `address family: ${NETWORK_TYPES.join("|")}` },
    { name: "outcome", type: "VARCHAR", nullable: false, meaning: "the visit's outcome (visits.outcome)" },
    { name: "protocol_version", type: "INTEGER", nullable: true, meaning: "from the node's version message; null without a handshake" },
    { name: "user_agent", type: "VARCHAR", nullable: true, meaning: "from the node's version message; null without a handshake" },
    {
      name: "run_is_geolocated",
      type: "BOOLEAN",
      nullable: false,
      meaning: "the run had geo rows when this file was built (the geo marts only use such runs)",
    },
    { name: "country_code", type: "VARCHAR", nullable: true, meaning: "ISO country code of the address's geo row, upper-cased; null when not located" },
    { name: "continent_code", type: "VARCHAR", nullable: true, meaning: "continent code of the address's geo row, upper-cased; null when not located" },
    { name: "asn", type: "UINTEGER", nullable: true, meaning: "autonomous system number of the address's geo row" },
    { name: "as_org", type: "VARCHAR", nullable: true, meaning: "autonomous system organisation of the address's geo row" },
  ],
});
