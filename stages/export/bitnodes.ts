// The bitnodes.io snapshot JSON, so tools written for bitnodes keep working now that it is offline.
// Field meanings where ours differ from bitnodes.io (also in the README, "Maps and the bitnodes snapshot"):
// - connected_since: when this crawl attempted the node (unix s); bitnodes gave how long it had stayed connected.
// - hostname: always null; Fluxture does no reverse DNS (bitnodes did).
// - height: the start height the node announced in its version message, as bitnodes reported it.
// - asn: "AS<number>" as bitnodes wrote it; null when not geolocated or unknown.
// As bitnodes wrote them (checked against real snapshot rows in test/fixtures/bitnodes/): latitude and longitude
// are JSON floats even when whole (51.0, not 51) and 0.0 when unknown; overlay nodes carry their network in the
// ASN and organization fields ("TOR" / "Tor network"; I2P and CJDNS likewise).
import { escapeJsonControl } from "../../lib/text.ts";
import { HEADLINE_NETWORK_TYPES } from "../../lib/bitcoin/index.ts";
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
  latitude: number,
  longitude: number,
  timezone: string | null,
  asn: string | null,
  organization: string | null,
];

/** ASN and organization of an overlay node, as bitnodes named Tor ("TOR", "Tor network"). */
export const OVERLAY_AS: Readonly<Record<string, readonly [asn: string, organization: string]>> = {
  onion_v2: ["TOR", "Tor network"],
  onion_v3: ["TOR", "Tor network"],
  i2p: ["I2P", "I2P network"],
  cjdns: ["CJDNS", "CJDNS network"],
};

/** The entry of one reachable node. */
export function bitnodesEntry(n: ExportNode): BitnodesEntry {
  const overlay = OVERLAY_AS[n.networkType];
  return [
    n.protocolVersion,
    n.userAgent,
    n.attemptedAt === null ? null : Math.floor(n.attemptedAt.getTime() / 1000),
    n.services,
    n.startHeight,
    null,
    n.city,
    n.countryCode,
    n.latitude ?? 0,
    n.longitude ?? 0,
    n.timeZone,
    overlay !== undefined ? overlay[0] : n.asn === null ? null : `AS${n.asn}`,
    overlay !== undefined ? overlay[1] : n.asOrg,
  ];
}

/** A number as a JSON float, as Python's json writes one: `51.0`, not `51`. */
export function jsonFloat(x: number): string {
  return Number.isInteger(x) ? `${x}.0` : JSON.stringify(x);
}

const LATITUDE = 8;
const LONGITUDE = 9;

function json(value: BitnodesEntry[number], index: number): string {
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "number" && (index === LATITUDE || index === LONGITUDE)) return jsonFloat(value);
  return escapeJsonControl(JSON.stringify(value)); // peer text (user agents): no raw DEL/C1 either
}

/** The snapshot document: reachable nodes only, keyed "addr:port", services as full 64-bit JSON integers; after
 * bitnodes' own keys, `total_nodes_by_network` counts them per network type (ipv4, ipv6, onion_v3, i2p, cjdns,
 * zeros included), the headline split bitnodes showed on its dashboard. Readers of bitnodes' format ignore it. */
export function renderBitnodes(run: ExportRun): string {
  const reachable = run.nodes.filter((n) => n.isReachable);
  const latestHeight = reachable.reduce((max, n) => Math.max(max, n.startHeight ?? 0), 0);
  const entries = reachable.map((n) => `${JSON.stringify(nodeKey(n.address, n.port))}:[${bitnodesEntry(n).map(json).join(",")}]`);
  const byNetwork: Record<string, number> = Object.fromEntries(HEADLINE_NETWORK_TYPES.map((t) => [t, 0]));
  for (const n of reachable) byNetwork[n.networkType] = (byNetwork[n.networkType] ?? 0) + 1;
  return (
    `{"timestamp":${Math.floor(run.startedAt.getTime() / 1000)},"total_nodes":${reachable.length},` +
    `"latest_height":${latestHeight},"nodes":{${entries.join(",")}},"total_nodes_by_network":${JSON.stringify(byNetwork)}}\n`
  );
}
