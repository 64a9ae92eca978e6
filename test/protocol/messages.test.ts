// Payload codec: a round trip for every message, old-peer version messages, limits checked before
// allocation, canonical CompactSize, unknown commands kept raw.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  KNOWN_COMMANDS,
  MAX_ADDR_ENTRIES,
  ProtocolError,
  decodePayload,
  encodePayload,
  type Message,
  type PeerAddress,
  type ProtocolErrorCode,
  type VersionMessage,
} from "../../lib/bitcoin/index.ts";
import { concat, hex, toHex, withUserAgentBytes } from "./helpers.ts";

function rejects(fn: () => unknown, code: ProtocolErrorCode): void {
  assert.throws(fn, (e: unknown) => e instanceof ProtocolError && e.code === code);
}

const peer = (networkType: PeerAddress["networkType"], address: string, port = 8333): PeerAddress => ({
  networkType,
  address,
  port,
  services: 0x409n,
  time: 1_700_000_000,
});

const FULL_VERSION: VersionMessage = {
  command: "version",
  version: 70016,
  services: 0x409n,
  timestamp: 1_700_000_000n,
  receiver: { services: 0n, address: "127.0.0.1", networkType: "ipv4", port: 18444 },
  sender: { services: 0x409n, address: "::", networkType: "ipv6", port: 0 },
  nonce: 0xfedcba9876543210n,
  userAgent: "/Fluxture:0.1.0/",
  startHeight: 0,
  relay: false,
};

const EXAMPLES: Message[] = [
  FULL_VERSION,
  { command: "verack" },
  { command: "ping", nonce: 0xffffffffffffffffn },
  { command: "pong", nonce: 1n },
  { command: "getaddr" },
  { command: "addr", entries: [peer("ipv4", "1.2.3.4"), peer("ipv6", "2001:db8::1"), peer("onion_v2", "6hzph5hv6337r6p2.onion"), peer("cjdns", "fc00::1")] },
  {
    command: "addrv2",
    skipped: 0,
    entries: [
      peer("ipv4", "1.2.3.4"),
      peer("ipv6", "2001:db8::1"),
      peer("onion_v2", "6hzph5hv6337r6p2.onion"),
      peer("onion_v3", "pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd.onion"),
      peer("i2p", "ukeu3k5oycgaauneqgtnvselmt4yemvoilkln7jpvamvfx7dnkdq.b32.i2p", 0),
      peer("cjdns", "fc00:1:2:3:4:5:6:7"),
    ],
  },
  { command: "sendaddrv2" },
  { command: "wtxidrelay" },
  { command: "sendheaders" },
  { command: "sendcmpct", announce: true, version: 2n },
  { command: "feefilter", feeRate: 1000n },
  {
    command: "inv",
    items: [
      { type: 1, hash: new Uint8Array(32).fill(7) },
      { type: 0x40000002, hash: new Uint8Array(32).fill(255) },
    ],
  },
];

test("every known command has a round-trip example", () => {
  assert.deepEqual(new Set(EXAMPLES.map((m) => m.command)), new Set(KNOWN_COMMANDS));
});

for (const msg of EXAMPLES) {
  test(`round trip: ${msg.command}`, () => {
    const payload = encodePayload(msg);
    assert.deepEqual(decodePayload(msg.command, payload), withUserAgentBytes(msg));
  });
}

test("round trip: unknown command keeps raw command and a copy of the payload", () => {
  const payload = hex("deadbeef");
  const msg = decodePayload("mempool", payload);
  assert.deepEqual(msg, { command: "unknown", rawCommand: "mempool", payload: hex("deadbeef") });
  payload[0] = 0;
  assert.equal(toHex((msg as Extract<Message, { command: "unknown" }>).payload), "deadbeef");
  assert.equal(toHex(encodePayload(msg)), "deadbeef");
});

test("version of old peers: fields stop early and come back absent", () => {
  const full = encodePayload(FULL_VERSION);
  const uaLen = 1 + FULL_VERSION.userAgent!.length;
  const stops: [number, (keyof VersionMessage)[]][] = [
    [46, ["sender", "nonce", "userAgent", "userAgentBytes", "startHeight", "relay"]],
    [72, ["nonce", "userAgent", "userAgentBytes", "startHeight", "relay"]],
    [80, ["userAgent", "userAgentBytes", "startHeight", "relay"]],
    [80 + uaLen, ["startHeight", "relay"]],
    [84 + uaLen, ["relay"]],
  ];
  for (const [len, absent] of stops) {
    const msg = decodePayload("version", full.subarray(0, len)) as VersionMessage;
    for (const k of absent) assert.ok(!(k in msg), `${k} absent at ${len}`);
    const expected = Object.fromEntries(Object.entries(withUserAgentBytes(FULL_VERSION)).filter(([k]) => !absent.includes(k as keyof VersionMessage)));
    assert.deepEqual(msg, expected);
    assert.equal(toHex(encodePayload(msg)), toHex(full.subarray(0, len)), "encoder stops at the same place");
  }
});

test("version ending inside a field is truncated_payload, at every such cut", () => {
  const full = encodePayload(FULL_VERSION);
  const boundaries = new Set([46, 72, 80, 81 + FULL_VERSION.userAgent!.length, 85 + FULL_VERSION.userAgent!.length, full.length]);
  for (let len = 0; len < full.length; len++) {
    if (boundaries.has(len)) continue;
    rejects(() => decodePayload("version", full.subarray(0, len)), "truncated_payload");
  }
});

test("version: user agent over 256 bytes is malformed; relay byte any non-zero is true", () => {
  const base = encodePayload({ ...FULL_VERSION, userAgent: "" }).subarray(0, 80);
  rejects(() => decodePayload("version", concat(base, hex("fd0101"), new Uint8Array(257))), "malformed");
  assert.equal((decodePayload("version", concat(base, hex("fd0001"), new Uint8Array(256))) as VersionMessage).userAgent!.length, 256);
  const withRelay2 = concat(encodePayload(FULL_VERSION).subarray(0, -1), hex("02"));
  assert.equal((decodePayload("version", withRelay2) as VersionMessage).relay, true);
  assert.throws(() => encodePayload({ ...FULL_VERSION, userAgent: "x".repeat(257) }), ProtocolError);
  const { nonce: _n, ...noNonce } = FULL_VERSION;
  assert.throws(
    () => encodePayload(noNonce),
    (e: unknown) => e instanceof ProtocolError && e.code === "malformed",
  );
});

test("addr over 1000 entries is too_many_entries, decided from the count alone", () => {
  // count 1001 and nothing else: rejected before any entry is read or allocated
  rejects(() => decodePayload("addr", hex("fde903")), "too_many_entries");
  rejects(() => decodePayload("addrv2", hex("fde903")), "too_many_entries");
  rejects(() => decodePayload("addr", hex("feffffffff")), "malformed"); // above MAX_SIZE
  rejects(() => decodePayload("addr", hex("fde803")), "truncated_payload"); // 1000 promised, none there
  const many = Array.from({ length: MAX_ADDR_ENTRIES + 1 }, (_, i) => peer("ipv4", `10.0.${i >> 8}.${i & 255}`));
  rejects(() => encodePayload({ command: "addr", entries: many }), "too_many_entries");
  const exactly = { command: "addr" as const, entries: many.slice(0, MAX_ADDR_ENTRIES) };
  assert.deepEqual(decodePayload("addr", encodePayload(exactly)), exactly);
});

test("inv over 50,000 items is too_many_entries; inv hashes are copies", () => {
  rejects(() => decodePayload("inv", hex("fd51c3")), "too_many_entries");
  const payload = concat(hex("01"), hex("01000000"), new Uint8Array(32).fill(9));
  const msg = decodePayload("inv", payload) as Extract<Message, { command: "inv" }>;
  payload.fill(0);
  assert.equal(msg.items[0]!.hash[0], 9);
});

test("non-canonical CompactSize is malformed (counts, lengths and addrv2 services)", () => {
  rejects(() => decodePayload("addr", hex("fd0100")), "malformed");
  rejects(() => decodePayload("addr", hex("fe01000000")), "malformed");
  rejects(() => decodePayload("addr", hex("ff0100000000000000")), "malformed");
  rejects(() => decodePayload("inv", hex("fdfc00")), "malformed");
  const entry = (services: string) => hex(`0100000000${services}010401020304208d`);
  rejects(() => decodePayload("addrv2", entry("fd0100")), "malformed");
  rejects(() => decodePayload("addrv2", entry("ffffffffff00000000")), "malformed");
  const big = decodePayload("addrv2", entry("ff0000000001000000")) as Extract<Message, { command: "addrv2" }>;
  assert.equal(big.entries[0]!.services, 1n << 32n);
  const max = decodePayload("addrv2", entry("ffffffffffffffffff")) as Extract<Message, { command: "addrv2" }>;
  assert.equal(max.entries[0]!.services, (1n << 64n) - 1n);
  const ua = (len: string) => concat(encodePayload(FULL_VERSION).subarray(0, 80), hex(len));
  rejects(() => decodePayload("version", ua("fd0500")), "malformed");
});

test("legacy addr: OnionCat prefix maps to onion_v2, fc00::/8 to cjdns, mapped IPv4 to dotted", () => {
  const payload = concat(
    hex("03"),
    hex("01000000" + "0100000000000000" + "fd87d87eeb43f1f2f3f4f5f6f7f8f9fa" + "208d"),
    hex("02000000" + "0000000000000080" + "fc000000000000000000000000000001" + "0001"),
    hex("03000000" + "0904000000000000" + "00000000000000000000ffffc0a80001" + "ffff"),
  );
  assert.deepEqual(decodePayload("addr", payload), {
    command: "addr",
    entries: [
      { networkType: "onion_v2", address: "6hzph5hv6337r6p2.onion", port: 8333, services: 1n, time: 1 },
      { networkType: "cjdns", address: "fc00::1", port: 1, services: 1n << 63n, time: 2 },
      { networkType: "ipv4", address: "192.168.0.1", port: 65535, services: 0x409n, time: 3 },
    ],
  });
});

test("empty-payload messages ignore trailing bytes; ping without nonce (BIP31 pre-60001) is nonce 0", () => {
  assert.deepEqual(decodePayload("verack", hex("00")), { command: "verack" });
  assert.deepEqual(decodePayload("ping", new Uint8Array(0)), { command: "ping", nonce: 0n });
  rejects(() => decodePayload("pong", new Uint8Array(0)), "truncated_payload");
  rejects(() => decodePayload("ping", hex("0102")), "truncated_payload");
  rejects(() => decodePayload("sendcmpct", hex("01")), "truncated_payload");
  rejects(() => decodePayload("feefilter", hex("01")), "truncated_payload");
  assert.deepEqual(decodePayload("feefilter", hex("ffffffffffffffff")), { command: "feefilter", feeRate: -1n });
});

test("encoding an address its message cannot carry throws, it never writes garbage", () => {
  assert.throws(() => encodePayload({ command: "addr", entries: [peer("i2p", "ukeu3k5oycgaauneqgtnvselmt4yemvoilkln7jpvamvfx7dnkdq.b32.i2p")] }));
  assert.throws(() => encodePayload({ command: "addrv2", skipped: 0, entries: [peer("ipv4", "2001:db8::1")] }));
  assert.throws(() => encodePayload({ command: "inv", items: [{ type: 1, hash: new Uint8Array(31) }] }), ProtocolError);
});
