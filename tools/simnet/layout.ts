// Where a simnet lives on loopback: peers fill /24 blocks from --base (host parts .1–.254, never .0 or
// .255), then one empty block, then a pool of addresses where nothing listens (advertised, never served).

import { parseIPv4Value } from "../../lib/ip/index.ts";

/** Host parts used per /24 block (.1 … .254). */
export const HOSTS_PER_BLOCK = 254;

/** Ports of the IPv6 loopback entries peers advertise ([::1]:18500 … [::1]:18999; nothing listens there). */
export const IPV6_PORT_BASE = 18500;
/** How many distinct [::1] ports the advertised IPv6 entries use. */
export const IPV6_PORT_COUNT = 500;

/** Error for a --base outside 127.0.0.0/8, not /24-aligned, or too small for the network. */
export class LayoutError extends Error {}

/** Dotted text of a 32-bit IPv4 address. */
export function ipv4Text(u32: number): string {
  return `${u32 >>> 24}.${(u32 >>> 16) & 0xff}.${(u32 >>> 8) & 0xff}.${u32 & 0xff}`;
}

/** 32-bit value of dotted IPv4 text (lib/ip's parser), or undefined when it is not one. */
export function parseIPv4(text: string): number | undefined {
  const v = parseIPv4Value(text);
  return v < 0 ? undefined : v;
}

/** The loopback address plan of a simnet of `nodes` peers starting at `base`. */
export class Layout {
  /** First address of the simnet (x.y.z.0). */
  readonly base: number;
  readonly nodes: number;
  /** Blocks the peers occupy. */
  readonly peerBlocks: number;
  /** Addresses in the nothing-listens pool. */
  readonly deadCount: number;
  private readonly deadBase: number;
  /** Addresses in the spam pool (after the nothing-listens pool; nothing listens there either). */
  readonly spamCount: number;
  private readonly spamBase: number;
  /** One past the last address the simnet uses. */
  readonly end: number;

  /** `deadPerPeer` > 0 sizes the nothing-listens pool at that many addresses per peer (the mainnet profile's 3). */
  constructor(baseText: string, nodes: number, deadPerPeer = 0, spamCount = 0) {
    const base = parseIPv4(baseText);
    if (base === undefined || base >>> 24 !== 127) throw new LayoutError(`--base must be an IPv4 address in 127.0.0.0/8, got '${baseText}'`);
    if ((base & 0xff) !== 0) throw new LayoutError(`--base must end in .0 (a /24 boundary), got '${baseText}'`);
    this.base = base;
    this.nodes = nodes;
    this.peerBlocks = Math.ceil(nodes / HOSTS_PER_BLOCK);
    this.deadCount =
      deadPerPeer > 0
        ? HOSTS_PER_BLOCK * Math.max(1, Math.ceil((nodes * deadPerPeer) / HOSTS_PER_BLOCK))
        : HOSTS_PER_BLOCK * (8 + Math.ceil(nodes / (HOSTS_PER_BLOCK * 10)));
    this.deadBase = base + (this.peerBlocks + 1) * 256;
    this.spamCount = spamCount;
    this.spamBase = this.deadBase + (this.deadCount / HOSTS_PER_BLOCK) * 256;
    this.end = this.spamBase + Math.ceil(spamCount / HOSTS_PER_BLOCK) * 256;
    if (this.end > 0x80000000) {
      throw new LayoutError(`--base ${baseText} leaves too little of 127.0.0.0/8 for ${nodes} peers (needs ${ipv4Text(base)}–${ipv4Text(this.end - 1)})`);
    }
  }

  /** 32-bit address of peer `i`. */
  peer(i: number): number {
    return this.base + Math.floor(i / HOSTS_PER_BLOCK) * 256 + 1 + (i % HOSTS_PER_BLOCK);
  }

  /** Dotted text of peer `i`'s address. */
  peerText(i: number): string {
    return ipv4Text(this.peer(i));
  }

  /** Index of the peer at dotted `address`, or undefined when no peer has it. */
  peerIndex(address: string): number | undefined {
    const v = parseIPv4(address);
    if (v === undefined || v < this.base) return undefined;
    const off = v - this.base;
    const host = off & 0xff;
    if (host === 0 || host === 255) return undefined;
    const i = (off >>> 8) * HOSTS_PER_BLOCK + host - 1;
    return i < this.nodes ? i : undefined;
  }

  /** Dotted text of the `k`-th nothing-listens address. */
  deadText(k: number): string {
    return ipv4Text(this.deadBase + Math.floor(k / HOSTS_PER_BLOCK) * 256 + 1 + (k % HOSTS_PER_BLOCK));
  }

  /** Dotted text of the `k`-th spam address (what `spammer` peers advertise). */
  spamText(k: number): string {
    return ipv4Text(this.spamBase + Math.floor(k / HOSTS_PER_BLOCK) * 256 + 1 + (k % HOSTS_PER_BLOCK));
  }

  /** Whether dotted `address` is in the nothing-listens pool (the spam pool included). */
  isDead(address: string): boolean {
    const v = parseIPv4(address);
    if (v === undefined || v < this.deadBase || v >= this.end) return false;
    const host = v & 0xff;
    return host !== 0 && host !== 255;
  }

  /** First and last address of the nothing-listens and spam pools (for an iptables `--dst-range` blackhole). */
  deadRange(): [string, string] {
    return [ipv4Text(this.deadBase), ipv4Text(this.end - 1)];
  }

  /** Last address the simnet uses (the final .254 of the nothing-listens pool). */
  lastText(): string {
    return ipv4Text(this.end - 2);
  }

  /** First and last address the simnet uses (peers, then the nothing-listens pool), for logs. */
  describe(): string {
    return `${this.peerText(0)}–${this.lastText()}`;
  }
}
