// Canonical address text, so that one host is one key: dotted IPv4 (also for IPv4-mapped IPv6),
// RFC 5952 IPv6, checksummed 56-char TorV3 / 16-char TorV2 `.onion`, `<52>.b32.i2p`, CJDNS as IPv6 text
// in fc00::/8. The network type is a function of the canonical text, whatever message carried it.
import { hash } from "node:crypto";
import { base32Decode, base32Encode } from "./base32.ts";
import { AddressError } from "./errors.ts";
import { ipv4Text, ipv6Text, parseIPv4, parseIPv6 } from "../ip/index.ts";

/**
 * Every network type, in BIP155 id order: the one list (dataset schemas, SQL docs, the ARFF nominal domain and
 * the CLI all read it from here).
 */
export const NETWORK_TYPES = ["ipv4", "ipv6", "onion_v2", "onion_v3", "i2p", "cjdns"] as const;

/** Kinds of peer address Bitcoin relays (BIP155 networks). */
export type NetworkType = (typeof NETWORK_TYPES)[number];

/** The network types whose reachable counts are the headline every crawler compares (summary, mart, report,
 * bitnodes export list each, zero included): TorV2 no longer exists, so it appears only when a run has it. */
export const HEADLINE_NETWORK_TYPES = ["ipv4", "ipv6", "onion_v3", "i2p", "cjdns"] as const satisfies readonly NetworkType[];

/** One advertised or dialled peer endpoint. */
export interface PeerAddress {
  readonly networkType: NetworkType;
  /** Canonical text (see canonicalAddress). */
  readonly address: string;
  readonly port: number;
  readonly services: bigint;
  /** Unix seconds the advertiser last saw it (addr/addrv2 only). */
  readonly time?: number;
}

/** An address in canonical text with the network it belongs to. */
export interface CanonicalAddress {
  networkType: NetworkType;
  address: string;
}

/** BIP155 network id of each network type (addrv2 wire value). */
export const BIP155_NETWORK_ID: Readonly<Record<NetworkType, number>> = {
  ipv4: 1,
  ipv6: 2,
  onion_v2: 3,
  onion_v3: 4,
  i2p: 5,
  cjdns: 6,
};

/** Address length in bytes each BIP155 network requires. */
export const ADDRESS_BYTES: Readonly<Record<NetworkType, number>> = {
  ipv4: 4,
  ipv6: 16,
  onion_v2: 10,
  onion_v3: 32,
  i2p: 32,
  cjdns: 16,
};

/** Network type of a BIP155 network id, or undefined for ids this codec does not know. */
export function networkTypeOfId(id: number): NetworkType | undefined {
  return id >= 1 && id <= 6 ? NETWORK_TYPES[id - 1] : undefined;
}

const ONION_CAT = [0xfd, 0x87, 0xd8, 0x7e, 0xeb, 0x43]; // fd87:d87e:eb43::/48 carries TorV2 in 16 bytes
const TORV3_VERSION = 3;
const TORV3_CHECKSUM_INPUT = new Uint8Array(48); // ".onion checksum" || pubkey (32) || version
TORV3_CHECKSUM_INPUT.set(Buffer.from(".onion checksum", "ascii"), 0);
TORV3_CHECKSUM_INPUT[47] = TORV3_VERSION;

/** First 2 bytes of SHA3-256(".onion checksum" || pubkey || 0x03), the TorV3 name checksum. */
function torV3Checksum(pubkey: Uint8Array): Uint8Array {
  TORV3_CHECKSUM_INPUT.set(pubkey.subarray(0, 32), 15);
  return hash("sha3-256", TORV3_CHECKSUM_INPUT, "buffer").subarray(0, 2);
}

const TORV3_CACHE_LIMIT = 1 << 15;
let torV3Cache = new Map<string, string>();

/** `<56 chars>.onion` of a TorV3 ed25519 public key (checksum and version 3 appended). The same onion names
 * recur across replies and SHA3 dominates the cost, so names are kept in a bounded cache keyed by the key bytes. */
export function torV3Text(pubkey: Uint8Array): string {
  const key = Buffer.from(pubkey.buffer, pubkey.byteOffset, 32).toString("latin1");
  let text = torV3Cache.get(key);
  if (text === undefined) {
    if (torV3Cache.size >= TORV3_CACHE_LIMIT) torV3Cache = new Map();
    text = computeTorV3Text(pubkey);
    torV3Cache.set(key, text);
  }
  return text;
}

function computeTorV3Text(pubkey: Uint8Array): string {
  const full = new Uint8Array(35);
  full.set(pubkey.subarray(0, 32), 0);
  const sum = torV3Checksum(full.subarray(0, 32));
  full[32] = sum[0]!;
  full[33] = sum[1]!;
  full[34] = TORV3_VERSION;
  return `${base32Encode(full)}.onion`;
}

/** Canonical text of BIP155 address bytes of `networkType`; AddressError on a wrong length, or for
 * CJDNS outside fc00::/8. IPv6 bytes that are IPv4-mapped, OnionCat or fc00::/8 come back as the
 * network they really are: call `classifyIPv6Bytes` when you need the type too. */
export function addressFromBytes(networkType: NetworkType, bytes: Uint8Array): string {
  if (bytes.length !== ADDRESS_BYTES[networkType]) {
    throw new AddressError(`${networkType} address needs ${ADDRESS_BYTES[networkType]} bytes, got ${bytes.length}`);
  }
  switch (networkType) {
    case "ipv4":
      return ipv4Text(bytes);
    case "ipv6":
      return classifyIPv6Bytes(bytes, 0).address;
    case "cjdns":
      if (bytes[0] !== 0xfc) throw new AddressError("CJDNS address outside fc00::/8");
      return ipv6Text(bytes);
    case "onion_v2":
      return `${base32Encode(bytes)}.onion`;
    case "onion_v3":
      return torV3Text(bytes);
    case "i2p":
      return `${base32Encode(bytes)}.b32.i2p`;
  }
}

/** What 16 IPv6 bytes (legacy addr / version fields, or BIP155 IPv6) really are: IPv4-mapped →
 * ipv4, OnionCat fd87:d87e:eb43::/48 → onion_v2, fc00::/8 → cjdns, anything else → ipv6. */
export function classifyIPv6Bytes(b: Uint8Array, off: number): CanonicalAddress {
  if (
    b[off] === 0 &&
    b[off + 1] === 0 &&
    b[off + 2] === 0 &&
    b[off + 3] === 0 &&
    b[off + 4] === 0 &&
    b[off + 5] === 0 &&
    b[off + 6] === 0 &&
    b[off + 7] === 0 &&
    b[off + 8] === 0 &&
    b[off + 9] === 0 &&
    b[off + 10] === 0xff &&
    b[off + 11] === 0xff
  ) {
    return { networkType: "ipv4", address: `${b[off + 12]}.${b[off + 13]}.${b[off + 14]}.${b[off + 15]}` };
  }
  if (b[off] === 0xfc) return { networkType: "cjdns", address: ipv6Text(b, off) };
  if (
    b[off] === ONION_CAT[0] &&
    b[off + 1] === ONION_CAT[1] &&
    b[off + 2] === ONION_CAT[2] &&
    b[off + 3] === ONION_CAT[3] &&
    b[off + 4] === ONION_CAT[4] &&
    b[off + 5] === ONION_CAT[5]
  ) {
    return { networkType: "onion_v2", address: `${base32Encode(b.subarray(off + 6, off + 16))}.onion` };
  }
  return { networkType: "ipv6", address: ipv6Text(b, off) };
}

/** BIP155 bytes of canonical (or any accepted) address text; AddressError when the text is not an
 * address of `networkType`. */
export function addressToBytes(networkType: NetworkType, address: string): Uint8Array {
  const parsed = parseAddress(address);
  if (parsed.networkType !== networkType) {
    throw new AddressError(`${address} is a ${parsed.networkType} address, not ${networkType}`);
  }
  return parsed.bytes;
}

/** The 16 bytes legacy `addr`/`version` carry for an address: IPv4-mapped for ipv4, OnionCat for
 * onion_v2; TorV3 and I2P have no legacy form (AddressError). */
export function legacyAddressBytes(networkType: NetworkType, address: string): Uint8Array {
  const bytes = addressToBytes(networkType, address);
  return toLegacy(networkType, bytes, address);
}

function toLegacy(networkType: NetworkType, bytes: Uint8Array, address: string): Uint8Array {
  switch (networkType) {
    case "ipv6":
    case "cjdns":
      return bytes;
    case "ipv4": {
      const out = new Uint8Array(16);
      out[10] = 0xff;
      out[11] = 0xff;
      out.set(bytes, 12);
      return out;
    }
    case "onion_v2": {
      const out = new Uint8Array(16);
      out.set(ONION_CAT, 0);
      out.set(bytes, 6);
      return out;
    }
    case "onion_v3":
    case "i2p":
      throw new AddressError(`${address}: ${networkType} addresses cannot be sent in legacy addr/version fields`);
  }
}

interface ParsedAddress extends CanonicalAddress {
  bytes: Uint8Array;
}

function parseAddress(text: string): ParsedAddress {
  const lower = text.toLowerCase();
  if (lower.endsWith(".onion")) {
    const name = lower.slice(0, -6);
    if (name.length === 16) {
      const bytes = base32Decode(name);
      if (bytes?.length !== 10) throw new AddressError(`invalid TorV2 address: ${text}`);
      return { networkType: "onion_v2", address: `${name}.onion`, bytes };
    }
    if (name.length === 56) {
      const full = base32Decode(name);
      if (full?.length !== 35) throw new AddressError(`invalid TorV3 address: ${text}`);
      if (full[34] !== TORV3_VERSION) throw new AddressError(`TorV3 address with version ${full[34]}: ${text}`);
      const pubkey = full.slice(0, 32);
      const sum = torV3Checksum(pubkey);
      if (sum[0] !== full[32] || sum[1] !== full[33]) throw new AddressError(`TorV3 address with a bad checksum: ${text}`);
      return { networkType: "onion_v3", address: `${name}.onion`, bytes: pubkey };
    }
    throw new AddressError(`invalid .onion address (need 16 or 56 base32 characters): ${text}`);
  }
  if (lower.endsWith(".b32.i2p")) {
    const name = lower.slice(0, -8);
    const bytes = name.length === 52 ? base32Decode(name) : undefined;
    if (bytes?.length !== 32) throw new AddressError(`invalid I2P address (need 52 base32 characters): ${text}`);
    return { networkType: "i2p", address: `${name}.b32.i2p`, bytes };
  }
  const v4 = parseIPv4(text);
  if (v4) return { networkType: "ipv4", address: ipv4Text(v4), bytes: v4 };
  const v6 = parseIPv6(text);
  if (v6) {
    const c = classifyIPv6Bytes(v6, 0);
    let bytes: Uint8Array = v6;
    if (c.networkType === "ipv4") bytes = v6.slice(12);
    else if (c.networkType === "onion_v2") bytes = v6.slice(6);
    return { networkType: c.networkType, address: c.address, bytes };
  }
  throw new AddressError(`not an IPv4, IPv6, .onion or .b32.i2p address: ${JSON.stringify(text)}`);
}

/** Canonical text and network type of an address; AddressError for anything else (DNS names too). */
export function canonicalAddress(text: string): CanonicalAddress {
  const p = parseAddress(text);
  return { networkType: p.networkType, address: p.address };
}

/** An endpoint parsed from `HOST:PORT` text. */
export interface HostPort extends CanonicalAddress {
  port: number;
}

function parsePort(text: string, whole: string): number {
  if (!/^[0-9]{1,5}$/.test(text)) throw new AddressError(`invalid port in ${JSON.stringify(whole)}`);
  const port = Number(text);
  if (port > 65535) throw new AddressError(`port out of range in ${JSON.stringify(whole)}`);
  return port;
}

/** Parses `1.2.3.4:8333`, `[2001:db8::1]:8333`, `name.onion:8333`, or a bare host (any of those, or
 * a bare IPv6 address) with `defaultPort`; the host comes back canonical. AddressError on garbage. */
export function parseHostPort(text: string, defaultPort: number): HostPort {
  const t = text.trim();
  if (t.length === 0) throw new AddressError("empty address");
  let host: string;
  let port = defaultPort;
  if (t.startsWith("[")) {
    const close = t.indexOf("]");
    if (close < 0) throw new AddressError(`missing ']' in ${JSON.stringify(text)}`);
    host = t.slice(1, close);
    const rest = t.slice(close + 1);
    if (rest.length > 0) {
      if (rest[0] !== ":") throw new AddressError(`unexpected text after ']' in ${JSON.stringify(text)}`);
      port = parsePort(rest.slice(1), text);
    }
    const c = canonicalAddress(host);
    if (c.networkType !== "ipv6" && c.networkType !== "cjdns" && !host.includes(":")) {
      throw new AddressError(`brackets are for IPv6 addresses: ${JSON.stringify(text)}`);
    }
    return { ...c, port };
  }
  const colons = t.split(":").length - 1;
  if (colons === 1) {
    const i = t.indexOf(":");
    host = t.slice(0, i);
    port = parsePort(t.slice(i + 1), text);
  } else {
    host = t; // no port, or a bare IPv6 address
  }
  return { ...canonicalAddress(host), port };
}

/** `HOST:PORT` text of an endpoint; IPv6 and CJDNS hosts in brackets (inverse of parseHostPort). */
export function formatHostPort(address: string, port: number): string {
  return address.includes(":") ? `[${address}]:${port}` : `${address}:${port}`;
}
