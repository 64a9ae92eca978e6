// SimnetOptions → a validated SimnetConfig: defaults per profile, one clear error per bad value.
import { UsageError } from "../../pipeline/errors.ts";
import { PROFILES, PROFILE_REPLY_DELAY_MS, PROFILE_SHARES, PROFILE_WORLD, behaviourCounts, type ProfileName, type Shares } from "./behaviours.ts";
import { SIMNET_PORT } from "./frames.ts";
import { Layout, LayoutError } from "./layout.ts";
import type { SimnetConfig } from "./model.ts";
import {
  FAST_LATENCY,
  IPV4_ONLY,
  MAINNET_MIX,
  IPV6_PEER_MAX,
  PEER_NETWORKS,
  REALISTIC_LATENCY,
  shareOf,
  type NetworkMix,
  type OverlayLatency,
} from "./overlay.ts";

/** How to start a simnet; everything but `nodes` has a default. */
export interface SimnetOptions {
  readonly nodes: number;
  /** PRNG seed (0 … 2^32-1); default 1. Same seed, same network, same ground truth. */
  readonly seed?: number;
  /** First address, a .0 in 127.0.0.0/8; default 127.42.0.0. */
  readonly base?: string;
  /** Default 18444 (regtest's). */
  readonly port?: number;
  /** Folder for ground-truth.json, the .mmdb files, seeds.txt and the `ready` marker. */
  readonly out?: string;
  /** Default "realistic". */
  readonly profile?: ProfileName;
  /** Behaviour shares (default: the profile's). */
  readonly shares?: Shares;
  /** Mean getaddr reply delay in ms (default: the profile's; 0 = immediate). */
  readonly replyDelayMs?: number;
  /** Reply delay of `slow` peers in ms; default 3000 (within any getaddr timeout ≥ 5 s). */
  readonly slowMs?: number;
  /** Unix seconds advertised timestamps count back from; default today 00:00 UTC. */
  readonly epoch?: number;
  /** Seed addresses handed out; default 8. */
  readonly seedCount?: number;
  /** Pings per ping_flood burst; default 2000. */
  readonly pingFlood?: number;
  /** MiB of encoded replies each serving process caches (default 64; 0 = none). */
  readonly replyCacheMB?: number;
  /** Reply-delay cap in multiples of the mean (default: the profile's; 0 = uncapped). */
  readonly replyDelayCap?: number;
  /** Drop SYNs to the nothing-listens pool with iptables so connects time out as on mainnet (only inside a private
   * network namespace: `unshare -rn`; refused elsewhere). */
  readonly blackhole?: boolean;
  /** Add the CJDNS peers' fc00:: addresses to lo so they can listen there (only inside a private network namespace:
   * `unshare -rn`; refused elsewhere). Without it those addresses must already be on an interface. */
  readonly cjdnsOnLo?: boolean;
  /** Worker processes; 0 serves every peer in this process. Default: 0 up to 4000 peers, else one per 12,500. */
  readonly workers?: number;
  /** Share of peers per network (default all IPv4); onion and I2P peers are reached only through the gateways. */
  readonly networks?: NetworkMix;
  /** Gateway behaviour: "realistic" (Tor/I2P latencies, 8% of overlay peers failed), "fast", or explicit values. */
  readonly overlayLatency?: "realistic" | "fast" | OverlayLatency;
  /** Start the SOCKS5 gateway for onion peers on `HOST:PORT` (port 0: any free port). */
  readonly torGateway?: string;
  /** Start the SAM v3.1 bridge for I2P peers on `HOST:PORT` (port 0: any free port). */
  readonly i2pGateway?: string;
}

/** Fresh nothing-listens addresses each `spammer` advertises (two full 1000-entry addr messages before its reply). */
export const SPAM_ENTRIES = 2000;

/** Default first address of a simnet. */
export const DEFAULT_BASE = "127.42.0.0";
/** Default reply delay of slow peers (ms). */
export const DEFAULT_SLOW_MS = 3000;
/** Largest network served in-process by default. */
export const IN_PROCESS_MAX = 4000;
/** Peers per worker process by default: few processes start fastest, and 20,000 − 12,500 still leaves
 * ~7,000 descriptors per process for concurrent connections. */
export const PEERS_PER_WORKER = 12_500;
/** Most peers one process may serve (each is a listening descriptor; 20,000 is the hard cap). */
export const MAX_PEERS_PER_PROCESS = 15_000;

/** Today 00:00 UTC in unix seconds (the default epoch: reruns on the same day give identical files). */
export function todayEpoch(now = Date.now()): number {
  return Math.floor(now / 86_400_000) * 86_400;
}

function int(name: string, v: number, min: number, max: number): number {
  if (!Number.isInteger(v) || v < min || v > max) throw new UsageError(`${name} must be an integer from ${min} to ${max}, got ${v}`);
  return v;
}

/** Validates options and fills in defaults. */
export function resolveConfig(opts: SimnetOptions): SimnetConfig {
  const nodes = int("--nodes", opts.nodes, 1, 1_000_000);
  const profile = opts.profile ?? "realistic";
  if (!PROFILES.includes(profile)) throw new UsageError(`--profile must be one of ${PROFILES.join("|")}, got '${profile}'`);
  const base = opts.base ?? DEFAULT_BASE;
  const shares = opts.shares ?? PROFILE_SHARES[profile];
  for (const [b, v] of Object.entries(shares)) {
    if (!(typeof v === "number" && v >= 0 && v <= 1)) throw new UsageError(`share of ${b} must be within 0..1, got ${String(v)}`);
  }
  try {
    new Layout(base, nodes, PROFILE_WORLD[profile].deadPerPeer, behaviourCounts(nodes, shares).spammer * SPAM_ENTRIES);
  } catch (err) {
    if (err instanceof LayoutError) throw new UsageError(err.message);
    throw err;
  }
  const networks = opts.networks ?? (profile === "mainnet" ? MAINNET_MIX : IPV4_ONLY);
  const sum = PEER_NETWORKS.reduce((a, k) => a + shareOf(networks, k), 0);
  if (PEER_NETWORKS.some((k) => !(shareOf(networks, k) >= 0 && shareOf(networks, k) <= 1)) || Math.abs(sum - 1) > 0.001) {
    throw new UsageError(`--network-mix shares must be within 0..1 and sum to 1, got ${JSON.stringify(networks)}`);
  }
  if (Math.ceil(networks.ipv6 * nodes) > IPV6_PEER_MAX) throw new UsageError(`at most ${IPV6_PEER_MAX} IPv6 peers fit on [::1] ports 20000–32767`);
  const lat = opts.overlayLatency ?? "realistic";
  const overlay = lat === "realistic" ? REALISTIC_LATENCY : lat === "fast" ? FAST_LATENCY : lat;
  if (!(overlay.failShare >= 0 && overlay.failShare <= 1)) throw new UsageError(`the overlay fail share must be within 0..1, got ${overlay.failShare}`);
  return {
    ...(networks.ipv4 < 1 ? { networks, overlay } : {}),
    nodes,
    seed: int("--seed", opts.seed ?? 1, 0, 0xffffffff),
    base,
    port: int("--port", opts.port ?? SIMNET_PORT, 1, 65535),
    profile,
    shares,
    replyDelayMs: int("--reply-delay-ms", opts.replyDelayMs ?? PROFILE_REPLY_DELAY_MS[profile], 0, 600_000),
    replyDelayCap: int("--reply-delay-cap", opts.replyDelayCap ?? PROFILE_WORLD[profile].replyDelayCap, 0, 1000),
    deadPerPeer: PROFILE_WORLD[profile].deadPerPeer,
    deadPercent: PROFILE_WORLD[profile].deadPercent,
    spamEntries: SPAM_ENTRIES,
    slowMs: int("--slow-ms", opts.slowMs ?? DEFAULT_SLOW_MS, 0, 600_000),
    epoch: int("--epoch", opts.epoch ?? todayEpoch(), 86_400 * 11, 0xffffffff),
    seedCount: int("--seed-count", opts.seedCount ?? 8, 1, 1000),
    pingFlood: int("--ping-flood", opts.pingFlood ?? 2000, 1, 100_000),
    replyCacheMB: int("--reply-cache-mb", opts.replyCacheMB ?? 64, 0, 4096),
  };
}

/** Worker processes to use for `nodes` peers (0 = in-process), validated against the descriptor cap. */
export function resolveWorkers(nodes: number, workers: number | undefined): number {
  const w = workers ?? (nodes <= IN_PROCESS_MAX ? 0 : Math.ceil(nodes / PEERS_PER_WORKER));
  int("--workers", w, 0, 64);
  const perProcess = Math.ceil(nodes / Math.max(1, w));
  if (perProcess > MAX_PEERS_PER_PROCESS) {
    throw new UsageError(
      `${perProcess} peers in one process exceeds ${MAX_PEERS_PER_PROCESS} (open files are capped at 20,000 per process): use more --workers`,
    );
  }
  return w;
}
