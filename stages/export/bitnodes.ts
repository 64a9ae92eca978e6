// The bitnodes.io snapshot JSON, so tools written for bitnodes keep working now that it is offline.
// Field meanings where ours differ from bitnodes.io (also in docs/EXPORTS.md):
// - connected_since: when this crawl attempted the node (unix s); bitnodes gave how long it had stayed connected.
// - hostname: always null; Fluxture does no reverse DNS (bitnodes did).
// - height: the start height the node announced in its version message, as bitnodes reported it.
// - asn: "AS<number>" as bitnodes wrote it; null when not geolocated or unknown.
import { nodeKey, type ExportNode, type ExportRun } from "./model.ts";

/** One bitnodes node entry, in bitnodes' field order. */
export type BitnodesEntry = readonly [
  protocolVersion: number | null,
  userAgent: string | null,
  connectedSince: number | null,
  services: bigint | null,
  height: number | null,
  hostname: null,
  city: string | null,
  country: string | null,
  latitude: number | null,
  longitude: number | null,
  timezone: string | null,
  asn: string | null,
  organization: string | null,
];

/** The entry of one reachable node. */
export function bitnodesEntry(n: ExportNode): BitnodesEntry {
  return [
    n.protocolVersion,
    n.userAgent,
    n.attemptedAt === null ? null : Math.floor(n.attemptedAt.getTime() / 1000),
    n.services,
    n.startHeight,
    null,
    n.city,
    n.countryCode,
    n.latitude,
    n.longitude,
    n.timeZone,
    n.asn === null ? null : `AS${n.asn}`,
    n.asOrg,
  ];
}

function json(value: BitnodesEntry[number]): string {
  return typeof value === "bigint" ? value.toString() : JSON.stringify(value);
}

/** The snapshot document: reachable nodes only, keyed "addr:port", services as full 64-bit JSON integers. */
export function renderBitnodes(run: ExportRun): string {
  const reachable = run.nodes.filter((n) => n.isReachable);
  const latestHeight = reachable.reduce((max, n) => Math.max(max, n.startHeight ?? 0), 0);
  const entries = reachable.map((n) => `${JSON.stringify(nodeKey(n.address, n.port))}:[${bitnodesEntry(n).map(json).join(",")}]`);
  return (
    `{"timestamp":${Math.floor(run.startedAt.getTime() / 1000)},"total_nodes":${reachable.length},` +
    `"latest_height":${latestHeight},"nodes":{${entries.join(",")}}}\n`
  );
}
