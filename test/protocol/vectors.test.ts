// Byte-exact vectors: python3-bitcoinlib fixtures (version, verack, ping, pong, getaddr, addr, inv)
// and Bitcoin Core's BIP155 address vectors (src/test/net_tests.cpp) for addrv2.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  AddressError,
  CHAINS,
  FrameParser,
  ProtocolError,
  canonicalAddress,
  decodePayload,
  encodeFrame,
  encodePayload,
  type Message,
  type PeerAddress,
} from "../../lib/bitcoin/index.ts";
import { concat, hex, loadFixture, messageFromJson, toHex } from "./helpers.ts";

for (const name of ["version", "verack", "ping", "pong", "getaddr", "addr", "inv"]) {
  for (const c of loadFixture(name)) {
    test(`bitcoinlib ${name}: ${c.name}`, () => {
      const magic = Number.parseInt(c.magic, 16);
      const msg = messageFromJson(c.message);
      const frame = hex(c.frame);
      assert.equal(toHex(encodeFrame(magic, msg)), c.frame, "our encoder matches bitcoinlib byte for byte");
      assert.deepEqual(decodePayload(name, frame.subarray(24)), msg);
      const parser = new FrameParser(magic);
      assert.deepEqual(parser.push(frame), [msg]);
      assert.equal(parser.bufferedBytes, 0);
    });
  }
}

test("fixture magics are the chain magics", () => {
  const seen = new Set(["version", "verack", "ping", "getaddr", "addr"].flatMap((n) => loadFixture(n).map((c) => `${c.network}=${c.magic}`)));
  for (const s of seen) {
    const [net, magic] = s.split("=") as [keyof typeof CHAINS, string];
    assert.equal(CHAINS[net].magic, Number.parseInt(magic, 16), s);
  }
  assert.ok(seen.size >= 4);
});

// --- BIP155 (Bitcoin Core net_tests.cpp cnetaddr_unserialize_v2 / cnetaddr_serialize_v2) ----------

/** addrv2 payload of one entry: time 0x01020304, services 0x409, then Core's (id, length, address) hex, port 8333. */
function oneEntry(coreHex: string): Uint8Array {
  return concat(hex("01"), hex("04030201"), hex("fd0904"), hex(coreHex), hex("208d"));
}

const entry = (networkType: PeerAddress["networkType"], address: string): PeerAddress => ({
  networkType,
  address,
  port: 8333,
  services: 0x409n,
  time: 0x01020304,
});

const VALID: [string, string, PeerAddress["networkType"], string][] = [
  ["IPv4", "01" + "04" + "01020304", "ipv4", "1.2.3.4"],
  ["IPv6", "02" + "10" + "0102030405060708090a0b0c0d0e0f10", "ipv6", "102:304:506:708:90a:b0c:d0e:f10"],
  ["TorV2", "03" + "0a" + "f1f2f3f4f5f6f7f8f9fa", "onion_v2", "6hzph5hv6337r6p2.onion"],
  [
    "TorV3",
    "04" + "20" + "79bcc625184b05194975c28b66b66b0469f7f6556fb1ac3189a79b40dda32f1f",
    "onion_v3",
    "pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd.onion",
  ],
  [
    "I2P",
    "05" + "20" + "a2894dabaec08c0051a481a6dac88b64f98232ae42d4b6fd2fa81952dfe36a87",
    "i2p",
    "ukeu3k5oycgaauneqgtnvselmt4yemvoilkln7jpvamvfx7dnkdq.b32.i2p",
  ],
  ["CJDNS", "06" + "10" + "fc000001000200030004000500060007", "cjdns", "fc00:1:2:3:4:5:6:7"],
  // Core keeps these as (invalid) IPv6; one host one key makes them what they are.
  ["IPv6 with embedded IPv4", "02" + "10" + "00000000000000000000ffff01020304", "ipv4", "1.2.3.4"],
  ["IPv6 with embedded TorV2 (OnionCat)", "02" + "10" + "fd87d87eeb430102030405060708090a", "onion_v2", "aebagbafaydqqcik.onion"],
];

for (const [name, coreHex, networkType, address] of VALID) {
  test(`BIP155 valid ${name} decodes to ${address}`, () => {
    const msg = decodePayload("addrv2", oneEntry(coreHex));
    assert.deepEqual(msg, { command: "addrv2", entries: [entry(networkType, address)], skipped: 0 });
    assert.deepEqual(canonicalAddress(address), { networkType, address });
  });
}

for (const [name, coreHex] of VALID.slice(0, 6)) {
  test(`BIP155 ${name} encodes to Core's bytes`, () => {
    const [, , networkType, address] = VALID.find((v) => v[0] === name)!;
    assert.equal(toHex(encodePayload({ command: "addrv2", entries: [entry(networkType, address)], skipped: 0 })), toHex(oneEntry(coreHex)));
  });
}

test("BIP155 serialize vectors: TorV3 kpgvms…, IPv4, IPv6", () => {
  const cases: [PeerAddress["networkType"], string, string][] = [
    ["onion_v3", "kpgvmscirrdqpekbqjsvw5teanhatztpp2gl6eee4zkowvwfxwenqaid.onion", "042053cd5648488c4707914182655b7664034e09e66f7e8cbf1084e654eb56c5bd88"],
    ["ipv4", "1.2.3.4", "010401020304"],
    ["ipv6", "1a1b:2a2b:3a3b:4a4b:5a5b:6a6b:7a7b:8a8b", "02101a1b2a2b3a3b4a4b5a5b6a6b7a7b8a8b"],
  ];
  for (const [networkType, address, coreHex] of cases) {
    const payload = encodePayload({ command: "addrv2", entries: [entry(networkType, address)], skipped: 0 });
    assert.equal(toHex(payload), toHex(oneEntry(coreHex)), address);
  }
});

const MALFORMED: [string, string][] = [
  ["IPv4 with bogus length 5", "01" + "05" + "01020304"],
  ["IPv4 with extreme length 513", "01" + "fd0102" + "01020304"],
  ["IPv6 with bogus length 4", "02" + "04" + "00"],
  ["TorV2 with bogus length 7", "03" + "07" + "00"],
  ["TorV3 with bogus length 0", "04" + "00" + "00"],
  ["I2P with bogus length 3", "05" + "03" + "00"],
  ["CJDNS with bogus length 1", "06" + "01" + "00"],
  ["unknown id with extreme length (MAX_SIZE)", "aa" + "fe00000002" + "01020304050607"],
];

for (const [name, coreHex] of MALFORMED) {
  test(`BIP155 ${name} is malformed`, () => {
    assert.throws(
      () => decodePayload("addrv2", oneEntry(coreHex)),
      (e: unknown) => e instanceof ProtocolError && e.code === "malformed",
    );
  });
}

test("BIP155 IPv4 whose address is shorter than its length is truncated", () => {
  const payload = concat(hex("01"), hex("04030201"), hex("01"), hex("01" + "04" + "0102"));
  assert.throws(
    () => decodePayload("addrv2", payload),
    (e: unknown) => e instanceof ProtocolError && e.code === "truncated_payload",
  );
});

test("BIP155 unknown ids (reasonable and zero length) and CJDNS outside fc00::/8 are skipped, not fatal", () => {
  const payload = concat(
    hex("05"),
    hex("00000000" + "01" + "aa" + "04" + "01020304" + "208d"),
    hex("00000000" + "01" + "aa" + "00" + "208d"),
    hex("00000000" + "01" + "06" + "10" + "aa000001000200030004000500060007" + "208d"),
    hex("04030201" + "fd0904" + "01" + "04" + "01020304" + "208d"),
    hex(`0000000001fffd0002${"00".repeat(512)}208d`),
  );
  const msg = decodePayload("addrv2", payload) as Extract<Message, { command: "addrv2" }>;
  assert.equal(msg.skipped, 4);
  assert.deepEqual(msg.entries, [entry("ipv4", "1.2.3.4")]);
});

test("Core's TorV3/I2P text vectors: bad checksum, bad version, bad lengths are AddressError", () => {
  for (const bad of [
    "pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscsad.onion",
    "pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscrye.onion",
    "pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd\0wtf.onion",
    "mfrggzak.onion",
    "mf*g zak.onion",
    "udhdrtrcetjm5sxzskjyr5ztpeszydbh4dpl3pl4utgqqw2v4jn=.b32.i2p",
    "udhdrtrcetjm5sxzskjyr5ztpeszydbh4dpl3pl4utgqqw2v4jna=.b32.i2p",
    "udhdrtrcetjm5sxzskjyr5ztpeszydbh4dpl3pl4utgqqw2v\0wtf.b32.i2p",
    "pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscsad.b32.i2p",
    "tp*szydbh4dp.b32.i2p",
    "totally bogus",
  ]) {
    assert.throws(() => canonicalAddress(bad), AddressError, JSON.stringify(bad));
  }
  assert.deepEqual(canonicalAddress("UDHDrtrcetjm5sxzskjyr5ztpeszydbh4dpl3pl4utgqqw2v4jna.b32.I2P"), {
    networkType: "i2p",
    address: "udhdrtrcetjm5sxzskjyr5ztpeszydbh4dpl3pl4utgqqw2v4jna.b32.i2p",
  });
});
