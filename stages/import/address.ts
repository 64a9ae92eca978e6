// The original stored every address as 16 bytes; one IPv4 host could be stored in two forms, so both become the
// dotted IPv4 text our lake uses everywhere.
import { classifyIPv6Bytes } from "../../lib/bitcoin/index.ts";
import type { NetworkType } from "../../lib/bitcoin/address.ts";

/** Canonical text and family of one stored address. */
export interface ImportedAddress {
  readonly address: string;
  readonly networkType: NetworkType;
}

/**
 * Canonical address of 16 stored bytes. IPv4-mapped `::ffff:a.b.c.d` (what the crawler stored) and the RFC 3056
 * 6to4 form `2002:aabb:ccdd::` with an all-zero rest (what the original's IPv6Address made of an IPv4 *text*, e.g. a
 * seed) are both `a.b.c.d`; OnionCat is a Tor v2 name, fc00::/8 CJDNS, anything else IPv6 (RFC 5952 text).
 */
export function importedAddress(ip: Uint8Array): ImportedAddress {
  if (ip[0] === 0x20 && ip[1] === 0x02 && ip.subarray(6, 16).every((b) => b === 0)) {
    return { address: `${ip[2]}.${ip[3]}.${ip[4]}.${ip[5]}`, networkType: "ipv4" };
  }
  const c = classifyIPv6Bytes(ip, 0);
  return { address: c.address, networkType: c.networkType };
}
