// CIDR parsing for the search tree: every network becomes 16 address bytes plus a prefix length in the
// IPv6 space, IPv4 networks placed under ::/96 (as MaxMind DB IPv6 trees store them).
import { isV4Mapped, parseIPv4, parseIPv6 } from "../ip/index.ts";
import { MmdbWriteError } from "./values.ts";

/** A network in tree coordinates: 16 bytes (IPv4 at ::a.b.c.d) and a prefix length 0..128. */
export interface TreeNetwork {
  readonly bytes: Uint8Array;
  readonly prefixLength: number;
  /** True when written as IPv4 (or IPv4-mapped IPv6), i.e. it lives in the ::/96 subtree. */
  readonly isIpv4: boolean;
}

/** Is the bit at `index` (0 = most significant) of `bytes` set? */
export function bitAt(bytes: Uint8Array, index: number): number {
  return ((bytes[index >> 3] ?? 0) >> (7 - (index & 7))) & 1;
}

/**
 * Parses `a.b.c.d/n`, `x:y::/n` or a bare address (= /32 or /128) into tree coordinates. IPv4-mapped
 * IPv6 networks (`::ffff:a.b.c.d/n`, n ≥ 96) are normalised to the IPv4 network they name. Host bits
 * set below the prefix are an error (`bad_network`), as is anything lib/ip's parser rejects.
 */
export function parseNetwork(cidr: string): TreeNetwork {
  if (typeof cidr !== "string") throw new MmdbWriteError("bad_network", `network must be a string: ${String(cidr)}`);
  const slash = cidr.indexOf("/");
  const addr = slash < 0 ? cidr : cidr.slice(0, slash);
  const v4 = parseIPv4(addr);
  const v6 = v4 === undefined ? parseIPv6(addr) : undefined;
  if (v4 === undefined && v6 === undefined) throw new MmdbWriteError("bad_network", `not an IP network: ${JSON.stringify(cidr)}`);
  const family = v4 !== undefined ? 4 : 6;
  const maxLen = family === 4 ? 32 : 128;
  let prefix = maxLen;
  if (slash >= 0) {
    const text = cidr.slice(slash + 1);
    if (!/^\d{1,3}$/.test(text) || Number(text) > maxLen) {
      throw new MmdbWriteError("bad_network", `bad prefix length in ${JSON.stringify(cidr)} (0..${maxLen})`);
    }
    prefix = Number(text);
  }
  let bytes: Uint8Array;
  let isIpv4 = family === 4;
  if (family === 4) {
    bytes = new Uint8Array(16);
    bytes.set(v4!, 12);
    prefix += 96;
  } else {
    bytes = v6!;
    if (prefix >= 96 && isV4Mapped(bytes)) {
      bytes.fill(0, 10, 12);
      isIpv4 = true;
    }
  }
  const partial = prefix & 7;
  const firstClear = prefix >> 3;
  let host = partial === 0 ? 0 : (bytes[firstClear] as number) & (0xff >> partial);
  for (let i = partial === 0 ? firstClear : firstClear + 1; i < 16; i++) host |= bytes[i] as number;
  if (host !== 0) throw new MmdbWriteError("bad_network", `host bits set in ${JSON.stringify(cidr)}`);
  return { bytes, prefixLength: prefix, isIpv4 };
}

/** Canonical text of a tree network: `a.b.c.d/n` for IPv4, compressed IPv6 otherwise. */
export function formatNetwork(net: TreeNetwork): string {
  if (net.isIpv4) return `${Array.from(net.bytes.subarray(12)).join(".")}/${net.prefixLength - 96}`;
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((((net.bytes[i] ?? 0) << 8) | (net.bytes[i + 1] ?? 0)).toString(16));
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === "0") j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j === i ? i + 1 : j;
  }
  const text = best < 0 ? groups.join(":") : `${groups.slice(0, best).join(":")}::${groups.slice(best + bestLen).join(":")}`;
  return `${text}/${net.prefixLength}`;
}
