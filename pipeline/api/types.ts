// Row types the CrawlDatabase API hands out: dataset rows (pipeline/schema) plus the run they belong to.
import type { AddrRow, GeoRow, NodeMetricsRow, VisitRow } from "../schema/index.ts";
import type { NetworkName } from "../../lib/bitcoin/networks.ts";
import type { NetworkType } from "../../lib/bitcoin/address.ts";
import type { RunState } from "../runs.ts";

/** Which run a row comes from (the hive folder columns). */
export interface RunKey {
  readonly network: NetworkName;
  readonly run_id: string;
}

/** A visits.parquet row of a sealed run, with its run. */
export type Visit = Readonly<VisitRow> & RunKey;

/** A geo.parquet row of a sealed run, with its run. */
export type Location = Readonly<GeoRow> & RunKey;

/** A node_metrics.parquet row of a sealed run, with its run. */
export type NodeMetrics = Readonly<NodeMetricsRow> & RunKey;

/** An addrs.parquet row (one advertised address) of a sealed run, with its run. */
export type Edge = Readonly<AddrRow> & RunKey;

/** What a node said about itself in its version message (only nodes that sent one have it). */
export interface VersionRecord {
  readonly protocol_version: number;
  readonly services: bigint | null;
  readonly user_agent: string | null;
  readonly start_height: number | null;
  readonly relay: boolean | null;
  /** The peer's clock, unix seconds as sent (unchecked). */
  readonly peer_time: bigint | null;
  /** When the visit that received it started (UTC). */
  readonly attempted_at: Date;
}

/** The addresses a node advertised in the newest sealed run whose crawl got its getaddr reply (outcome ok). */
export interface LatestEdges {
  readonly network: NetworkName;
  readonly run_id: string;
  readonly started_at: Date;
  /** One entry per advertised (address, port), ordered by address then port; never merged across runs. */
  readonly edges: readonly Edge[];
}

/** A run as CrawlDatabase.runs() lists it; `sealed` runs (state succeeded) are the ones the views read. */
export interface RunSummary {
  readonly run_id: string;
  readonly network: NetworkName;
  readonly state: RunState;
  readonly sealed: boolean;
  readonly started_at: Date;
  readonly finished_at: Date | null;
  readonly counts: Readonly<Record<string, number>>;
}

/** Options of CrawlDatabase.nodes(). */
export interface NodesOptions {
  /** Run id; default the newest sealed (succeeded) run, of `network` when given. */
  readonly run?: string;
  /** Only runs of this network (with `run`: disambiguates an id two networks share). */
  readonly network?: NetworkName;
  /** Only nodes whose version handshake completed (outcome ok or no_addr_reply). Default false: every visit. */
  readonly reachableOnly?: boolean;
  /** Only these network types (ipv4, ipv6, onion_v3, i2p, cjdns, …): one or a list. */
  readonly networkType?: NetworkType | readonly NetworkType[];
  /** Only nodes located in these countries (ISO 3166-1 alpha-2, any case; needs a geolocated run): one or a list. */
  readonly country?: string | readonly string[];
  /** Only nodes in these autonomous systems (needs a geolocated run): one or a list. */
  readonly asn?: number | readonly number[];
}
