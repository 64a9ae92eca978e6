// IP text → bits for the search-tree walk, and the special-purpose ranges that are labelled instead of looked up.
// Callers validate with net.isIP first; these parsers assume well-formed text and never see user input raw.

/** Why an address gets no (or a conditional) lookup; `public` means look it up and label by the result. */
export type IpScope = "public" | "loopback" | "private" | "reserved";

/** Parses validated dotted IPv4 text into an unsigned 32-bit integer. */
export function parseIPv4(text: string): number {
  let value = 0;
  let octet = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 46 /* . */) {
      value = value * 256 + octet;
      octet = 0;
    } else {
      octet = octet * 10 + (c - 48);
    }
  }
  return (value * 256 + octet) >>> 0;
}

/** parseIPv6's scratch words: one shared buffer instead of an allocation per address. */
const WORDS = new Uint16Array(8);

/**
 * Parses validated IPv6 text (`::` compression, embedded dotted IPv4, no zone id) into 16 bytes, written into
 * `out` when given (a hot loop reuses one buffer). Character codes only: no split, no intermediate arrays.
 */
export function parseIPv6(text: string, out: Uint8Array = new Uint8Array(16)): Uint8Array {
  const words = WORDS; // every slot read below is written first
  let n = 0; // words written
  let gap = -1; // word index where `::` sits
  let value = 0;
  let digits = 0;
  const len = text.length;
  for (let i = 0; i < len; i++) {
    const c = text.charCodeAt(i);
    if (c === 58 /* : */) {
      if (digits > 0) {
        words[n++] = value;
        value = 0;
        digits = 0;
      }
      if (i + 1 < len && text.charCodeAt(i + 1) === 58) {
        gap = n;
        i++;
      }
    } else if (c === 46 /* . */) {
      // embedded IPv4: the rest of the text is dotted quad
      const start = text.lastIndexOf(":", i) + 1;
      const v4 = parseIPv4(text.slice(start));
      words[n++] = v4 >>> 16;
      words[n++] = v4 & 0xffff;
      digits = 0;
      break;
    } else {
      value = value * 16 + (c <= 57 ? c - 48 : (c | 32) - 87);
      digits++;
    }
  }
  if (digits > 0) words[n++] = value;
  out.fill(0);
  const tail = gap < 0 ? 0 : n - gap;
  const head = n - tail;
  for (let w = 0; w < head; w++) {
    out[w * 2] = words[w]! >>> 8;
    out[w * 2 + 1] = words[w]! & 255;
  }
  for (let w = 0; w < tail; w++) {
    const at = 8 - tail + w;
    out[at * 2] = words[head + w]! >>> 8;
    out[at * 2 + 1] = words[head + w]! & 255;
  }
  return out;
}

/** An IPv4 prefix as (network, mask) integers. */
interface V4Range {
  readonly net: number;
  readonly mask: number;
  readonly scope: IpScope;
}

function v4(cidr: string, scope: IpScope): V4Range {
  const [addr, len] = cidr.split("/") as [string, string];
  const bits = Number(len);
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return { net: (parseIPv4(addr) & mask) >>> 0, mask, scope };
}

/** IPv4 special-purpose ranges (RFC 6890 and successors), most specific first. */
const V4_RANGES: readonly V4Range[] = [
  v4("127.0.0.0/8", "loopback"),
  v4("10.0.0.0/8", "private"),
  v4("172.16.0.0/12", "private"),
  v4("192.168.0.0/16", "private"),
  v4("100.64.0.0/10", "private"), // shared address space (carrier-grade NAT)
  v4("169.254.0.0/16", "private"), // link local
  v4("0.0.0.0/8", "reserved"),
  v4("192.0.0.0/24", "reserved"), // IETF protocol assignments
  v4("192.0.2.0/24", "reserved"), // documentation (TEST-NET-1)
  v4("198.51.100.0/24", "reserved"), // documentation (TEST-NET-2)
  v4("203.0.113.0/24", "reserved"), // documentation (TEST-NET-3)
  v4("198.18.0.0/15", "reserved"), // benchmarking
  v4("224.0.0.0/4", "reserved"), // multicast
  v4("240.0.0.0/4", "reserved"), // future use and limited broadcast
];

/** 1 for each first octet some V4_RANGES entry covers: addresses under any other octet are public without a scan. */
const V4_SPECIAL_OCTET = new Uint8Array(256);
for (const r of V4_RANGES) {
  const lo = r.net >>> 24;
  const hi = (r.net | ~r.mask) >>> 24;
  V4_SPECIAL_OCTET.fill(1, lo, hi + 1);
}

/** Scope of an IPv4 address given as a 32-bit integer. */
export function ipv4Scope(value: number): IpScope {
  if (V4_SPECIAL_OCTET[value >>> 24] === 0) return "public";
  for (const r of V4_RANGES) if ((value & r.mask) >>> 0 === r.net) return r.scope;
  return "public";
}

/** An IPv6 prefix as bytes + prefix length. */
interface V6Range {
  readonly bytes: Uint8Array;
  readonly bits: number;
  readonly scope: IpScope;
}

function v6(cidr: string, scope: IpScope): V6Range {
  const [addr, len] = cidr.split("/") as [string, string];
  return { bytes: parseIPv6(addr), bits: Number(len), scope };
}

function inV6(bytes: Uint8Array, r: V6Range): boolean {
  const full = r.bits >>> 3;
  for (let i = 0; i < full; i++) if (bytes[i] !== r.bytes[i]) return false;
  const rest = r.bits & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return ((bytes[full]! ^ r.bytes[full]!) & mask) === 0;
}

/** IPv6 special-purpose ranges (RFC 6890, 3849, 9637, 4291), most specific first. */
const V6_RANGES: readonly V6Range[] = [
  v6("::1/128", "loopback"),
  v6("::/128", "reserved"), // unspecified
  v6("fc00::/7", "private"), // unique local (CJDNS fc00::/8 is labelled before this is consulted)
  v6("fe80::/10", "private"), // link local
  v6("fec0::/10", "reserved"), // deprecated site local
  v6("ff00::/8", "reserved"), // multicast
  v6("2001:db8::/32", "reserved"), // documentation
  v6("3fff::/20", "reserved"), // documentation (RFC 9637)
  v6("100::/64", "reserved"), // discard only
  v6("2001:2::/48", "reserved"), // benchmarking
];

const V4_MAPPED = v6("::ffff:0:0/96", "public");

/** 1 for each first byte some V6_RANGES entry (or V4_MAPPED) covers: addresses under any other are public without a scan. */
const V6_SPECIAL_BYTE = new Uint8Array(256);
for (const r of [...V6_RANGES, V4_MAPPED]) {
  const lo = r.bits >= 8 ? r.bytes[0]! : r.bytes[0]! & ((0xff << (8 - r.bits)) & 0xff);
  const hi = r.bits >= 8 ? lo : lo | (0xff >>> r.bits);
  V6_SPECIAL_BYTE.fill(1, lo, hi + 1);
}

/** Scope of an IPv6 address (16 bytes); IPv4-mapped addresses take the scope of the embedded IPv4 address. */
export function ipv6Scope(bytes: Uint8Array): IpScope {
  if (V6_SPECIAL_BYTE[bytes[0]!] === 0) return "public";
  if (inV6(bytes, V4_MAPPED)) return ipv4Scope(((bytes[12]! << 24) | (bytes[13]! << 16) | (bytes[14]! << 8) | bytes[15]!) >>> 0);
  for (const r of V6_RANGES) if (inV6(bytes, r)) return r.scope;
  return "public";
}
