// Which network each simnet peer lives on (IPv4, IPv6 on [::1], Tor v3, I2P, CJDNS on fc00:: addresses), its name there, how its gateway
// treats it, and the Tor-/I2P-like latencies the gateways add. Onion and I2P peers have no IP listener: they
// listen on a Unix socket (as a Tor hidden service's `HiddenServicePort … unix:` target) that only the
// simnet's gateways connect to.
import { createHash, createPrivateKey, createPublicKey } from "node:crypto";
import { join } from "node:path";
import { addressFromBytes, type NetworkType } from "../../lib/bitcoin/index.ts";
import { hash32, rngFor } from "../../lib/random.ts";

/** Networks a simnet peer can live on. */
export const PEER_NETWORKS = ["ipv4", "ipv6", "onion_v3", "i2p", "cjdns"] as const;

/** One peer network. */
export type PeerNetwork = (typeof PEER_NETWORKS)[number] & NetworkType;

/** Share of peers per network (sums to 1; a missing CJDNS share is 0). */
export type NetworkMix = Readonly<Record<Exclude<PeerNetwork, "cjdns">, number>> & { readonly cjdns?: number };

/** The share of `net` in `mix`. */
export function shareOf(mix: NetworkMix, net: PeerNetwork): number {
  return mix[net] ?? 0;
}

/** Every peer on IPv4 (the default, as before overlays). */
export const IPV4_ONLY: NetworkMix = { ipv4: 1, ipv6: 0, onion_v3: 0, i2p: 0, cjdns: 0 };

/** The reachable network of late 2025: ~30% IPv4, ~5% IPv6, ~60% Tor v3, ~5% I2P (CJDNS peers need fc00::
 * addresses on an interface, so they are opt-in through --network-mix). */
export const MAINNET_MIX: NetworkMix = { ipv4: 0.3, ipv6: 0.05, onion_v3: 0.6, i2p: 0.05, cjdns: 0 };

/** How the gateways behave: circuit/tunnel setup, round trips, and the share of overlay peers they fail. */
export interface OverlayLatency {
  /** Mean time to open a Tor circuit to an onion service (uniform within ±50%). */
  readonly torCircuitMs: number;
  /** Round trip through an open circuit (each direction delays by half). */
  readonly torRttMs: number;
  /** Mean time for SAM's STREAM CONNECT to reach an I2P peer (uniform within ±50%). */
  readonly i2pTunnelMs: number;
  /** Round trip over I2P tunnels. */
  readonly i2pRttMs: number;
  /** Time to build the SAM session's tunnels (SESSION CREATE reply delay). */
  readonly i2pSessionMs: number;
  /** Share of onion and of I2P peers the gateway cannot reach (after a delay: SOCKS reply 4 or 6; SAM
   * CANT_REACH_PEER or TIMEOUT). */
  readonly failShare: number;
}

/** Tor and I2P as a crawler meets them: a few seconds per circuit, ~0.5 s round trips; I2P slower. */
export const REALISTIC_LATENCY: OverlayLatency = { torCircuitMs: 3000, torRttMs: 500, i2pTunnelMs: 5000, i2pRttMs: 1000, i2pSessionMs: 2000, failShare: 0.08 };

/** Near-zero latencies and no failures (fast tests). */
export const FAST_LATENCY: OverlayLatency = { torCircuitMs: 20, torRttMs: 10, i2pTunnelMs: 20, i2pRttMs: 10, i2pSessionMs: 20, failShare: 0 };

/** First port of the IPv6 peers (`[::1]:20000 + k`), below Linux's ephemeral range. */
export const IPV6_PEER_PORT_BASE = 20_000;
/** Most IPv6 peers a simnet can hold (ports 20000–32767). */
export const IPV6_PEER_MAX = 32_768 - IPV6_PEER_PORT_BASE;

/** PRNG streams of this module (beyond lib/random's STREAM list). */
const STREAM_NETWORK = 101;
const STREAM_ONION_KEY = 102;
const STREAM_I2P_DEST = 103;
const STREAM_GATEWAY = 104;

/** Exact per-network counts (largest remainder), dealt over peers by a seeded ranking. Index = PEER_NETWORKS index. */
export function assignNetworks(n: number, mix: NetworkMix, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  if (mix.ipv4 >= 1) return out;
  const raw = PEER_NETWORKS.map((k) => shareOf(mix, k) * n);
  const counts = raw.map(Math.floor);
  let left = n - counts.reduce((a, b) => a + b, 0);
  const order = raw.map((r, k) => [r - Math.floor(r), k] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (let j = 0; left > 0; j = (j + 1) % order.length, left--) counts[order[j]![1]]!++;
  const ranked = Array.from({ length: n }, (_, i) => i).sort((a, b) => hash32(seed, STREAM_NETWORK, a) - hash32(seed, STREAM_NETWORK, b) || a - b);
  let at = 0;
  counts.forEach((c, k) => {
    for (let j = 0; j < c; j++) out[ranked[at++]!] = k;
  });
  return out;
}

/** CJDNS peer number `rank`'s address: fc00::RANK+1 (RFC 5952 text, as the crawler canonicalises addrv2's CJDNS
 * bytes). The simnet listens there, so the address must exist on an interface first (inside a private network
 * namespace: `ip -6 addr add fc00::1/128 dev lo nodad`; `cjdnsAddressCommands` lists them). */
export function cjdnsAddress(rank: number): string {
  const bytes = new Uint8Array(16);
  bytes[0] = 0xfc;
  new DataView(bytes.buffer).setUint32(12, rank + 1);
  return addressFromBytes("cjdns", bytes);
}

/** Whether a network is reached only through a simnet gateway (no IP listener). */
export function isGatewayNetwork(net: PeerNetwork): net is "onion_v3" | "i2p" {
  return net === "onion_v3" || net === "i2p";
}

/** PKCS#8 prefix of an Ed25519 private key whose 32-byte seed follows. */
const ED25519_PKCS8_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");

/** Peer `i`'s onion name: the v3 address of an Ed25519 key drawn from (seed, i) — a real key, so the name
 * would pass tor's own check that it holds a valid curve point. */
export function onionName(seed: number, i: number): string {
  const keySeed = Buffer.from(rngFor(seed, STREAM_ONION_KEY, i).fill(new Uint8Array(32)));
  const key = createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, keySeed]), format: "der", type: "pkcs8" });
  const jwk = createPublicKey(key).export({ format: "jwk" });
  return addressFromBytes("onion_v3", Buffer.from(String(jwk.x), "base64url"));
}

/** Peer `i`'s I2P destination (391 bytes: 256-byte encryption key, 128-byte signing key field, and a key
 * certificate naming Ed25519 signatures, type 7 — what `SIGNATURE_TYPE=7` creates). */
export function i2pDestination(seed: number, i: number): Buffer {
  const dest = Buffer.from(rngFor(seed, STREAM_I2P_DEST, i).fill(new Uint8Array(391)));
  dest.set([5, 0, 4, 0, 7, 0, 0], 384); // certificate: KEY (5), length 4, signing type 7, crypto type 0
  return dest;
}

/** `<52 chars>.b32.i2p` of a destination: base32 of its SHA-256 (I2P's naming; Core's addrv2 I2P bytes). */
export function b32Of(destination: Buffer): string {
  return addressFromBytes("i2p", createHash("sha256").update(destination).digest());
}

/** I2P's Base64 (RFC 4648 with `-` and `~` for `+` and `/`). */
export function i2pBase64(bytes: Buffer): string {
  return bytes.toString("base64").replace(/\+/g, "-").replace(/\//g, "~");
}

/** Bytes of I2P Base64 text, or undefined when it is not that. */
export function fromI2pBase64(text: string): Buffer | undefined {
  if (!/^[A-Za-z0-9~-]+=*$/.test(text)) return undefined;
  return Buffer.from(text.replace(/-/g, "+").replace(/~/g, "/"), "base64");
}

/** What a gateway does with a connection to peer `i`: serve it, or fail after a delay with a reason. */
export type GatewayFate = { readonly kind: "serve" } | { readonly kind: "fail"; readonly code: "unreachable" | "timeout" };

/** Peer `i`'s fate at its gateway (fixed per peer, so ground truth can state the expected outcome). */
export function gatewayFate(seed: number, i: number, failShare: number): GatewayFate {
  const h = hash32(seed, STREAM_GATEWAY, i);
  if (h / 2 ** 32 >= failShare) return { kind: "serve" };
  return { kind: "fail", code: (h & 1) === 0 ? "unreachable" : "timeout" };
}

/** A delay drawn uniformly within ±50% of `mean`. */
export function around(mean: number): number {
  return mean * (0.5 + Math.random());
}

/** Unix socket path of overlay peer `i` inside the simnet's socket folder. */
export function socketPath(dir: string, i: number): string {
  return join(dir, String(i));
}

/** Parses `ipv4=0.3,ipv6=0.05,onion_v3=0.6,i2p=0.05` (missing networks 0; must sum to 1 within 0.001). */
export function parseNetworkMix(text: string): NetworkMix | string {
  const mix: Record<PeerNetwork, number> = { ipv4: 0, ipv6: 0, onion_v3: 0, i2p: 0, cjdns: 0 };
  for (const part of text
    .split(",")
    .map((p) => p.trim())
    .filter((p) => p !== "")) {
    const [name, value] = part.split("=");
    if (!(PEER_NETWORKS as readonly string[]).includes(name ?? "") || value === undefined || !/^\d*\.?\d+$/.test(value)) {
      return `--network-mix takes ${PEER_NETWORKS.join("|")}=SHARE,…, got '${part}'`;
    }
    mix[name as PeerNetwork] = Number(value);
  }
  const sum = PEER_NETWORKS.reduce((a, k) => a + shareOf(mix, k), 0);
  if (Math.abs(sum - 1) > 0.001) return `--network-mix shares must sum to 1, got ${sum}`;
  return mix;
}
