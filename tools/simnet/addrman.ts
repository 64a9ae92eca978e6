// A peer's address manager, generated lazily from the seed: how many addresses it knows and the exact
// getaddr reply it gives (Bitcoin Core caches one reply, so every crawler sees the same entries).
// The reply holds at most min(1000, 23% of what it knows): simnet peers (always its ring successors and
// the peers it owns, so everything is discoverable), loopback addresses where nothing listens, [::1]
// entries, and — only for addrv2 — TorV3, I2P and CJDNS entries. Nothing advertised is off loopback.
import { addressFromBytes, type NetworkType, type PeerAddress } from "../../lib/bitcoin/index.ts";
import { IPV6_PORT_BASE, IPV6_PORT_COUNT } from "./layout.ts";
import { spamEntriesOf, type SimnetModel } from "./model.ts";
import { rngFor, STREAM, type Rng } from "../../lib/random.ts";
import { SERVICE } from "./versions.ts";

/** Bitcoin Core's getaddr cap: at most 23% of the address manager … */
export const GETADDR_PERCENT = 23;
/** … and never more than 1000 entries (MAX_ADDR_TO_SEND). */
export const GETADDR_MAX = 1000;

const COMMON_SERVICES: readonly (readonly [bigint, number])[] = [
  [SERVICE.NETWORK | SERVICE.WITNESS | SERVICE.NETWORK_LIMITED, 60],
  [SERVICE.NETWORK | SERVICE.WITNESS | SERVICE.NETWORK_LIMITED | SERVICE.P2P_V2, 25],
  [SERVICE.WITNESS | SERVICE.NETWORK_LIMITED, 10],
  [SERVICE.NETWORK | SERVICE.BLOOM | SERVICE.WITNESS | SERVICE.NETWORK_LIMITED, 5],
];

/** Network types only addrv2 can carry (left out of replies in legacy addr messages). */
export const ADDRV2_ONLY: ReadonlySet<NetworkType> = new Set<NetworkType>(["onion_v3", "i2p", "cjdns"]);

/** How many addresses peer `i`'s address manager knows (enough that its mandatory entries fit). */
export function knownCount(model: SimnetModel, i: number): number {
  const rng = rngFor(model.config.seed, STREAM.known, i);
  let k = rng.chance(0.02) ? rng.range(4348, 12_000) : rng.range(40, 400);
  const need = model.mandatory(i).length + 2;
  while (Math.floor((k * GETADDR_PERCENT) / 100) < Math.min(need, GETADDR_MAX)) k++;
  return k;
}

/** Entries in peer `i`'s getaddr reply when addrv2 is in use: min(1000, ⌊23% × known⌋). */
export function replySize(model: SimnetModel, i: number): number {
  return Math.min(GETADDR_MAX, Math.floor((knownCount(model, i) * GETADDR_PERCENT) / 100));
}

function advertisedTime(model: SimnetModel, rng: Rng): number {
  const day = 86_400;
  return model.config.epoch - (rng.chance(0.75) ? rng.range(0, 3 * day) : rng.range(3 * day, 10 * day));
}

/** Distinct TorV3/I2P/CJDNS nodes of a simnet's overlay world; peers advertise entries of this shared
 * pool (as real peers share knowledge of the same onion nodes), generated lazily once per process. */
export const OVERLAY_POOL_SIZE = 4096;
const overlayPools = new Map<number, (Omit<PeerAddress, "services" | "time"> | undefined)[]>();

/** The `k`-th overlay node of the simnet with `seed` (address and port; services and time are per advertiser). */
export function overlayNode(seed: number, port: number, k: number): Omit<PeerAddress, "services" | "time"> {
  let pool = overlayPools.get(seed);
  if (!pool) overlayPools.set(seed, (pool = new Array(OVERLAY_POOL_SIZE)));
  const cached = pool[k];
  if (cached && cached.port === port) return cached;
  const rng = rngFor(seed, STREAM.overlay, k);
  const r = rng.float();
  let node: Omit<PeerAddress, "services" | "time">;
  if (r < 0.6) node = { networkType: "onion_v3", address: addressFromBytes("onion_v3", rng.fill(new Uint8Array(32))), port };
  else if (r < 0.85)
    node = { networkType: "i2p", address: addressFromBytes("i2p", rng.fill(new Uint8Array(32))), port: 0 }; // I2P SAM 3.1 has no ports: Core uses 0
  else {
    const bytes = rng.fill(new Uint8Array(16));
    bytes[0] = 0xfc;
    node = { networkType: "cjdns", address: addressFromBytes("cjdns", bytes), port };
  }
  pool[k] = node;
  return node;
}

/** Peer `i`'s full getaddr reply in send order (addrv2 form; `forLegacy` drops what addr cannot carry). */
export function replyEntries(model: SimnetModel, i: number): PeerAddress[] {
  const { nodes, port } = model.config;
  const rng = rngFor(model.config.seed, STREAM.reply, i);
  const total = replySize(model, i);
  let overlay = model.addrv2Capable(i) ? Math.floor((total * 8) / 100) : 0;
  let v6 = Math.floor((total * 4) / 100);
  let dead = Math.floor((total * (model.config.deadPercent ?? 12)) / 100);
  let peers = total - overlay - v6 - dead;
  const mandatory = model.mandatory(i).slice(0, total);
  if (peers > nodes - 1) {
    dead += peers - (nodes - 1);
    peers = nodes - 1;
  }
  while (peers < mandatory.length) {
    peers++;
    if (dead > 0) dead--;
    else if (v6 > 0) v6--;
    else overlay--;
  }
  const out: PeerAddress[] = [];
  const chosen = new Set<number>(mandatory);
  chosen.add(i);
  const peerEntry = (j: number): PeerAddress => ({
    networkType: model.network(j),
    address: model.address(j),
    port: model.port(j),
    services: model.services(j),
    time: advertisedTime(model, rng),
  });
  for (const j of mandatory) out.push(peerEntry(j));
  while (out.length < peers) {
    const j = rng.below(nodes);
    if (chosen.has(j)) continue;
    chosen.add(j);
    out.push(peerEntry(j));
  }
  const deadChosen = new Set<number>();
  while (deadChosen.size < dead) {
    const k = rng.below(model.layout.deadCount);
    if (deadChosen.has(k)) continue;
    deadChosen.add(k);
    const services = rng.weighted(COMMON_SERVICES);
    out.push({ networkType: "ipv4", address: model.layout.deadText(k), port, services, time: advertisedTime(model, rng) });
  }
  const v6Chosen = new Set<number>();
  while (v6Chosen.size < Math.min(v6, IPV6_PORT_COUNT)) {
    const p = rng.below(IPV6_PORT_COUNT);
    if (v6Chosen.has(p)) continue;
    v6Chosen.add(p);
    const services = rng.weighted(COMMON_SERVICES);
    out.push({ networkType: "ipv6", address: "::1", port: IPV6_PORT_BASE + p, services, time: advertisedTime(model, rng) });
  }
  const overlayChosen = new Set<number>();
  while (overlayChosen.size < overlay) {
    const k = rng.below(OVERLAY_POOL_SIZE);
    if (overlayChosen.has(k)) continue;
    overlayChosen.add(k);
    out.push({ ...overlayNode(model.config.seed, port, k), services: rng.weighted(COMMON_SERVICES), time: advertisedTime(model, rng) });
  }
  for (let k = out.length - 1; k > 0; k--) {
    const j = rng.below(k + 1);
    const t = out[k]!;
    out[k] = out[j]!;
    out[j] = t;
  }
  return out;
}

/** The reply as sent in a legacy `addr` message: the addrv2 reply without TorV3/I2P/CJDNS entries. */
export function legacyEntries(entries: readonly PeerAddress[]): PeerAddress[] {
  return entries.filter((e) => !ADDRV2_ONLY.has(e.networkType));
}

/** The > 1000-entry addr message an `addr_flood` peer sends instead of a reply (nothing-listens addresses). */
export function floodEntries(model: SimnetModel, i: number): PeerAddress[] {
  const rng = rngFor(model.config.seed, STREAM.flood, i);
  const count = GETADDR_MAX + 1 + rng.below(500);
  const out: PeerAddress[] = [];
  for (let k = 0; k < count; k++) {
    const address = model.layout.deadText(rng.below(model.layout.deadCount));
    out.push({ networkType: "ipv4", address, port: model.config.port, services: SERVICE.NETWORK, time: model.config.epoch });
  }
  return out;
}

/** The fresh nothing-listens addresses a `spammer` peer advertises besides its reply (its own slice of the pool). */
export function spamEntries(model: SimnetModel, i: number): PeerAddress[] {
  const rank = model.spammerRank[i]!;
  if (rank < 0) return [];
  const per = spamEntriesOf(model.config);
  const out: PeerAddress[] = [];
  for (let k = 0; k < per; k++) {
    out.push({
      networkType: "ipv4",
      address: model.layout.spamText(rank * per + k),
      port: model.config.port,
      services: SERVICE.NETWORK,
      time: model.config.epoch,
    });
  }
  return out;
}
