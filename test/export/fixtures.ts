// A small synthetic run for the export tests: nodes in real cities (one across the antimeridian), hostile user agents.
import type { ExportNode, ExportRun } from "../../stages/export/model.ts";

/** Builds an export node with defaults for the fields a test does not care about. */
export function node(partial: Partial<ExportNode> & Pick<ExportNode, "address">): ExportNode {
  return {
    port: 8333,
    networkType: partial.address.includes(":") ? "ipv6" : "ipv4",
    outcome: "ok",
    isReachable: true,
    protocolVersion: 70016,
    userAgent: "/Satoshi:27.0.0/",
    services: 3081n,
    startHeight: 870000,
    attemptedAt: new Date("2026-11-24T12:00:00Z"),
    continentCode: "EU",
    countryCode: "DE",
    city: "Falkenstein",
    latitude: 50.4779,
    longitude: 12.3713,
    timeZone: "Europe/Berlin",
    asn: 24940,
    asOrg: "Hetzner Online GmbH",
    inDegree: 1,
    outDegree: 1,
    mutualNeighbours: 0,
    pagerank: 0.1,
    weightedPagerank: 0.1,
    ...partial,
  };
}

/** Five located nodes, one unlocated, one unreachable; edges include an antimeridian crossing (Tokyo → San Francisco). */
export function sampleRun(): ExportRun {
  const nodes: ExportNode[] = [
    node({ address: "1.2.3.4", userAgent: `/Evil<script>&"quote'/`, pagerank: 0.4 }),
    node({ address: "1.2.3.5", city: "Nuremberg", latitude: 49.4478, longitude: 11.0683, pagerank: 0.05 }),
    node({
      address: "2001:db8::1",
      countryCode: "JP",
      continentCode: "AS",
      city: "Tokyo",
      latitude: 35.6895,
      longitude: 139.6917,
      timeZone: "Asia/Tokyo",
      asn: 16509,
      asOrg: "Amazon.com, Inc.",
      pagerank: 0.2,
    }),
    node({
      address: "5.6.7.8",
      countryCode: "US",
      continentCode: "NA",
      city: "San Francisco",
      latitude: 37.7749,
      longitude: -122.4194,
      timeZone: "America/Los_Angeles",
      asn: 14061,
      asOrg: "DigitalOcean, LLC",
      services: 2n ** 63n + 9n,
      pagerank: 0.15,
    }),
    node({
      address: "9.9.9.9",
      countryCode: "US",
      continentCode: "NA",
      city: "Ashburn",
      latitude: 39.0438,
      longitude: -77.4874,
      timeZone: "America/New_York",
      asn: 16509,
      asOrg: "Amazon.com, Inc.",
      pagerank: 0.1,
    }),
    node({
      address: "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzab.onion",
      networkType: "onion_v3",
      outcome: "unsupported_network",
      isReachable: false,
      protocolVersion: null,
      userAgent: null,
      services: null,
      startHeight: null,
      continentCode: null,
      countryCode: null,
      city: null,
      latitude: null,
      longitude: null,
      timeZone: null,
      asn: null,
      asOrg: null,
      pagerank: 0.05,
    }),
    node({
      address: "10.0.0.1",
      outcome: "timeout",
      isReachable: false,
      userAgent: null,
      protocolVersion: null,
      startHeight: null,
      services: null,
      pagerank: 0.05,
    }),
  ];
  const pairs = [
    [0, 1],
    [0, 2],
    [2, 3],
    [3, 4],
    [4, 0],
    [0, 5],
  ];
  const edges = { from: Int32Array.from(pairs.map((p) => p[0]!)), to: Int32Array.from(pairs.map((p) => p[1]!)) };
  return { runId: "20261124T120000Z", network: "simnet", startedAt: new Date("2026-11-24T12:00:00Z"), nodes, edges, hasGeo: true, hasMetrics: true };
}
