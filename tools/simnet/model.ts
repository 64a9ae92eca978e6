// The simnet as a pure function of its configuration: behaviours, ports, version records, the backbone
// that keeps every peer discoverable from the seeds. Every process (parent and workers) rebuilds the same
// model from the same config, so nothing per-peer is stored or shipped beyond a few typed arrays.
import { BEHAVIOURS, PROMPT_REPLIERS, assignBehaviours, type Behaviour, type ProfileName, type Shares } from "./behaviours.ts";
import { Layout } from "./layout.ts";
import { Rng, hash32, rngFor, STREAM } from "../../lib/random.ts";
import { drawClockSkew, drawVersion, type VersionRecord } from "./versions.ts";
import {
  IPV4_ONLY,
  IPV6_PEER_PORT_BASE,
  PEER_NETWORKS,
  REALISTIC_LATENCY,
  assignNetworks,
  b32Of,
  cjdnsAddress,
  isGatewayNetwork,
  gatewayFate,
  i2pDestination,
  onionName,
  type GatewayFate,
  type NetworkMix,
  type OverlayLatency,
  type PeerNetwork,
} from "./overlay.ts";

/** Everything that determines a simnet (plain JSON: it is sent to worker processes as is). */
export interface SimnetConfig {
  readonly nodes: number;
  readonly seed: number;
  /** First address, x.y.z.0 in 127.0.0.0/8. */
  readonly base: string;
  /** Port most peers listen on (3% listen on port+1, or port-1 when port is 65535). */
  readonly port: number;
  readonly profile: ProfileName;
  readonly shares: Shares;
  /** Mean getaddr reply delay of honest peers in ms (exponential, capped at `replyDelayCap`× the mean). */
  readonly replyDelayMs: number;
  /** Cap of the reply delay in multiples of the mean; 0 = uncapped, as Core's timer (default 3). */
  readonly replyDelayCap?: number;
  /** Nothing-listens addresses per peer (0 = the default small pool; the mainnet profile has 3). */
  readonly deadPerPeer?: number;
  /** Percent of each reply that is nothing-listens addresses (default 12). */
  readonly deadPercent?: number;
  /** Fresh nothing-listens addresses each `spammer` peer advertises besides its reply (default 2000). */
  readonly spamEntries?: number;
  /** Reply delay of `slow` peers in ms. */
  readonly slowMs: number;
  /** Unix seconds advertised timestamps count back from (so the ground truth is reproducible). */
  readonly epoch: number;
  /** How many seed addresses to hand out. */
  readonly seedCount: number;
  /** Pings a `ping_flood` peer sends after the handshake. */
  readonly pingFlood: number;
  /** Budget of each serving process's cache of encoded replies, in MiB (0 = encode every reply). */
  readonly replyCacheMB: number;
  /** Share of peers per network (default: all IPv4). */
  readonly networks?: NetworkMix;
  /** Gateway latencies and failure share for onion and I2P peers. */
  readonly overlay?: OverlayLatency;
}

/** Spam addresses per `spammer` peer. */
export function spamEntriesOf(config: SimnetConfig): number {
  return config.spamEntries ?? 2000;
}

/** Share of peers listening on the neighbouring port instead of the default one. */
const ALT_PORT_PERCENT = 3;

/** A built simnet: cheap per-peer lookups over a handful of typed arrays. */
export class SimnetModel {
  readonly config: SimnetConfig;
  readonly layout: Layout;
  private readonly behaviourIdx: Uint8Array;
  /** Rank of each `spammer` peer among the spammers (its slice of the spam pool), or -1. */
  readonly spammerRank: Int32Array;
  /** Prompt repliers (honest, ping_flood) in seeded ring order. */
  readonly order: Int32Array;
  /** Position of each peer in `order`, or -1. */
  readonly pos: Int32Array;
  private readonly assignStart: Int32Array;
  private readonly assigned: Int32Array;
  private readonly servicesOf: BigUint64Array;
  private readonly ports: Uint16Array;
  private readonly networkIdx: Uint8Array;
  /** Rank of each IPv6 peer among the IPv6 peers (its port is IPV6_PEER_PORT_BASE + rank), else -1. */
  private readonly v6Rank: Int32Array;
  /** Rank of each CJDNS peer among the CJDNS peers (its address is cjdnsAddress(rank)), else -1. */
  private readonly cjdnsRank: Int32Array;
  /** Onion names and I2P b32 names computed so far (Ed25519 and SHA-256 work, done once per peer). */
  private readonly names = new Map<number, string>();
  /** Whether any peer lives on an overlay (then only BIP155 peers that their gateway serves hold the ring). */
  readonly hasOverlays: boolean;
  readonly latency: OverlayLatency;

  constructor(config: SimnetConfig) {
    this.config = config;
    const n = config.nodes;
    this.behaviourIdx = assignBehaviours(n, config.shares, config.seed);
    const spammerIdx = BEHAVIOURS.indexOf("spammer");
    this.spammerRank = new Int32Array(n).fill(-1);
    let spammers = 0;
    for (let i = 0; i < n; i++) if (this.behaviourIdx[i] === spammerIdx) this.spammerRank[i] = spammers++;
    this.layout = new Layout(config.base, n, config.deadPerPeer ?? 0, spammers * spamEntriesOf(config));
    const altPort = config.port === 65535 ? config.port - 1 : config.port + 1;
    this.ports = new Uint16Array(n);
    this.servicesOf = new BigUint64Array(n);
    this.networkIdx = assignNetworks(n, config.networks ?? IPV4_ONLY, config.seed);
    this.latency = config.overlay ?? REALISTIC_LATENCY;
    this.v6Rank = new Int32Array(n).fill(-1);
    this.cjdnsRank = new Int32Array(n).fill(-1);
    let v6 = 0;
    let cj = 0;
    let overlays = false;
    for (let i = 0; i < n; i++) {
      const net = this.network(i);
      if (net === "ipv6") this.v6Rank[i] = v6++;
      if (net === "cjdns") this.cjdnsRank[i] = cj++;
      if (net !== "ipv4" && net !== "ipv6") overlays = true; // only addrv2 carries them
    }
    this.hasOverlays = overlays;
    const modernOnly = config.profile === "fast";
    const prompt: number[] = [];
    for (let i = 0; i < n; i++) {
      this.ports[i] = hash32(config.seed, STREAM.port, i) % 100 < ALT_PORT_PERCENT ? altPort : config.port;
      const version = drawVersion(config.seed, i, modernOnly);
      this.servicesOf[i] = version.services;
      // With overlays in the network, the backbone is made of peers whose replies can carry onion, I2P and CJDNS entries
      // (BIP155) and that a crawler can reach (not failed by their gateway), so every peer stays discoverable.
      const backbone = !overlays || (version.protocolVersion >= 70016 && this.fate(i).kind === "serve");
      if (PROMPT_REPLIERS.has(this.behaviour(i)) && backbone) prompt.push(i);
    }
    const ringRng = new Rng(hash32(config.seed, STREAM.ringOrder));
    for (let k = prompt.length - 1; k > 0; k--) {
      const j = ringRng.below(k + 1);
      const t = prompt[k]!;
      prompt[k] = prompt[j]!;
      prompt[j] = t;
    }
    this.order = Int32Array.from(prompt);
    this.pos = new Int32Array(n).fill(-1);
    this.order.forEach((peer, k) => (this.pos[peer] = k));
    // Every peer that is not a prompt replier is advertised by one prompt replier (its owner).
    const m = this.order.length;
    const owner = new Int32Array(n).fill(-1);
    const counts = new Int32Array(m + 1);
    if (m > 0) {
      for (let i = 0; i < n; i++) {
        if (this.pos[i]! >= 0) continue;
        owner[i] = hash32(config.seed, STREAM.assign, i) % m;
        counts[owner[i]! + 1]!++;
      }
    }
    for (let k = 0; k < m; k++) counts[k + 1]! += counts[k]!;
    this.assignStart = counts;
    this.assigned = new Int32Array(counts[m]!);
    const fill = counts.slice(0, m);
    for (let i = 0; i < n; i++) if (owner[i]! >= 0) this.assigned[fill[owner[i]!]!++] = i;
  }

  /** Peer `i`'s behaviour. */
  behaviour(i: number): Behaviour {
    return BEHAVIOURS[this.behaviourIdx[i]!]!;
  }

  /** The network peer `i` lives on. */
  network(i: number): PeerNetwork {
    return PEER_NETWORKS[this.networkIdx[i]!]!;
  }

  /** Port of peer `i`'s endpoint (0 for I2P peers: SAM 3.1 has no ports; [::1] ports for IPv6 peers). */
  port(i: number): number {
    switch (this.network(i)) {
      case "ipv6":
        return IPV6_PEER_PORT_BASE + this.v6Rank[i]!;
      case "i2p":
        return 0;
      default:
        return this.ports[i]!;
    }
  }

  /** What peer `i`'s gateway does with a connection to it (IP peers: always served). */
  fate(i: number): GatewayFate {
    const net = this.network(i);
    if (!isGatewayNetwork(net)) return { kind: "serve" };
    return gatewayFate(this.config.seed, i, this.latency.failShare);
  }

  /** Peer `i`'s I2P destination (only meaningful for I2P peers). */
  destination(i: number): Buffer {
    return i2pDestination(this.config.seed, i);
  }

  /** Services peer `i` announces (and others advertise for it). */
  services(i: number): bigint {
    return this.servicesOf[i]!;
  }

  /** Peer `i`'s address on its network: dotted IPv4, `::1`, `<56>.onion`, `<52>.b32.i2p` or `fc00::…` (CJDNS). */
  address(i: number): string {
    switch (this.network(i)) {
      case "ipv4":
        return this.layout.peerText(i);
      case "ipv6":
        return "::1";
      case "cjdns":
        return cjdnsAddress(this.cjdnsRank[i]!);
      case "onion_v3":
      case "i2p": {
        let name = this.names.get(i);
        if (name === undefined) {
          name = this.network(i) === "onion_v3" ? onionName(this.config.seed, i) : b32Of(this.destination(i));
          this.names.set(i, name);
        }
        return name;
      }
    }
  }

  /** Every CJDNS peer's fc00:: address (what must be on an interface before they can listen). */
  cjdnsAddresses(): string[] {
    const out: string[] = [];
    for (let i = 0; i < this.config.nodes; i++) if (this.cjdnsRank[i]! >= 0) out.push(this.address(i));
    return out;
  }

  /** Peer `i`'s slot in the IPv4 layout (its listening address when on IPv4; the geo databases place every slot). */
  slotAddress(i: number): string {
    return this.layout.peerText(i);
  }

  /** `HOST:PORT` of peer `i` (`[::1]:PORT` for IPv6 peers). */
  hostPort(i: number): string {
    const a = this.address(i);
    return a.includes(":") ? `[${a}]:${this.port(i)}` : `${a}:${this.port(i)}`;
  }

  /** Peer `i`'s version record. */
  version(i: number): VersionRecord {
    return drawVersion(this.config.seed, i, this.config.profile === "fast");
  }

  /** Seconds peer `i`'s clock is off (its version timestamp is now + skew). */
  clockSkew(i: number): number {
    return drawClockSkew(rngFor(this.config.seed, STREAM.nonce, i, 1));
  }

  /** Whether peer `i` speaks BIP155 (sends sendaddrv2; uses addrv2 when the other side did too). */
  addrv2Capable(i: number): boolean {
    return this.version(i).protocolVersion >= 70016;
  }

  /** Peers that must appear in peer `i`'s reply: its two ring successors and the peers it owns. */
  mandatory(i: number): number[] {
    const k = this.pos[i]!;
    if (k < 0) return [];
    const m = this.order.length;
    const out: number[] = [];
    for (const step of [1, 2]) {
      const j = this.order[(k + step) % m]!;
      if (j !== i && !out.includes(j)) out.push(j);
    }
    for (let a = this.assignStart[k]!; a < this.assignStart[k + 1]!; a++) out.push(this.assigned[a]!);
    return out;
  }

  /** Seed addresses (`HOST:PORT`): the first IP prompt repliers of the ring, like a DNS seed's answer. */
  seeds(): string[] {
    const n = Math.min(this.config.seedCount, this.config.nodes);
    const ip = (i: number) => this.network(i) === "ipv4" || this.network(i) === "ipv6";
    const ring = Array.from(this.order).filter(ip);
    const pick =
      ring.length > 0
        ? ring.slice(0, n)
        : Array.from({ length: this.config.nodes }, (_, i) => i)
            .filter(ip)
            .slice(0, n);
    return pick.map((i) => this.hostPort(i));
  }
}
