// Dial policy: which IP addresses the crawler may contact. Everything else is recorded as not_dialed, never touched.
import {
  type Cidr,
  CidrError,
  cidrContains,
  parseCidr as parseRange,
  parseIp as parseIpLiteral,
  type IpAddress,
  UNDIALABLE_CIDRS,
} from "../../lib/ip/index.ts";
import { UsageError } from "../../pipeline/errors.ts";

export type { Cidr } from "../../lib/ip/index.ts";

/** Networks whose default policy is loopback only (local test networks). */
const LOCAL_NETWORKS: ReadonlySet<string> = new Set(["regtest", "simnet"]);

/** Default allow list of the local networks: loopback only. */
export const LOOPBACK_CIDRS: readonly string[] = ["127.0.0.0/8", "::1/128"];

/** Default allow list of the public networks: all IPv4 and IPv6 global unicast (2000::/3). */
export const PUBLIC_ALLOW_CIDRS: readonly string[] = ["0.0.0.0/0", "2000::/3"];

/** CJDNS's address space (fc00::/8), allowed by `--cjdns` on a host with a CJDNS interface. */
export const CJDNS_CIDR = "fc00::/8";

/** Ranges a public crawl never dials: every undialable row of lib/ip's special-purpose table. */
export const PUBLIC_DENY_CIDRS: readonly string[] = UNDIALABLE_CIDRS;

/** Parses an IP literal (optionally in [brackets]); IPv4-mapped IPv6 (::ffff:a.b.c.d) counts as IPv4. */
export function parseIp(text: string): IpAddress | undefined {
  const bare = text.startsWith("[") && text.endsWith("]") ? text.slice(1, -1) : text;
  return parseIpLiteral(bare);
}

/** Parses `ADDRESS[/PREFIX]` (a bare address is a /32 or /128); `flag` names the source in the UsageError. */
export function parseCidr(text: string, flag = "CIDR"): Cidr {
  try {
    return parseRange(text);
  } catch (err) {
    if (err instanceof CidrError) throw new UsageError(`${flag}: ${err.message}`);
    throw err;
  }
}

const contains = cidrContains;

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
    // fc00::/8 is CJDNS's overlay, carved out of the table's undialable unique-local fc00::/7 (fd00::/8 stays denied)
    const special = cjdns ? [...PUBLIC_DENY_CIDRS.filter((c) => c !== "fc00::/7"), "fd00::/8"] : PUBLIC_DENY_CIDRS;
    return DialPolicy.of([...PUBLIC_ALLOW_CIDRS, ...extra], [...special, ...deny]);
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
    return this.allow.every((a) => loopback.some((l) => l.family === a.family && l.prefix <= a.prefix && contains(l, { family: a.family, bytes: a.bytes })));
  }

  /** One-line description for logs: `allow 127.0.0.0/8,::1/128 deny -`. */
  describe(): string {
    const list = (cs: readonly Cidr[]) => (cs.length === 0 ? "-" : cs.map((c) => c.text).join(","));
    return `allow ${list(this.allow)} deny ${list(this.deny)}`;
  }
}
