// lib/ip: the one parser agrees with node:net on what an IP literal is, gives the right bytes, and the special-purpose
// table's two columns (dialable, geo_scope) are pinned row by row, including where they differ on purpose.
import assert from "node:assert/strict";
import { isIP } from "node:net";
import { test } from "node:test";
import {
  cidrContains,
  CidrError,
  ipv4Scope,
  ipv6Scope,
  parseCidr,
  parseIp,
  parseIPv4,
  parseIPv4Value,
  parseIPv6,
  parseIPv6Into,
  SPECIAL_RANGES,
  specialRangeOf,
  type IpScope,
} from "../../lib/ip/index.ts";
import { DialPolicy } from "../../stages/crawl/policy.ts";

const hex = (b: Uint8Array | undefined) => (b === undefined ? "undefined" : Buffer.from(b).toString("hex"));

test("IPv6 text → 16 bytes: compression anywhere, embedded IPv4, upper case; the out buffer is fully overwritten", () => {
  const cases: [string, string][] = [
    ["::", "00000000000000000000000000000000"],
    ["::1", "00000000000000000000000000000001"],
    ["1::", "00010000000000000000000000000000"],
    ["2001:db8::1", "20010db8000000000000000000000001"],
    ["2001:DB8:0:0:8:800:200C:417A", "20010db80000000000080800200c417a"],
    ["::ffff:81.2.69.142", "00000000000000000000ffff5102458e"],
    ["64:ff9b::192.0.2.33", "0064ff9b0000000000000000c0000221"],
    ["1:2:3:4:5:6:1.2.3.4", "00010002000300040005000601020304"],
    ["1:2:3:4:5:6:7::", "00010002000300040005000600070000"],
    ["::2:3:4:5:6:7:8", "00000002000300040005000600070008"],
    ["fe80::1:2:3:4", "fe800000000000000001000200030004"],
  ];
  for (const [text, expected] of cases) assert.equal(hex(parseIPv6(text)), expected, text);
  const reused = new Uint8Array(16).fill(0xff);
  assert.ok(parseIPv6Into("::1", reused));
  assert.equal(hex(reused), "00000000000000000000000000000001");
  assert.equal(parseIPv4Value("255.255.255.255"), 0xffffffff);
  assert.equal(parseIPv4Value("81.2.69.142"), 0x5102458e);
  assert.equal(hex(parseIPv4("10.0.0.1")), "0a000001");
});

test("the parser accepts exactly what net.isIP accepts (hand-picked edge cases and 20,000 mutated literals)", () => {
  const edge = [
    "",
    ":",
    "::",
    ":::",
    "1::2::3",
    "1:2:3:4:5:6:7:8",
    "1:2:3:4:5:6:7:8:9",
    "1:2:3:4:5:6:7::",
    "::1:2:3:4:5:6:7",
    "1:2:3:4:5:6:7:8::",
    "::1:2:3:4:5:6:7:8",
    "1:",
    ":1",
    "1::",
    "12345::",
    "g::",
    "fe80::1%eth0",
    "[::1]",
    "::1.2.3.4",
    "::01.2.3.4",
    "::1.2.3",
    "1.2.3.4::",
    "1:2:3:4:5:6:1.2.3.4",
    "1:2:3:4:5:6:7:1.2.3.4",
    "::ffff:1.2.3.4",
    "1.2.3.4",
    "01.2.3.4",
    "1.2.3.04",
    "256.1.1.1",
    "1.2.3",
    "1.2.3.4.5",
    "1..2.3",
    " 1.2.3.4",
    "1.2.3.4 ",
    "0.0.0.0",
    "00.0.0.0",
    "::ffff:0:0",
    "0:0:0:0:0:0:0:0",
    "::0:0:0:0:0:0:0",
    "1:2:3:4:5:6::7",
    "ABCD:EF01::",
    "abcd:ef01::12345",
  ];
  let seed = 7;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed / 2 ** 32;
  };
  const alphabet = "0123456789abcdefABCDEFg:.%[] ";
  const mutated: string[] = [];
  for (let i = 0; i < 20_000; i++) {
    const base = edge[Math.floor(rand() * edge.length)]!;
    const chars = [...base];
    const edits = 1 + Math.floor(rand() * 3);
    for (let e = 0; e < edits; e++) {
      const at = Math.floor(rand() * (chars.length + 1));
      const c = alphabet[Math.floor(rand() * alphabet.length)]!;
      const op = rand();
      if (op < 0.4) chars.splice(at, 0, c);
      else if (op < 0.7) chars.splice(at, 1);
      else chars[at] = c;
    }
    mutated.push(chars.join(""));
  }
  for (const text of [...edge, ...mutated]) {
    const family = isIP(text);
    assert.equal(parseIPv4Value(text) >= 0, family === 4, `IPv4 ${JSON.stringify(text)}`);
    assert.equal(parseIPv6(text) !== undefined, family === 6 && !text.includes("%"), `IPv6 ${JSON.stringify(text)}`);
  }
});

test("CIDR: bare addresses, host bits cleared (and reported), IPv4-mapped ranges as IPv4, junk refused", () => {
  assert.equal(parseCidr("127.0.0.1").prefix, 32);
  assert.equal(parseCidr("::1").prefix, 128);
  const r = parseCidr("10.9.9.9/8");
  assert.equal(hex(r.bytes), "0a000000");
  assert.equal(r.hostBits, true);
  assert.equal(parseCidr("10.0.0.0/8").hostBits, false);
  assert.deepEqual([parseCidr("::ffff:127.0.0.0/104").family, parseCidr("::ffff:127.0.0.0/104").prefix], [4, 8]);
  assert.ok(cidrContains(parseCidr("2001:db8::/32"), parseIp("2001:db8::5")!));
  assert.ok(cidrContains(parseCidr("127.0.0.0/8"), parseIp("::ffff:127.0.0.1")!));
  assert.ok(!cidrContains(parseCidr("127.0.0.0/8"), parseIp("::1")!));
  for (const bad of ["", "127.0.0.0/33", "::/129", "1.2.3/8", "foo", "1.2.3.4/8/9", "1.2.3.4/-1"]) {
    assert.throws(() => parseCidr(bad), CidrError, bad);
  }
});

/**
 * The rule, pinned: every special-purpose range is undialable; geo_scope is `public` exactly where IANA says
 * "Globally Reachable" (or N/A: Teredo, 6to4, the deprecated 6to4 relay anycast), so those are looked up.
 * These are the rows the two old tables disagreed on.
 */
test("special-purpose table: dialable and geo_scope per row, AS112/AMT/6to4/Teredo settled deliberately", () => {
  for (const r of SPECIAL_RANGES) {
    assert.equal(r.dialable, false, r.cidr);
    if (r.globallyReachable === true) assert.equal(r.geoScope, "public", r.cidr);
    if (r.globallyReachable === false) assert.notEqual(r.geoScope, "public", r.cidr);
  }
  const pinned: [string, string, IpScope][] = [
    ["192.31.196.1", "192.31.196.0/24", "public"], // AS112-v4: anycast DNS sink, routed
    ["192.175.48.1", "192.175.48.0/24", "public"], // AS112 direct delegation
    ["192.52.193.1", "192.52.193.0/24", "public"], // AMT relays
    ["192.88.99.1", "192.88.99.0/24", "public"], // deprecated 6to4 relay anycast
    ["192.0.0.9", "192.0.0.9/32", "public"], // PCP anycast inside 192.0.0.0/24
    ["192.0.0.1", "192.0.0.0/24", "reserved"],
    ["2002:5102:458e::1", "2002::/16", "public"], // 6to4: MaxMind aliases the embedded IPv4 address
    ["2001:0:4136:e378::1", "2001::/32", "public"], // Teredo
    ["2001:3::1", "2001:3::/32", "public"], // AMT
    ["2001:4:112::1", "2001:4:112::/48", "public"], // AS112-v6
    ["2001:20::1", "2001:20::/28", "public"], // ORCHIDv2
    ["2001:2::1", "2001:2::/48", "reserved"], // benchmarking
    ["2001:10::1", "2001:10::/28", "reserved"], // deprecated ORCHID
    ["2001:100::1", "2001::/23", "reserved"], // unassigned part of the IETF block
    ["2620:4f:8000::1", "2620:4f:8000::/48", "public"],
    ["10.1.2.3", "10.0.0.0/8", "private"],
    ["127.0.0.1", "127.0.0.0/8", "loopback"],
    ["::1", "::1/128", "loopback"],
    ["fd00::1", "fc00::/7", "private"],
  ];
  const policy = DialPolicy.forNetwork("mainnet");
  for (const [address, cidr, scope] of pinned) {
    const ip = parseIp(address)!;
    assert.equal(specialRangeOf(ip)?.cidr, cidr, address);
    assert.equal(ip.family === 4 ? ipv4Scope(parseIPv4Value(address)) : ipv6Scope(parseIPv6(address)!), scope, address);
    assert.equal(policy.allows(address), false, `${address} is never dialled by a public crawl`);
  }
  // --cjdns carves CJDNS's fc00::/8 out of the undialable unique-local fc00::/7; fd00::/8 stays refused
  const cjdns = DialPolicy.forNetwork("mainnet", [], [], true);
  assert.deepEqual([cjdns.allows("fc00::1"), cjdns.allows("fd00::1"), cjdns.allows("10.0.0.1")], [true, false, false]);
  for (const ordinary of ["81.2.69.142", "8.8.8.8", "2a01:4f8::1", "2600::1"]) {
    assert.equal(specialRangeOf(parseIp(ordinary)!), undefined, ordinary);
    assert.equal(policy.allows(ordinary), true, ordinary);
  }
});

test("scopes: the first-octet/first-byte shortcut agrees with a plain longest-prefix scan of the table, at every edge", () => {
  const bitsEqual = (a: Uint8Array, b: Uint8Array, bits: number) => {
    for (let i = 0; i < bits; i++) if (((a[i >> 3]! ^ b[i >> 3]!) >> (7 - (i & 7))) & 1) return false;
    return true;
  };
  const rows = SPECIAL_RANGES.map((r) => ({ r, c: parseCidr(r.cidr) }));
  const oracle = (family: 4 | 6, bytes: Uint8Array): IpScope => {
    let best: { scope: IpScope; prefix: number } | undefined;
    for (const { r, c } of rows) {
      if (c.family === family && bitsEqual(bytes, c.bytes, c.prefix) && (best === undefined || c.prefix > best.prefix))
        best = { scope: r.geoScope, prefix: c.prefix };
    }
    return best?.scope ?? "public";
  };
  const u32 = (v: number) => Uint8Array.of(v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255);
  const probes4: number[] = [];
  for (let o = 0; o < 256; o++) probes4.push(o * 2 ** 24, o * 2 ** 24 + 0x00ffffff, o * 2 ** 24 + 0x00a1b2c3);
  for (const { c } of rows.filter(({ c }) => c.family === 4)) {
    const first = parseIPv4Value(c.text.split("/")[0]!);
    const mask = c.prefix === 0 ? 0 : (0xffffffff << (32 - c.prefix)) >>> 0;
    const last = (first | ~mask) >>> 0;
    probes4.push(first, last, (first - 1) >>> 0, (last + 1) >>> 0);
  }
  for (const v of probes4) assert.equal(ipv4Scope(v), oracle(4, u32(v)), `IPv4 ${u32(v).join(".")}`);
  const probes6: Uint8Array[] = [];
  for (let first = 0; first < 256; first++) {
    for (const fill of [0x00, 0x5a, 0xff]) probes6.push(Uint8Array.from({ length: 16 }, (_, i) => (i === 0 ? first : fill)));
  }
  for (const { c } of rows.filter(({ c }) => c.family === 6)) {
    const last = Uint8Array.from(c.bytes, (x, i) => (i * 8 + 8 <= c.prefix ? x : i * 8 >= c.prefix ? 0xff : x | (0xff >> (c.prefix - i * 8))));
    probes6.push(c.bytes, last);
  }
  for (const t of ["::ffff:10.1.2.3", "::ffff:127.0.0.1", "::ffff:81.2.69.142", "::fffe:1.2.3.4", "::2", "0:0:0:0:0:1:0:0"]) probes6.push(parseIPv6(t)!);
  for (const b of probes6) {
    const mapped = b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff;
    const want = mapped ? oracle(4, b.slice(12)) : oracle(6, b);
    assert.equal(ipv6Scope(b), want, `IPv6 ${hex(b)}`);
  }
});
