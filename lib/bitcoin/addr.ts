// addr (legacy, 16-byte addresses) and addrv2 (BIP155) messages. The decoders are the crawler's hot
// path: direct DataView reads, no per-entry allocation beyond the entry object and its strings.
import {
  ADDRESS_BYTES,
  BIP155_NETWORK_ID,
  addressToBytes,
  classifyIPv6Bytes,
  legacyAddressBytes,
  networkTypeOfId,
  torV3Text,
  type NetworkType,
  type PeerAddress,
} from "./address.ts";
import { base32Encode } from "./base32.ts";
import { Reader, Writer } from "./bytes.ts";
import { ProtocolError } from "./errors.ts";
import { ipv4Text, ipv6Text } from "../ip/index.ts";
import { MAX_ADDR_ENTRIES, MAX_ADDRV2_ADDRESS_BYTES } from "./limits.ts";

const ADDR_ENTRY_BYTES = 30; // time 4 + services 8 + address 16 + port 2
const ADDRV2_MIN_ENTRY_BYTES = 9; // time 4 + services ≥1 + id 1 + length ≥1 + port 2

// Service bit sets below 4096 (0x409, 0xc09, 0x40d, …) repeat in every message: share their bigints
// (a dense, prefilled table: fast element access) instead of allocating one per entry.
const SMALL_BIGINT_LIMIT = 4096;
const SMALL_BIGINTS: readonly bigint[] = Array.from({ length: SMALL_BIGINT_LIMIT }, (_, i) => BigInt(i));
function smallBigInt(v: number): bigint {
  return v < SMALL_BIGINT_LIMIT ? SMALL_BIGINTS[v]! : BigInt(v);
}

function checkCount(count: number, what: string): void {
  if (count > MAX_ADDR_ENTRIES) {
    throw new ProtocolError("too_many_entries", `${what}: ${count} entries, limit ${MAX_ADDR_ENTRIES}`);
  }
}

/** Decodes an addr payload: ≤ 1000 entries of (time, services, 16-byte address, port). */
export function decodeAddr(payload: Uint8Array): { command: "addr"; entries: PeerAddress[] } {
  const r = new Reader(payload);
  const count = r.compactSize("addr.count");
  checkCount(count, "addr");
  r.need(count * ADDR_ENTRY_BYTES, "addr.entries");
  const b = payload;
  const view = r.view;
  const entries = new Array<PeerAddress>(count);
  let p = r.pos;
  for (let i = 0; i < count; i++) {
    const time = view.getUint32(p, true);
    const lo = view.getUint32(p + 4, true);
    const hi = view.getUint32(p + 8, true);
    const services = hi === 0 && lo < SMALL_BIGINT_LIMIT ? SMALL_BIGINTS[lo]! : view.getBigUint64(p + 4, true);
    const a = p + 12;
    let networkType: NetworkType;
    let address: string;
    if (view.getUint32(a, true) === 0 && view.getUint32(a + 4, true) === 0 && view.getUint32(a + 8, true) === 0xffff0000) {
      networkType = "ipv4";
      address = ipv4Text(b, a + 12);
    } else if (b[a] === 0x20 || b[a] === 0x2a || b[a] === 0x26 || b[a] === 0x24) {
      // global unicast (2000::/3 as allocated): plain IPv6, no prefix checks needed
      networkType = "ipv6";
      address = ipv6Text(b, a);
    } else {
      const c = classifyIPv6Bytes(b, a);
      networkType = c.networkType;
      address = c.address;
    }
    const port = (b[p + 28]! << 8) | b[p + 29]!;
    entries[i] = { networkType, address, port, services, time };
    p += ADDR_ENTRY_BYTES;
  }
  return { command: "addr", entries };
}

/** Encodes an addr payload (TorV3/I2P entries have no legacy form: AddressError; > 1000: too_many_entries). */
export function encodeAddr(entries: readonly PeerAddress[]): Uint8Array {
  checkCount(entries.length, "addr");
  const w = new Writer(3 + entries.length * ADDR_ENTRY_BYTES);
  w.compactSize(entries.length);
  for (const e of entries) {
    w.u32le(e.time ?? 0);
    w.u64le(e.services);
    w.bytes(legacyAddressBytes(e.networkType, e.address));
    w.u16be(e.port);
  }
  return w.finish();
}

/** Decodes an addrv2 payload (BIP155). A known network id with the wrong address length, or an
 * address longer than 512 bytes, is malformed; entries of unknown network ids (and CJDNS outside
 * fc00::/8, which no node can use) are skipped and counted in `skipped`. */
export function decodeAddrV2(payload: Uint8Array): { command: "addrv2"; entries: PeerAddress[]; skipped: number } {
  const r = new Reader(payload);
  const count = r.compactSize("addrv2.count");
  checkCount(count, "addrv2");
  r.need(count * ADDRV2_MIN_ENTRY_BYTES, "addrv2.entries");
  const b = payload;
  const view = r.view;
  const entries: PeerAddress[] = [];
  let skipped = 0;
  for (let i = 0; i < count; i++) {
    // Fast path: services as a 1- or 3-byte CompactSize (nearly every entry: 0x409 is fd 09 04) and a
    // 1-byte address length, read inline; anything else goes through the Reader.
    r.need(9, "addrv2.entry");
    const p = r.pos;
    const time = view.getUint32(p, true);
    let services: bigint;
    let id: number;
    let len: number;
    const s0 = b[p + 4]!;
    if (s0 < 0xfd && b[p + 6]! < 0xfd) {
      services = smallBigInt(s0);
      id = b[p + 5]!;
      len = b[p + 6]!;
      r.pos = p + 7;
    } else if (s0 === 0xfd && b[p + 8]! < 0xfd) {
      const v = b[p + 5]! | (b[p + 6]! << 8);
      if (v < 0xfd) throw new ProtocolError("malformed", "addrv2.services: non-canonical CompactSize");
      services = smallBigInt(v);
      id = b[p + 7]!;
      len = b[p + 8]!;
      r.pos = p + 9;
    } else {
      r.pos = p + 4;
      services = r.compactSizeBig("addrv2.services");
      if (services < BigInt(SMALL_BIGINT_LIMIT)) services = SMALL_BIGINTS[Number(services)]!;
      id = r.u8("addrv2.network_id");
      len = r.compactSize("addrv2.address_length");
    }
    if (len > MAX_ADDRV2_ADDRESS_BYTES) {
      throw new ProtocolError("malformed", `addrv2: address of ${len} bytes, limit ${MAX_ADDRV2_ADDRESS_BYTES}`);
    }
    const networkType = networkTypeOfId(id);
    if (networkType !== undefined && len !== ADDRESS_BYTES[networkType]) {
      throw new ProtocolError("malformed", `addrv2: ${networkType} address of ${len} bytes, must be ${ADDRESS_BYTES[networkType]}`);
    }
    r.need(len + 2, "addrv2.address");
    const a = r.pos;
    const port = (b[a + len]! << 8) | b[a + len + 1]!;
    r.pos = a + len + 2;
    let type: NetworkType;
    let address: string;
    switch (networkType) {
      case "ipv4":
        type = "ipv4";
        address = ipv4Text(b, a);
        break;
      case "ipv6": {
        const c = classifyIPv6Bytes(b, a);
        type = c.networkType;
        address = c.address;
        break;
      }
      case "cjdns":
        if (b[a] !== 0xfc) {
          skipped++;
          continue;
        }
        type = "cjdns";
        address = ipv6Text(b, a);
        break;
      case "onion_v2":
        type = "onion_v2";
        address = `${base32Encode(b.subarray(a, a + 10))}.onion`;
        break;
      case "onion_v3":
        type = "onion_v3";
        address = torV3Text(b.subarray(a, a + 32));
        break;
      case "i2p":
        type = "i2p";
        address = `${base32Encode(b.subarray(a, a + 32))}.b32.i2p`;
        break;
      default:
        skipped++;
        continue;
    }
    entries.push({ networkType: type, address, port, services, time });
  }
  return { command: "addrv2", entries, skipped };
}

/** Encodes an addrv2 payload (`skipped` has no wire form; > 1000 entries: too_many_entries). */
export function encodeAddrV2(entries: readonly PeerAddress[]): Uint8Array {
  checkCount(entries.length, "addrv2");
  const w = new Writer(3 + entries.length * 24);
  w.compactSize(entries.length);
  for (const e of entries) {
    const bytes = addressToBytes(e.networkType, e.address);
    w.u32le(e.time ?? 0);
    w.compactSize(e.services);
    w.u8(BIP155_NETWORK_ID[e.networkType]);
    w.compactSize(bytes.length);
    w.bytes(bytes);
    w.u16be(e.port);
  }
  return w.finish();
}
