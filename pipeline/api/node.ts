// One node of a run as the API yields it: its visit, plus its location, version record and latest edges.
import type { NetworkName } from "../../lib/bitcoin/networks.ts";
import type { NetworkType } from "../../lib/bitcoin/address.ts";
import { isReachable, type VisitOutcome } from "../schema/index.ts";
import type { LatestEdges, Location, VersionRecord, Visit } from "./types.ts";

/** Looks up a node's latest edges: CrawlDatabase (one query per call) or an EdgeBatch (one load per streamed chunk). */
export interface EdgeSource {
  latestEdges(network: NetworkName, address: string, port: number): Promise<LatestEdges | null>;
}

/** A node (address, port) as one sealed run recorded it; location and version came with the row, edges are fetched. */
export class CrawlNode {
  /** Network of the run. */
  readonly network: NetworkName;
  /** Run this record comes from. */
  readonly runId: string;
  /** Canonical address text (dotted IPv4, RFC 5952 IPv6, .onion, .b32.i2p). */
  readonly address: string;
  readonly port: number;
  readonly networkType: NetworkType;
  /** What happened when the crawler tried it (closed set, see VISIT_OUTCOMES). */
  readonly outcome: VisitOutcome;
  /** The full visits row. */
  readonly visit: Visit;
  readonly #location: Location | null;
  readonly #edges: EdgeSource;

  constructor(visit: Visit, location: Location | null, edges: EdgeSource) {
    this.visit = visit;
    this.network = visit.network;
    this.runId = visit.run_id;
    this.address = visit.address;
    this.port = visit.port;
    this.networkType = visit.network_type;
    this.outcome = visit.outcome;
    this.#location = location;
    this.#edges = edges;
  }

  /** True when the version handshake completed (outcome ok or no_addr_reply). */
  get reachable(): boolean {
    return isReachable(this.outcome);
  }

  /** The node's geo row in this run, or null (run not geolocated, or no row for the address). */
  async getLocation(): Promise<Location | null> {
    return this.#location;
  }

  /** What the node announced in its version message in this run, or null when it sent none. */
  async getVersion(): Promise<VersionRecord | null> {
    const v = this.visit;
    if (v.protocol_version === null) return null;
    return {
      protocol_version: v.protocol_version,
      services: v.services,
      user_agent: v.user_agent,
      start_height: v.start_height,
      relay: v.relay,
      peer_time: v.peer_time,
      attempted_at: v.attempted_at,
    };
  }

  /**
   * The addresses this node advertised in the newest sealed run of its network whose crawl got its getaddr
   * reply (outcome ok) — one snapshot, never a merge of several; null when no sealed run ever got one.
   */
  getLatestEdges(): Promise<LatestEdges | null> {
    return this.#edges.latestEdges(this.network, this.address, this.port);
  }

  /** `address:port` (IPv6 in brackets). */
  toString(): string {
    return this.address.includes(":") ? `[${this.address}]:${this.port}` : `${this.address}:${this.port}`;
  }
}
