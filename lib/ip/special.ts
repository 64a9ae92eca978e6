// The one table of special-purpose IP ranges (IANA IPv4 and IPv6 Special-Purpose Address Registries, plus the
// multicast and deprecated site-local blocks), with what the crawler and geolocate each do with them.
//
// The two columns answer different questions, so they differ on purpose:
//   dialable   may a public crawl connect to an address here? No for every row: none of these ranges holds an
//              ordinary Bitcoin node (private, documentation, benchmarking, anycast service addresses such as
//              AS112/AMT/PCP/TURN, transition relays and tunnels such as 6to4 and Teredo that route through a
//              third party). The dial policy denies them all.
//   geo_scope  does a MaxMind lookup mean something? It follows IANA's "Globally Reachable" column: a globally
//              reachable (or N/A: Teredo, 6to4) range is routed on the Internet and MaxMind has records for it
//              (6to4 and Teredo alias the embedded IPv4 address), so it is `public` (looked up); the rest are
//              `loopback`, `private` or `reserved` and are labelled instead of looked up.
// test/ip/special.test.ts pins every row's columns.
import { prefixMatches, parseCidr } from "./cidr.ts";
import { isV4Mapped } from "./parse.ts";

/** Why an address gets no (or a conditional) lookup; `public` means look it up and label by the result. */
export type IpScope = "public" | "loopback" | "private" | "reserved";

/** One row of the special-purpose table. */
export interface SpecialRange {
  readonly cidr: string;
  /** The registry's name for the block. */
  readonly name: string;
  /** The RFC that assigns it. */
  readonly rfc: string;
  /** IANA's "Globally Reachable" (null: N/A in the registry, or the block is from another registry). */
  readonly globallyReachable: boolean | null;
  /** A public crawl may dial it (false for every row, see the file header). */
  readonly dialable: boolean;
  /** How geolocate treats it. */
  readonly geoScope: IpScope;
}

function row(cidr: string, name: string, rfc: string, globallyReachable: boolean | null, geoScope: IpScope): SpecialRange {
  return { cidr, name, rfc, globallyReachable, dialable: false, geoScope };
}

/** Every special-purpose range, IPv4 then IPv6, in registry order. */
export const SPECIAL_RANGES: readonly SpecialRange[] = [
  row("0.0.0.0/8", "This network", "RFC 791", false, "reserved"),
  row("10.0.0.0/8", "Private-Use", "RFC 1918", false, "private"),
  row("100.64.0.0/10", "Shared Address Space (carrier-grade NAT)", "RFC 6598", false, "private"),
  row("127.0.0.0/8", "Loopback", "RFC 1122", false, "loopback"),
  row("169.254.0.0/16", "Link Local", "RFC 3927", false, "private"),
  row("172.16.0.0/12", "Private-Use", "RFC 1918", false, "private"),
  row("192.0.0.0/24", "IETF Protocol Assignments", "RFC 6890", false, "reserved"),
  row("192.0.0.9/32", "Port Control Protocol Anycast", "RFC 7723", true, "public"),
  row("192.0.0.10/32", "Traversal Using Relays around NAT Anycast", "RFC 8155", true, "public"),
  row("192.0.2.0/24", "Documentation (TEST-NET-1)", "RFC 5737", false, "reserved"),
  row("192.31.196.0/24", "AS112-v4", "RFC 7535", true, "public"),
  row("192.52.193.0/24", "AMT", "RFC 7450", true, "public"),
  row("192.88.99.0/24", "Deprecated (6to4 Relay Anycast)", "RFC 7526", null, "public"),
  row("192.168.0.0/16", "Private-Use", "RFC 1918", false, "private"),
  row("192.175.48.0/24", "Direct Delegation AS112 Service", "RFC 7534", true, "public"),
  row("198.18.0.0/15", "Benchmarking", "RFC 2544", false, "reserved"),
  row("198.51.100.0/24", "Documentation (TEST-NET-2)", "RFC 5737", false, "reserved"),
  row("203.0.113.0/24", "Documentation (TEST-NET-3)", "RFC 5737", false, "reserved"),
  row("224.0.0.0/4", "Multicast (IPv4 Multicast Address Space Registry)", "RFC 5771", null, "reserved"),
  row("240.0.0.0/4", "Reserved (includes Limited Broadcast 255.255.255.255/32)", "RFC 1112", false, "reserved"),
  row("::1/128", "Loopback Address", "RFC 4291", false, "loopback"),
  row("::/128", "Unspecified Address", "RFC 4291", false, "reserved"),
  row("64:ff9b::/96", "IPv4-IPv6 Translat.", "RFC 6052", true, "public"),
  row("64:ff9b:1::/48", "IPv4-IPv6 Translat. (local use)", "RFC 8215", false, "reserved"),
  row("100::/64", "Discard-Only Address Block", "RFC 6666", false, "reserved"),
  row("100:0:0:1::/64", "Dummy IPv6 Prefix", "RFC 9780", false, "reserved"),
  row("2001::/23", "IETF Protocol Assignments", "RFC 2928", false, "reserved"),
  row("2001::/32", "TEREDO", "RFC 4380", null, "public"),
  row("2001:1::1/128", "Port Control Protocol Anycast", "RFC 7723", true, "public"),
  row("2001:1::2/128", "Traversal Using Relays around NAT Anycast", "RFC 8155", true, "public"),
  row("2001:1::3/128", "DNS-SD Service Registration Protocol Anycast", "RFC 9665", true, "public"),
  row("2001:2::/48", "Benchmarking", "RFC 5180", false, "reserved"),
  row("2001:3::/32", "AMT", "RFC 7450", true, "public"),
  row("2001:4:112::/48", "AS112-v6", "RFC 7535", true, "public"),
  row("2001:10::/28", "Deprecated (previously ORCHID)", "RFC 4843", false, "reserved"),
  row("2001:20::/28", "ORCHIDv2", "RFC 7343", true, "public"),
  row("2001:30::/28", "Drone Remote ID Protocol Entity Tags (DETs) Prefix", "RFC 9374", true, "public"),
  row("2001:db8::/32", "Documentation", "RFC 3849", false, "reserved"),
  row("2002::/16", "6to4", "RFC 3056", null, "public"),
  row("2620:4f:8000::/48", "Direct Delegation AS112 Service", "RFC 7534", true, "public"),
  row("3fff::/20", "Documentation", "RFC 9637", false, "reserved"),
  row("5f00::/16", "Segment Routing (SRv6) SIDs", "RFC 9602", false, "reserved"),
  row("fc00::/7", "Unique-Local", "RFC 4193", false, "private"),
  row("fe80::/10", "Link-Local Unicast", "RFC 4291", false, "private"),
  row("fec0::/10", "Deprecated site-local (IPv6 Addressing Architecture)", "RFC 3879", null, "reserved"),
  row("ff00::/8", "Multicast (IPv6 Multicast Address Space Registry)", "RFC 4291", null, "reserved"),
];

/** The ranges a public crawl never dials (the dial policy's default deny list). */
export const UNDIALABLE_CIDRS: readonly string[] = SPECIAL_RANGES.filter((r) => !r.dialable).map((r) => r.cidr);

interface V4Range {
  readonly net: number;
  readonly mask: number;
  readonly scope: IpScope;
}

interface V6Range {
  readonly bytes: Uint8Array;
  readonly bits: number;
  readonly scope: IpScope;
}

// Longest prefix first, so a globally reachable block inside a reserved one (192.0.0.9/32 in 192.0.0.0/24,
// 2001:3::/32 in 2001::/23) wins.
const compiled = SPECIAL_RANGES.map((r) => ({ r, c: parseCidr(r.cidr) })).sort((a, b) => b.c.prefix - a.c.prefix);

const V4_RANGES: readonly V4Range[] = compiled
  .filter(({ c }) => c.family === 4)
  .map(({ r, c }) => {
    const mask = c.prefix === 0 ? 0 : (0xffffffff << (32 - c.prefix)) >>> 0;
    const net = ((c.bytes[0]! << 24) | (c.bytes[1]! << 16) | (c.bytes[2]! << 8) | c.bytes[3]!) >>> 0;
    return { net, mask, scope: r.geoScope };
  });

const V6_RANGES: readonly V6Range[] = compiled.filter(({ c }) => c.family === 6).map(({ r, c }) => ({ bytes: c.bytes, bits: c.prefix, scope: r.geoScope }));

/** 1 for each first octet some IPv4 range covers: addresses under any other octet are public without a scan. */
const V4_SPECIAL_OCTET = new Uint8Array(256);
for (const r of V4_RANGES) V4_SPECIAL_OCTET.fill(1, r.net >>> 24, ((r.net | ~r.mask) >>> 24) + 1);

/** 1 for each first byte some IPv6 range (or ::ffff:0:0/96) covers: addresses under any other are public without a scan. */
const V6_SPECIAL_BYTE = new Uint8Array(256);
V6_SPECIAL_BYTE[0] = 1;
for (const r of V6_RANGES) {
  const lo = r.bits >= 8 ? r.bytes[0]! : r.bytes[0]! & ((0xff << (8 - r.bits)) & 0xff);
  const hi = r.bits >= 8 ? lo : lo | (0xff >>> r.bits);
  V6_SPECIAL_BYTE.fill(1, lo, hi + 1);
}

/** Geolocate scope of an IPv4 address given as a u32 (SPECIAL_RANGES' geoScope, longest prefix; else public). */
export function ipv4Scope(value: number): IpScope {
  if (V4_SPECIAL_OCTET[value >>> 24] === 0) return "public";
  for (const r of V4_RANGES) if ((value & r.mask) >>> 0 === r.net) return r.scope;
  return "public";
}

/** Geolocate scope of an IPv6 address (16 bytes); an IPv4-mapped address takes its IPv4 address's scope. */
export function ipv6Scope(bytes: Uint8Array): IpScope {
  if (V6_SPECIAL_BYTE[bytes[0]!] === 0) return "public";
  if (isV4Mapped(bytes)) return ipv4Scope(((bytes[12]! << 24) | (bytes[13]! << 16) | (bytes[14]! << 8) | bytes[15]!) >>> 0);
  for (const r of V6_RANGES) if (prefixMatches(bytes, r.bytes, r.bits)) return r.scope;
  return "public";
}

/** The table row (longest prefix) an address falls in, or undefined for an ordinary address. */
export function specialRangeOf(ip: { readonly family: 4 | 6; readonly bytes: Uint8Array }): SpecialRange | undefined {
  for (const { r, c } of compiled) if (c.family === ip.family && prefixMatches(c.bytes, ip.bytes, c.prefix)) return r;
  return undefined;
}
