// Canonical address text (one host, one key), HOST:PORT parsing/formatting and the byte helpers.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  AddressError,
  CHAINS,
  addressFromBytes,
  addressToBytes,
  canonicalAddress,
  classifyIPv6Bytes,
  formatHostPort,
  legacyAddressBytes,
  networkTypeOfId,
  parseHostPort,
  torV3Text,
} from "../../lib/bitcoin/index.ts";
import { hex, toHex } from "./helpers.ts";

test("IPv4 and IPv4-mapped IPv6 are one key: dotted IPv4", () => {
  for (const t of ["1.2.3.4", "::ffff:1.2.3.4", "::FFFF:0102:0304", "0:0:0:0:0:ffff:102:304"]) {
    assert.deepEqual(canonicalAddress(t), { networkType: "ipv4", address: "1.2.3.4" }, t);
  }
  assert.deepEqual(classifyIPv6Bytes(hex("00000000000000000000ffff7f000001"), 0), { networkType: "ipv4", address: "127.0.0.1" });
});

test("IPv6 text is RFC 5952 (Bitcoin Core's canonical_representations_ipv6 table)", () => {
  const table: [string, string][] = [
    ["0000:0000:0000:0000:0000:0000:0000:0000", "::"],
    ["000:0000:000:00:0:00:000:0000", "::"],
    ["0:0:0:0:0:0:0:1", "::1"],
    ["2001:0:0:1:0:0:0:1", "2001:0:0:1::1"],
    ["2001:0db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"],
    ["2001:0db8:85a3:0000:0000:8a2e:0370:7334", "2001:db8:85a3::8a2e:370:7334"],
    ["2001:0db8::0001", "2001:db8::1"],
    ["2001:0db8::0001:0000", "2001:db8::1:0"],
    ["2001:db8:0000:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"],
    ["2001:db8:0:0:0:0:2:1", "2001:db8::2:1"],
    ["2001:DB8:0:0:1::1", "2001:db8::1:0:0:1"],
    ["2001:db8:0:0:aaaa::1", "2001:db8::aaaa:0:0:1"],
    ["2001:db8::1:1:1:1:1", "2001:db8:0:1:1:1:1:1"],
    ["2001:db8:aaaa:bbbb:cccc:dddd::1", "2001:db8:aaaa:bbbb:cccc:dddd:0:1"],
    ["2001:db8:aaaa:bbbb:cccc:dddd:eeee:0001", "2001:db8:aaaa:bbbb:cccc:dddd:eeee:1"],
    ["2001:db8:aaaa:bbbb:cccc:dddd:eeee:AaAa", "2001:db8:aaaa:bbbb:cccc:dddd:eeee:aaaa"],
    ["1:0:0:2:0:0:0:3", "1:0:0:2::3"], // longest run wins
    ["1:0:0:2:0:0:3:4", "1::2:0:0:3:4"], // first run on ties
    ["1:0:2:3:4:5:6:7", "1:0:2:3:4:5:6:7"], // a single 0 group is never compressed
    ["::1.2.3.4", "::102:304"],
  ];
  for (const [input, expected] of table) {
    assert.deepEqual(canonicalAddress(input), { networkType: "ipv6", address: expected }, input);
  }
});

test("CJDNS is IPv6 text in fc00::/8; OnionCat IPv6 is the TorV2 name", () => {
  assert.deepEqual(canonicalAddress("FC00:0001:0002:0003:0004:0005:0006:0007"), { networkType: "cjdns", address: "fc00:1:2:3:4:5:6:7" });
  assert.deepEqual(canonicalAddress("fd00::1"), { networkType: "ipv6", address: "fd00::1" });
  assert.deepEqual(canonicalAddress("fd87:d87e:eb43:f1f2:f3f4:f5f6:f7f8:f9fa"), { networkType: "onion_v2", address: "6hzph5hv6337r6p2.onion" });
  assert.equal(toHex(legacyAddressBytes("onion_v2", "6hzph5hv6337r6p2.onion")), "fd87d87eeb43f1f2f3f4f5f6f7f8f9fa");
  assert.equal(toHex(legacyAddressBytes("ipv4", "1.2.3.4")), "00000000000000000000ffff01020304");
  assert.throws(() => legacyAddressBytes("onion_v3", "pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd.onion"), AddressError);
});

test("TorV3: 56 chars, checksum and version verified; upper case folds to lower", () => {
  const name = "pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd.onion";
  assert.deepEqual(canonicalAddress(name.toUpperCase()), { networkType: "onion_v3", address: name });
  const pubkey = hex("79bcc625184b05194975c28b66b66b0469f7f6556fb1ac3189a79b40dda32f1f");
  assert.equal(torV3Text(pubkey), name);
  assert.equal(toHex(addressToBytes("onion_v3", name)), toHex(pubkey));
  assert.equal(addressFromBytes("onion_v3", pubkey), name);
  // every single-character change of the key part breaks the checksum
  for (let i = 0; i < 52; i += 7) {
    const c = name[i] === "a" ? "b" : "a";
    assert.throws(() => canonicalAddress(name.slice(0, i) + c + name.slice(i + 1)), AddressError);
  }
});

test("TorV2 and I2P names round trip through bytes", () => {
  assert.equal(toHex(addressToBytes("onion_v2", "6hzph5hv6337r6p2.onion")), "f1f2f3f4f5f6f7f8f9fa");
  assert.equal(addressFromBytes("onion_v2", hex("f1f2f3f4f5f6f7f8f9fa")), "6hzph5hv6337r6p2.onion");
  const i2p = "ukeu3k5oycgaauneqgtnvselmt4yemvoilkln7jpvamvfx7dnkdq.b32.i2p";
  const bytes = hex("a2894dabaec08c0051a481a6dac88b64f98232ae42d4b6fd2fa81952dfe36a87");
  assert.equal(toHex(addressToBytes("i2p", i2p)), toHex(bytes));
  assert.equal(addressFromBytes("i2p", bytes), i2p);
  // a 52nd character whose padding bits are not zero would be a second spelling of the same bytes
  assert.throws(() => canonicalAddress(i2p.replace("kdq.b32", "kdr.b32")), AddressError);
});

test("byte helpers reject lengths and types that do not match", () => {
  assert.throws(() => addressFromBytes("ipv4", new Uint8Array(5)), AddressError);
  assert.throws(() => addressFromBytes("cjdns", hex("aa000001000200030004000500060007")), AddressError);
  assert.throws(() => addressToBytes("ipv6", "1.2.3.4"), AddressError);
  assert.throws(() => addressToBytes("ipv6", "fc00::1"), AddressError); // that is CJDNS
  assert.equal(networkTypeOfId(4), "onion_v3");
  assert.equal(networkTypeOfId(7), undefined);
  assert.equal(networkTypeOfId(0), undefined);
});

test("garbage is AddressError, never another exception", () => {
  for (const bad of [
    "",
    "1.2.3",
    "1.2.3.4.5",
    "256.1.1.1",
    "01.2.3.4",
    "1.2.3.-4",
    " 1.2.3.4",
    "1.2.3.4 ",
    "::1::",
    ":::",
    "1:2:3:4:5:6:7:8:9",
    "12345::1",
    "g::1",
    "fe80::1%eth0",
    "[::1]",
    "seed.bitcoin.sipa.be",
    "localhost",
    "abc.onion",
    "x".repeat(100),
    "1.2.3.4:8333",
  ]) {
    assert.throws(() => canonicalAddress(bad), AddressError, JSON.stringify(bad));
  }
});

test("parseHostPort: IPv4, [IPv6]:port, bare hosts with the default port, onion and i2p names", () => {
  const d = CHAINS.mainnet.defaultPort;
  assert.deepEqual(parseHostPort("1.2.3.4:8333", d), { networkType: "ipv4", address: "1.2.3.4", port: 8333 });
  assert.deepEqual(parseHostPort("1.2.3.4", 18444), { networkType: "ipv4", address: "1.2.3.4", port: 18444 });
  assert.deepEqual(parseHostPort("[2001:DB8::1]:18333", d), { networkType: "ipv6", address: "2001:db8::1", port: 18333 });
  assert.deepEqual(parseHostPort("[2001:db8::1]", d), { networkType: "ipv6", address: "2001:db8::1", port: d });
  assert.deepEqual(parseHostPort("2001:db8::1", d), { networkType: "ipv6", address: "2001:db8::1", port: d });
  assert.deepEqual(parseHostPort("[::ffff:127.0.0.1]:1", d), { networkType: "ipv4", address: "127.0.0.1", port: 1 });
  assert.deepEqual(parseHostPort("  127.0.0.1:65535\n", d), { networkType: "ipv4", address: "127.0.0.1", port: 65535 });
  const onion = "pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd.onion";
  assert.deepEqual(parseHostPort(`${onion}:8333`, d), { networkType: "onion_v3", address: onion, port: 8333 });
  assert.deepEqual(parseHostPort(onion, 9), { networkType: "onion_v3", address: onion, port: 9 });
  const i2p = "ukeu3k5oycgaauneqgtnvselmt4yemvoilkln7jpvamvfx7dnkdq.b32.i2p";
  assert.deepEqual(parseHostPort(`${i2p}:0`, d), { networkType: "i2p", address: i2p, port: 0 });
});

test("parseHostPort rejects garbage with AddressError", () => {
  for (const bad of [
    "",
    "   ",
    ":8333",
    "1.2.3.4:",
    "1.2.3.4:65536",
    "1.2.3.4:-1",
    "1.2.3.4:+80",
    "1.2.3.4:80a",
    "1.2.3.4:123456",
    "[1.2.3.4]:8333",
    "[::1",
    "[::1]x",
    "[::1]:",
    "[::1]:99999",
    "host.example:8333",
    "a.onion:1",
    "1.2.3.4:8333:1",
    "[]:1",
  ]) {
    assert.throws(() => parseHostPort(bad, 8333), AddressError, JSON.stringify(bad));
  }
});

test("formatHostPort is the inverse of parseHostPort", () => {
  const cases: [string, number, string][] = [
    ["1.2.3.4", 8333, "1.2.3.4:8333"],
    ["2001:db8::1", 8333, "[2001:db8::1]:8333"],
    ["fc00:1:2:3:4:5:6:7", 1, "[fc00:1:2:3:4:5:6:7]:1"],
    ["6hzph5hv6337r6p2.onion", 8333, "6hzph5hv6337r6p2.onion:8333"],
  ];
  for (const [address, port, text] of cases) {
    assert.equal(formatHostPort(address, port), text);
    const back = parseHostPort(text, 1);
    assert.equal(back.address, address);
    assert.equal(back.port, port);
  }
});
