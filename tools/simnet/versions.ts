// Version records of simnet peers, drawn from the client mix real crawls report (Bitcoin Core 2x.y and
// 0.21 majority, Knots, btcd, bcoin, a tail of old clients), with services and start heights to match.
import { type Rng, hash32, rngFor, STREAM } from "../../lib/random.ts";

/** What a peer says about itself in its version message (the ground truth a crawl must reproduce). */
export interface VersionRecord {
  readonly protocolVersion: number;
  /** Service bits (64-bit). */
  readonly services: bigint;
  readonly userAgent: string;
  readonly startHeight: number;
  /** Absent for protocol versions before 70001, which omit the relay byte. */
  readonly relay: boolean | undefined;
}

/** Service bits (BIP 111, 144, 157, 159, 324). */
export const SERVICE = {
  NETWORK: 1n,
  BLOOM: 4n,
  WITNESS: 8n,
  COMPACT_FILTERS: 64n,
  NETWORK_LIMITED: 1024n,
  P2P_V2: 2048n,
} as const;

const FULL = SERVICE.NETWORK | SERVICE.WITNESS | SERVICE.NETWORK_LIMITED; // 1033
const PRUNED = SERVICE.WITNESS | SERVICE.NETWORK_LIMITED; // 1032
const V2 = SERVICE.P2P_V2;

type ServiceMix = readonly (readonly [bigint, number])[];

const CORE_27: ServiceMix = [
  [FULL | V2, 70],
  [PRUNED | V2, 10],
  [FULL, 14],
  [FULL | V2 | SERVICE.COMPACT_FILTERS, 6],
];
const CORE_26: ServiceMix = [
  [FULL, 68],
  [FULL | V2, 16],
  [PRUNED, 10],
  [FULL | SERVICE.BLOOM, 6],
];
const CORE_22_25: ServiceMix = [
  [FULL, 80],
  [PRUNED, 12],
  [FULL | SERVICE.BLOOM, 8],
];
const CORE_OLD: ServiceMix = [
  [FULL, 80],
  [FULL | SERVICE.BLOOM, 20],
];
const KNOTS: ServiceMix = [
  [FULL | V2 | SERVICE.BLOOM, 40],
  [FULL | SERVICE.BLOOM, 40],
  [FULL | V2, 20],
];

/** One client in the mix: user agent, protocol version, service mix and relative weight. */
interface Client {
  readonly userAgent: string;
  readonly protocolVersion: number;
  readonly services: ServiceMix;
  readonly weight: number;
}

/** The client mix (weights in percent, roughly a 2024 mainnet crawl). */
export const CLIENTS: readonly Client[] = [
  { userAgent: "/Satoshi:27.0.0/", protocolVersion: 70016, services: CORE_27, weight: 22 },
  { userAgent: "/Satoshi:27.1.0/", protocolVersion: 70016, services: CORE_27, weight: 12 },
  { userAgent: "/Satoshi:27.1.0(umbrel)/", protocolVersion: 70016, services: CORE_27, weight: 0.5 },
  { userAgent: "/Satoshi:26.0.0/", protocolVersion: 70016, services: CORE_26, weight: 9 },
  { userAgent: "/Satoshi:26.1.0/", protocolVersion: 70016, services: CORE_26, weight: 9 },
  { userAgent: "/Satoshi:26.2.0/", protocolVersion: 70016, services: CORE_26, weight: 2 },
  { userAgent: "/Satoshi:25.0.0/", protocolVersion: 70016, services: CORE_22_25, weight: 6 },
  { userAgent: "/Satoshi:25.1.0/", protocolVersion: 70016, services: CORE_22_25, weight: 4 },
  { userAgent: "/Satoshi:25.2.0/", protocolVersion: 70016, services: CORE_22_25, weight: 2 },
  { userAgent: "/Satoshi:24.0.1/", protocolVersion: 70016, services: CORE_22_25, weight: 5 },
  { userAgent: "/Satoshi:24.2.0/", protocolVersion: 70016, services: CORE_22_25, weight: 1.5 },
  { userAgent: "/Satoshi:23.0.0/", protocolVersion: 70016, services: CORE_22_25, weight: 3 },
  { userAgent: "/Satoshi:22.0.0/", protocolVersion: 70016, services: CORE_22_25, weight: 4 },
  { userAgent: "/Satoshi:0.21.1/", protocolVersion: 70016, services: CORE_22_25, weight: 2.5 },
  { userAgent: "/Satoshi:0.21.0/", protocolVersion: 70016, services: CORE_22_25, weight: 0.7 },
  { userAgent: "/Satoshi:0.20.1/", protocolVersion: 70015, services: CORE_OLD, weight: 1.5 },
  { userAgent: "/Satoshi:0.19.1/", protocolVersion: 70015, services: CORE_OLD, weight: 0.6 },
  { userAgent: "/Satoshi:0.18.1/", protocolVersion: 70015, services: CORE_OLD, weight: 0.8 },
  { userAgent: "/Satoshi:0.16.3/", protocolVersion: 70015, services: CORE_OLD, weight: 0.5 },
  { userAgent: "/Satoshi:0.13.2/", protocolVersion: 70014, services: [[SERVICE.NETWORK | SERVICE.BLOOM | SERVICE.WITNESS, 1]], weight: 0.2 },
  { userAgent: "/Satoshi:27.1.0/Knots:20240801/", protocolVersion: 70016, services: KNOTS, weight: 3 },
  { userAgent: "/Satoshi:26.1.0/Knots:20240513/", protocolVersion: 70016, services: KNOTS, weight: 1 },
  { userAgent: "/Satoshi:25.1.0/Knots:20231115/", protocolVersion: 70016, services: KNOTS, weight: 0.5 },
  {
    userAgent: "/btcwire:0.5.0/btcd:0.24.2/",
    protocolVersion: 70016,
    services: [[SERVICE.NETWORK | SERVICE.BLOOM | SERVICE.WITNESS | SERVICE.COMPACT_FILTERS, 1]],
    weight: 0.7,
  },
  {
    userAgent: "/btcwire:0.5.0/btcd:0.23.4/",
    protocolVersion: 70016,
    services: [[SERVICE.NETWORK | SERVICE.BLOOM | SERVICE.WITNESS | SERVICE.COMPACT_FILTERS, 1]],
    weight: 0.3,
  },
  { userAgent: "/bcoin:2.2.0/", protocolVersion: 70015, services: [[SERVICE.NETWORK | SERVICE.WITNESS, 1]], weight: 0.2 },
  // Pre-BIP37 client: its version message ends before the relay byte.
  { userAgent: "/Satoshi:0.7.2/", protocolVersion: 60002, services: [[SERVICE.NETWORK, 1]], weight: 0.1 },
];

const CLIENT_TABLE = CLIENTS.map((c) => [c, c.weight] as const);
const MODERN_TABLE = CLIENTS.filter((c) => c.protocolVersion >= 70001).map((c) => [c, c.weight] as const);

/** The common chain tip of a simnet (peers' start heights cluster just below it). */
export function chainTip(seed: number): number {
  return 840_000 + (hash32(seed, 0x7469) % 20_000);
}

/** Draws peer `index`'s version record; `modernOnly` leaves out pre-70001 clients (fast profile). */
export function drawVersion(seed: number, index: number, modernOnly: boolean): VersionRecord {
  const rng = rngFor(seed, STREAM.version, index);
  const client = rng.weighted(modernOnly ? MODERN_TABLE : CLIENT_TABLE);
  const services = rng.weighted(client.services);
  const tip = chainTip(seed);
  const r = rng.float();
  let startHeight: number;
  if (r < 0.85) startHeight = tip - rng.range(0, 2);
  else if (r < 0.95) startHeight = tip - rng.range(3, 150);
  else startHeight = tip - rng.range(1_000, 60_000);
  const relay = client.protocolVersion >= 70001 ? !rng.chance(0.04) : undefined;
  return { protocolVersion: client.protocolVersion, services, userAgent: client.userAgent, startHeight, relay };
}

/** Seconds a peer's clock is off (most peers agree within 2 s; 5% are minutes to hours off). */
export function drawClockSkew(rng: Rng): number {
  if (rng.chance(0.95)) return rng.range(-2, 2);
  const s = rng.range(60, 7200);
  return rng.chance(0.5) ? s : -s;
}
