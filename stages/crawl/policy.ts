// Dial policy: which IP addresses the crawler may contact. Everything else is recorded as not_dialed, never touched.
import { isIPv4, isIPv6 } from "node:net";
import { UsageError } from "../../pipeline/errors.ts";

/** One parsed CIDR range: family, network bits as a bigint, and prefix length. */
export interface Cidr {
  readonly family: 4 | 6;
  readonly base: bigint;
  readonly prefix: number;
  readonly text: string;
}

/** Networks whose default policy is loopback only (local test networks). */
const LOCAL_NETWORKS: ReadonlySet<string> = new Set(["regtest", "simnet"]);

/** Default allow list of the local networks: loopback only. */
export const LOOPBACK_CIDRS: readonly string[] = ["127.0.0.0/8", "::1/128"];

/** Default allow list of the public networks: all IPv4 and IPv6 global unicast (2000::/3). */
export const PUBLIC_ALLOW_CIDRS: readonly string[] = ["0.0.0.0/0", "2000::/3"];

/** CJDNS's address space (fc00::/8), allowed by `--cjdns` on a host with a CJDNS interface. */
export const CJDNS_CIDR = "fc00::/8";

/** Special-purpose ranges (IANA IPv4/IPv6 special registries) that a public crawl never dials. */
export const PUBLIC_DENY_CIDRS: readonly string[] = [
  "0.0.0.0/8", // "this network"
  "10.0.0.0/8", // private (RFC 1918)
  "100.64.0.0/10", // carrier-grade NAT (RFC 6598)
  "127.0.0.0/8", // loopback
  "169.254.0.0/16", // link-local
  "172.16.0.0/12", // private
  "192.0.0.0/24", // IETF protocol assignments
  "192.0.2.0/24", // documentation TEST-NET-1
  "192.31.196.0/24", // AS112
  "192.52.193.0/24", // AMT
  "192.88.99.0/24", // deprecated 6to4 relay anycast
  "192.168.0.0/16", // private
  "192.175.48.0/24", // AS112 direct delegation
  "198.18.0.0/15", // benchmarking (RFC 2544)
  "198.51.100.0/24", // documentation TEST-NET-2
  "203.0.113.0/24", // documentation TEST-NET-3
  "224.0.0.0/4", // multicast
  "240.0.0.0/4", // reserved, includes broadcast
  "2001::/23", // IETF protocol assignments (Teredo, benchmarking, ORCHID, …)
  "2001:db8::/32", // documentation
  "2002::/16", // 6to4 (embeds IPv4 addresses the IPv4 rules could not see)
  "3fff::/20", // documentation (RFC 9637)
];

function ipv4ToBigint(text: string): bigint {
  let value = 0n;
  for (const part of text.split(".")) value = (value << 8n) | BigInt(Number(part));
  return value;
}

function ipv6ToBigint(text: string): bigint {
  let body = text;
  const lastColon = body.lastIndexOf(":");
  const last = body.slice(lastColon + 1);
  if (last.includes(".")) {
    const v4 = ipv4ToBigint(last);
    body = `${body.slice(0, lastColon + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const [head = "", rest] = body.split("::");
  const headParts = head === "" ? [] : head.split(":");
  const restParts = rest === undefined || rest === "" ? [] : rest.split(":");
  const missing = 8 - headParts.length - restParts.length;
  const words = [...headParts, ...(rest !== undefined ? Array<string>(missing).fill("0") : []), ...restParts];
  let value = 0n;
  for (const w of words) value = (value << 16n) | BigInt(Number.parseInt(w, 16));
  return value;
}

/** Parses an IP literal to family + 128/32-bit value; IPv4-mapped IPv6 (::ffff:a.b.c.d) counts as IPv4. */
export function parseIp(text: string): { family: 4 | 6; value: bigint } | undefined {
  const bare = text.startsWith("[") && text.endsWith("]") ? text.slice(1, -1) : text;
  if (isIPv4(bare)) return { family: 4, value: ipv4ToBigint(bare) };
  if (!isIPv6(bare) || bare.includes("%")) return undefined;
  const value = ipv6ToBigint(bare.toLowerCase());
  if (value >> 32n === 0xffffn) return { family: 4, value: value & 0xffffffffn };
  return { family: 6, value };
}

/** Parses `ADDRESS[/PREFIX]` (a bare address is a /32 or /128); `flag` names the source in the error. */
export function parseCidr(text: string, flag = "CIDR"): Cidr {
  const trimmed = text.trim();
  const [addr = "", prefixText, extra] = trimmed.split("/");
  const ip = extra === undefined ? parseIp(addr) : undefined;
  const fam6 = isIPv6(addr);
  const width = ip === undefined ? 0 : fam6 && ip.family === 4 ? 128 : ip.family === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? width : /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : -1;
  if (ip === undefined || prefix < 0 || prefix > width) {
    throw new UsageError(`${flag}: '${text}' is not an IPv4 or IPv6 CIDR range (e.g. 127.0.0.0/8, ::1/128)`);
  }
  // An IPv4-mapped IPv6 range (::ffff:0:0/96 and longer) is matched as the IPv4 range it embeds.
  const family: 4 | 6 = ip.family === 4 && (!fam6 || prefix >= 96) ? 4 : 6;
  const bits = family === 4 ? 32 : 128;
  const effective = family === 4 && fam6 ? prefix - 96 : prefix;
  const full = family === 6 && ip.family === 4 ? (0xffffn << 32n) | ip.value : ip.value;
  const mask = effective === 0 ? 0n : ((1n << BigInt(effective)) - 1n) << BigInt(bits - effective);
  return { family, base: full & mask, prefix: effective, text: trimmed };
}

function contains(cidr: Cidr, ip: { family: 4 | 6; value: bigint }): boolean {
  if (cidr.family !== ip.family) return false;
  const bits = cidr.family === 4 ? 32 : 128;
  const shift = BigInt(bits - cidr.prefix);
  return ip.value >> shift === cidr.base >> shift;
}

/** Splits comma-separated flag values (`--dial-allow a,b --dial-allow c`) into CIDR texts. */
export function splitCidrList(values: readonly string[]): string[] {
  return values
    .flatMap((v) => v.split(","))
    .map((v) => v.trim())
    .filter((v) => v !== "");
}

/**
 * Which addresses may be dialled: an IP is allowed iff some allow range contains it and no deny range does.
 * Non-IP addresses (onion, I2P, CJDNS text) are never allowed here; the engine routes those separately.
 */
export class DialPolicy {
  private constructor(
    readonly allow: readonly Cidr[],
    readonly deny: readonly Cidr[],
  ) {}

  /** Builds a policy from CIDR texts; bad ranges throw a UsageError naming the flag. */
  static of(allow: readonly string[], deny: readonly string[]): DialPolicy {
    return new DialPolicy(
      splitCidrList(allow).map((c) => parseCidr(c, "--dial-allow")),
      splitCidrList(deny).map((c) => parseCidr(c, "--dial-deny")),
    );
  }

  /**
   * The policy of a network: an explicit allow list replaces the network's default policy (both its allow
   * and deny lists); an explicit deny list is always subtracted. Defaults: regtest/simnet loopback only,
   * public networks public unicast only. `cjdns` adds fc00::/8 to whichever allow list applies.
   */
  static forNetwork(network: string, allow: readonly string[] = [], deny: readonly string[] = [], cjdns = false): DialPolicy {
    const extra = cjdns ? [CJDNS_CIDR] : [];
    if (splitCidrList(allow).length > 0) return DialPolicy.of([...allow, ...extra], deny);
    if (LOCAL_NETWORKS.has(network)) return DialPolicy.of([...LOOPBACK_CIDRS, ...extra], deny);
    return DialPolicy.of([...PUBLIC_ALLOW_CIDRS, ...extra], [...PUBLIC_DENY_CIDRS, ...deny]);
  }

  /** True when `address` (an IP literal) may be dialled. */
  allows(address: string): boolean {
    const ip = parseIp(address);
    if (ip === undefined) return false;
    return this.allow.some((c) => contains(c, ip)) && !this.deny.some((c) => contains(c, ip));
  }

  /** True when the policy can only ever reach loopback (what tests on this machine must use). */
  isLoopbackOnly(): boolean {
    const loopback = [parseCidr("127.0.0.0/8"), parseCidr("::1/128")];
    return this.allow.every((a) => loopback.some((l) => l.family === a.family && l.prefix <= a.prefix && contains(l, { family: a.family, value: a.base })));
  }

  /** One-line description for logs: `allow 127.0.0.0/8,::1/128 deny -`. */
  describe(): string {
    const list = (cs: readonly Cidr[]) => (cs.length === 0 ? "-" : cs.map((c) => c.text).join(","));
    return `allow ${list(this.allow)} deny ${list(this.deny)}`;
  }
}
