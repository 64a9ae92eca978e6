// fast-check generators for the wire codec's messages. IPv6 text comes from the WHATWG URL
// serializer (an independent RFC 5952-compatible formatter), not from the code under test.
import fc from "fast-check";
import { addressFromBytes, type Message, type NetworkType, type PeerAddress, type VersionAddress, type VersionMessage } from "../../lib/bitcoin/index.ts";

/** IPv6 text of 16 bytes by Node's URL parser (lowercase, longest zero run compressed, first on ties). */
export function urlIPv6Text(b: Uint8Array): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((b[i]! << 8) | b[i + 1]!).toString(16));
  return new URL(`http://[${groups.join(":")}]/`).hostname.slice(1, -1);
}

const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });

const ipv4 = bytes(4).map((b) => b.join("."));
const ipv6 = bytes(16)
  .filter((b) => {
    const mapped = b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff;
    const onionCat = b[0] === 0xfd && b[1] === 0x87 && b[2] === 0xd8 && b[3] === 0x7e && b[4] === 0xeb && b[5] === 0x43;
    return !mapped && !onionCat && b[0] !== 0xfc;
  })
  .map(urlIPv6Text);
const cjdns = bytes(15).map((b) => urlIPv6Text(Uint8Array.of(0xfc, ...b)));
const onionV2 = bytes(10).map((b) => addressFromBytes("onion_v2", b));
const onionV3 = bytes(32).map((b) => addressFromBytes("onion_v3", b));
const i2p = bytes(32).map((b) => addressFromBytes("i2p", b));

const byType: Record<NetworkType, fc.Arbitrary<string>> = { ipv4, ipv6, cjdns, onion_v2: onionV2, onion_v3: onionV3, i2p };

/** A canonical address of one of `types`, weighted towards IPv4 like real addr traffic. */
export function hostOf(types: readonly NetworkType[]): fc.Arbitrary<{ networkType: NetworkType; address: string }> {
  return fc.oneof(
    ...types.map((t) => ({
      arbitrary: byType[t].map((address) => ({ networkType: t, address })),
      weight: t === "ipv4" ? 4 : 1,
    })),
  );
}

/** Network types the legacy (16-byte) address fields can carry. */
export const LEGACY_TYPES: readonly NetworkType[] = ["ipv4", "ipv6", "cjdns", "onion_v2"];
/** Every BIP155 network type. */
export const ALL_TYPES: readonly NetworkType[] = ["ipv4", "ipv6", "cjdns", "onion_v2", "onion_v3", "i2p"];

const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
const i64 = fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n });
const services = fc.oneof(fc.constantFrom(0n, 1n, 0x409n, 0x40dn, 0xc09n, 0xfcn, 0xfdn, 0xffffn, 0x10000n, 0xffffffffn, 0x100000000n), u64);
const port = fc.integer({ min: 0, max: 65535 });

/** An addr/addrv2 entry of one of `types`. */
export function peerAddress(types: readonly NetworkType[]): fc.Arbitrary<PeerAddress> {
  return fc.record({ host: hostOf(types), port, services, time: fc.integer({ min: 0, max: 0xffffffff }) }).map(({ host, ...rest }) => ({
    networkType: host.networkType,
    address: host.address,
    port: rest.port,
    services: rest.services,
    time: rest.time,
  }));
}

const versionAddress: fc.Arbitrary<VersionAddress> = fc
  .record({ host: hostOf(LEGACY_TYPES), port, services })
  .map(({ host, port: p, services: s }) => ({ services: s, address: host.address, networkType: host.networkType, port: p }));

const userAgent = fc.oneof(fc.string({ maxLength: 80 }), fc.string({ unit: "grapheme", maxLength: 40 })).filter((s) => Buffer.byteLength(s, "utf8") <= 256);

/** A version message with any prefix of its optional fields present (as old peers send them). */
export const versionMessage: fc.Arbitrary<VersionMessage> = fc
  .record({
    version: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
    services: u64,
    timestamp: i64,
    receiver: versionAddress,
    sender: versionAddress,
    nonce: u64,
    userAgent,
    startHeight: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
    relay: fc.boolean(),
    present: fc.integer({ min: 0, max: 5 }),
  })
  .map((r) => {
    const m: Record<string, unknown> = { command: "version", version: r.version, services: r.services, timestamp: r.timestamp, receiver: r.receiver };
    const optional = ["sender", "nonce", "userAgent", "startHeight", "relay"] as const;
    for (const k of optional.slice(0, r.present)) m[k] = r[k];
    if (r.present >= 3) m.userAgentBytes = new TextEncoder().encode(r.userAgent); // decodeVersion keeps the bytes
    return m as unknown as VersionMessage;
  });

const printableCommand = fc
  .string({ minLength: 0, maxLength: 12, unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)) })
  .filter(
    (s) =>
      !["version", "verack", "ping", "pong", "getaddr", "addr", "addrv2", "sendaddrv2", "wtxidrelay", "sendheaders", "sendcmpct", "feefilter", "inv"].includes(
        s,
      ),
  );

/** Any message the codec can encode, each command about equally likely. */
export const message: fc.Arbitrary<Message> = fc.oneof(
  versionMessage,
  fc.constant<Message>({ command: "verack" }),
  u64.map<Message>((nonce) => ({ command: "ping", nonce })),
  u64.map<Message>((nonce) => ({ command: "pong", nonce })),
  fc.constant<Message>({ command: "getaddr" }),
  fc.array(peerAddress(LEGACY_TYPES), { maxLength: 40 }).map<Message>((entries) => ({ command: "addr", entries })),
  fc.array(peerAddress(ALL_TYPES), { maxLength: 40 }).map<Message>((entries) => ({ command: "addrv2", entries, skipped: 0 })),
  fc.constant<Message>({ command: "sendaddrv2" }),
  fc.constant<Message>({ command: "wtxidrelay" }),
  fc.constant<Message>({ command: "sendheaders" }),
  fc.record({ announce: fc.boolean(), version: u64 }).map<Message>((r) => ({ command: "sendcmpct", ...r })),
  i64.map<Message>((feeRate) => ({ command: "feefilter", feeRate })),
  fc
    .array(fc.record({ type: fc.integer({ min: 0, max: 0xffffffff }), hash: bytes(32) }, { noNullPrototype: true }), { maxLength: 20 })
    .map<Message>((items) => ({ command: "inv", items })),
  fc.record({ rawCommand: printableCommand, payload: fc.uint8Array({ maxLength: 200 }) }).map<Message>((r) => ({ command: "unknown", ...r })),
);

/** Split points that cut `length` bytes into random chunks (possibly empty ones). */
export function chunking(length: number): fc.Arbitrary<number[]> {
  return fc.array(fc.integer({ min: 0, max: length }), { maxLength: 40 }).map((cuts) => [...cuts, length].sort((a, b) => a - b));
}

/** The chunks of `bytes` at `cuts`. */
export function cutAt(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const c of cuts) {
    out.push(bytes.subarray(prev, c));
    prev = c;
  }
  if (prev < bytes.length) out.push(bytes.subarray(prev));
  return out;
}
