// The per-node and per-edge records every export is built from, joined once from a run's datasets.

/** One graph node of a run as exports see it: visit, geography and metrics joined (null where unknown). */
export interface ExportNode {
  readonly address: string;
  readonly port: number;
  readonly networkType: string;
  /** Crawl outcome; null for a node that was advertised but never attempted. */
  readonly outcome: string | null;
  /** Completed the version handshake: outcome ok, or no_addr_reply (answered no getaddr in time). */
  readonly isReachable: boolean;
  readonly protocolVersion: number | null;
  readonly userAgent: string | null;
  readonly services: bigint | null;
  readonly startHeight: number | null;
  readonly attemptedAt: Date | null;
  readonly continentCode: string | null;
  readonly countryCode: string | null;
  readonly city: string | null;
  readonly latitude: number | null;
  readonly longitude: number | null;
  readonly timeZone: string | null;
  readonly asn: number | null;
  readonly asOrg: string | null;
  readonly inDegree: number | null;
  readonly outDegree: number | null;
  /** Nodes that both advertise this node and are advertised by it. */
  readonly mutualNeighbours: number | null;
  readonly pagerank: number | null;
  readonly weightedPagerank: number | null;
}

/** The directed edges of the advertised-address graph as parallel arrays of indexes into `ExportRun.nodes`
 * (a million edges stay two typed arrays instead of a million objects). */
export interface EdgeList {
  readonly from: Int32Array;
  readonly to: Int32Array;
}

/** Everything an export needs from one run. */
export interface ExportRun {
  readonly runId: string;
  readonly network: string;
  readonly startedAt: Date;
  readonly nodes: readonly ExportNode[];
  /** Empty when the caller asked not to load edges. */
  readonly edges: EdgeList;
  /** Whether the run has been geolocated / had its topology computed (columns are null otherwise). */
  readonly hasGeo: boolean;
  readonly hasMetrics: boolean;
}

/** The grouping keys the map exports accept. */
export type GroupBy = "ip" | "city" | "country" | "continent" | "asn" | "version";

/** The stable key of a node: `host:port`, IPv6 in brackets. */
export function nodeKey(address: string, port: number): string {
  return address.includes(":") && !address.endsWith(".onion") ? `[${address}]:${port}` : `${address}:${port}`;
}

/** The group a node belongs to under `groupBy`, or null when the node lacks that attribute. */
export function groupKey(node: ExportNode, groupBy: GroupBy): string | null {
  switch (groupBy) {
    case "ip":
      return nodeKey(node.address, node.port);
    case "city":
      return node.city === null || node.countryCode === null ? null : `${node.city}, ${node.countryCode}`;
    case "country":
      return node.countryCode;
    case "continent":
      return node.continentCode;
    case "asn":
      return node.asn === null ? null : `AS${node.asn}${node.asOrg === null ? "" : ` ${node.asOrg}`}`;
    case "version":
      return node.userAgent === null || node.userAgent === "" ? null : node.userAgent;
  }
}
