// ground-truth.json: everything a crawl of the simnet should find, streamed peer by peer (a 25,000-peer
// net advertises millions of entries) to a temp file that is published atomically when complete.
import { open, readFile, unlink } from "node:fs/promises";
import { publishFile, tempPathFor } from "../../pipeline/fsutil.ts";
import { floodEntries, knownCount, replyEntries } from "./addrman.ts";
import { REPLIERS, behaviourCounts, type Behaviour } from "./behaviours.ts";
import type { PeerNetwork } from "./overlay.ts";
import { IPV6_PORT_BASE, IPV6_PORT_COUNT } from "./layout.ts";
import type { PeerGeo } from "./geo.ts";
import type { SimnetModel } from "./model.ts";
import type { NetworkType } from "../../lib/bitcoin/index.ts";

/** Format tag of ground-truth.json (bumped on any incompatible change). */
export const GROUND_TRUTH_FORMAT = "fluxture-simnet-ground-truth/1";

/** One advertised entry: [network_type, address, port, services (decimal), advertised unix seconds]. */
export type AdvertisedTuple = [NetworkType, string, number, string, number];

/** One peer's record in ground-truth.json. */
export interface GroundTruthPeer {
  readonly index: number;
  readonly address: string;
  readonly port: number;
  /** The network it lives on: ipv4, ipv6 ([::1]), onion_v3 or i2p (reached only through the gateways). */
  readonly network: PeerNetwork;
  /** Set when its gateway fails it (after a delay): SOCKS reply 4 / SAM CANT_REACH_PEER → unreachable,
   * SOCKS reply 6 / SAM TIMEOUT → timeout. */
  readonly gateway_failure?: "unreachable" | "timeout";
  readonly behaviour: Behaviour;
  readonly version: {
    readonly protocol_version: number;
    readonly services: string;
    readonly user_agent: string;
    readonly start_height: number;
    readonly relay: boolean | null;
  };
  readonly clock_skew_s: number;
  /** Sends sendaddrv2 and answers in addrv2 when the crawler sent sendaddrv2 too. */
  readonly addrv2: boolean;
  /** Size of its address manager (the reply holds at most min(1000, 23% of it)). */
  readonly known: number;
  /** Whether a complete, legitimate getaddr reply is ever sent (honest, slow, ping_flood). */
  readonly replies: boolean;
  /** The reply in send order (addrv2 form); legacy addr replies leave out onion_v3/i2p/cjdns entries. */
  readonly advertises: readonly AdvertisedTuple[];
  /** addr_flood peers: entries in the over-limit addr message they send instead. */
  readonly flood_entries?: number;
  /** Where simnet-city.mmdb / simnet-asn.mmdb place the peer (absent when the databases were not written). */
  readonly geo?: PeerGeo;
}

/** The whole file. */
export interface GroundTruth {
  readonly format: string;
  readonly network: "simnet";
  readonly magic: string;
  readonly config: Record<string, unknown>;
  /** First and last address the simnet occupies (peers, then the nothing-listens pool). */
  readonly address_range: readonly [string, string];
  /** Addresses advertised where nothing listens: an IPv4 loopback range and [::1] ports. */
  readonly unlistened: { readonly ipv4: readonly [string, string]; readonly ipv6_ports: readonly [number, number] };
  readonly behaviour_counts: Record<Behaviour, number>;
  readonly seeds: readonly string[];
  readonly peers: readonly GroundTruthPeer[];
}

/** The ground-truth record of peer `i` (computed, not stored: the same function the peers answer from). */
export function groundTruthPeer(model: SimnetModel, i: number, geo?: ReadonlyMap<string, PeerGeo>): GroundTruthPeer {
  const v = model.version(i);
  const behaviour = model.behaviour(i);
  const replies = REPLIERS.has(behaviour);
  const fate = model.fate(i);
  const advertises = replies ? replyEntries(model, i).map((e): AdvertisedTuple => [e.networkType, e.address, e.port, e.services.toString(), e.time ?? 0]) : [];
  return {
    index: i,
    address: model.address(i),
    port: model.port(i),
    network: model.network(i),
    ...(fate.kind === "fail" ? { gateway_failure: fate.code } : {}),
    behaviour,
    version: {
      protocol_version: v.protocolVersion,
      services: v.services.toString(),
      user_agent: v.userAgent,
      start_height: v.startHeight,
      relay: v.relay ?? null,
    },
    clock_skew_s: model.clockSkew(i),
    addrv2: model.addrv2Capable(i),
    known: knownCount(model, i),
    replies,
    advertises,
    ...(behaviour === "addr_flood" ? { flood_entries: floodEntries(model, i).length } : {}),
    ...(geo?.has(model.address(i)) ? { geo: geo.get(model.address(i))! } : {}),
  };
}

/** Header fields of the file (everything but the peers). */
export function groundTruthHeader(model: SimnetModel, magic: number): Omit<GroundTruth, "peers"> {
  const c = model.config;
  const layout = model.layout;
  return {
    format: GROUND_TRUTH_FORMAT,
    network: "simnet",
    magic: (magic >>> 0).toString(16).padStart(8, "0"),
    config: {
      nodes: c.nodes,
      seed: c.seed,
      base: c.base,
      port: c.port,
      profile: c.profile,
      shares: c.shares,
      reply_delay_ms: c.replyDelayMs,
      slow_ms: c.slowMs,
      epoch: c.epoch,
      seed_count: c.seedCount,
      ping_flood: c.pingFlood,
    },
    address_range: [layout.peerText(0), layout.lastText()],
    unlistened: {
      ipv4: [layout.deadText(0), layout.deadText(layout.deadCount - 1)],
      ipv6_ports: [IPV6_PORT_BASE, IPV6_PORT_BASE + IPV6_PORT_COUNT - 1],
    },
    behaviour_counts: behaviourCounts(c.nodes, c.shares),
    seeds: model.seeds(),
  };
}

/** Streams ground-truth.json to `path` (one peer per line), publishing it atomically when complete. */
export async function writeGroundTruth(path: string, model: SimnetModel, magic: number, geo?: ReadonlyMap<string, PeerGeo>): Promise<void> {
  const tmp = tempPathFor(path);
  const handle = await open(tmp, "wx", 0o644);
  let ok = false;
  try {
    const header = JSON.stringify(groundTruthHeader(model, magic));
    await handle.write(`${header.slice(0, -1)},\n"peers":[\n`);
    const n = model.config.nodes;
    let batch: string[] = [];
    for (let i = 0; i < n; i++) {
      batch.push(JSON.stringify(groundTruthPeer(model, i, geo)) + (i + 1 < n ? ",\n" : "\n"));
      if (batch.length >= 256) {
        await handle.write(batch.join(""));
        batch = [];
      }
    }
    batch.push("]}\n");
    await handle.write(batch.join(""));
    ok = true;
  } finally {
    await handle.close();
    if (!ok) await unlink(tmp).catch(() => undefined);
  }
  await publishFile(tmp, path);
}

/** Reads a ground-truth.json (tests, demo checks). */
export async function readGroundTruth(path: string): Promise<GroundTruth> {
  return JSON.parse(await readFile(path, "utf8")) as GroundTruth;
}
