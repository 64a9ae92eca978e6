// CIDR ranges: `ADDRESS[/PREFIX]` parsed with the one IP parser, and membership tests over address bytes.
import { FluxtureError } from "../errors.ts";
import { isV4Mapped, parseIPv4, parseIPv6, type IpAddress } from "./parse.ts";

/** A text that is not an IPv4 or IPv6 CIDR range; callers add where it came from (a flag, a file). */
export class CidrError extends FluxtureError {}

/** One CIDR range: family, network bytes (host bits cleared; 4 or 16 bytes) and prefix length. */
export interface Cidr {
  readonly family: 4 | 6;
  readonly bytes: Uint8Array;
  readonly prefix: number;
  /** The text it was parsed from (trimmed). */
  readonly text: string;
  /** True when the text set bits below the prefix (cleared in `bytes`). */
  readonly hostBits: boolean;
}

/**
 * Parses `ADDRESS[/PREFIX]` (a bare address is a /32 or /128). An IPv4-mapped IPv6 range (::ffff:0:0/96 and
 * longer) is the IPv4 range it embeds. Throws CidrError.
 */
export function parseCidr(text: string): Cidr {
  const trimmed = text.trim();
  const slash = trimmed.indexOf("/");
  const addr = slash < 0 ? trimmed : trimmed.slice(0, slash);
  const prefixText = slash < 0 ? undefined : trimmed.slice(slash + 1);
  const v4 = parseIPv4(addr);
  const v6 = v4 === undefined ? parseIPv6(addr) : undefined;
  const width = v4 !== undefined ? 32 : 128;
  const prefix = prefixText === undefined ? width : /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : -1;
  if ((v4 === undefined && v6 === undefined) || prefix < 0 || prefix > width) {
    throw new CidrError(`'${text}' is not an IPv4 or IPv6 CIDR range (e.g. 127.0.0.0/8, ::1/128)`);
  }
  let family: 4 | 6 = v4 !== undefined ? 4 : 6;
  let bytes = (v4 ?? v6)!;
  let bits = prefix;
  if (v6 !== undefined && prefix >= 96 && isV4Mapped(v6)) {
    family = 4;
    bytes = v6.slice(12);
    bits = prefix - 96;
  }
  const network = bytes.slice();
  clearHostBits(network, bits);
  const hostBits = network.some((b, i) => b !== bytes[i]);
  return { family, bytes: network, prefix: bits, text: trimmed, hostBits };
}

function clearHostBits(bytes: Uint8Array, prefix: number): void {
  const full = prefix >>> 3;
  const rest = prefix & 7;
  if (full < bytes.length && rest > 0) bytes[full]! &= (0xff << (8 - rest)) & 0xff;
  bytes.fill(0, rest > 0 ? full + 1 : full);
}

/** Whether the first `prefix` bits of `a` and `b` agree. */
export function prefixMatches(a: Uint8Array, b: Uint8Array, prefix: number): boolean {
  const full = prefix >>> 3;
  for (let i = 0; i < full; i++) if (a[i] !== b[i]) return false;
  const rest = prefix & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return ((a[full]! ^ b[full]!) & mask) === 0;
}

/** Whether `range` contains `ip` (same family; an IPv4-mapped address is parsed as IPv4 by parseIp). */
export function cidrContains(range: Cidr, ip: IpAddress): boolean {
  return range.family === ip.family && prefixMatches(range.bytes, ip.bytes, range.prefix);
}
