// Dial policy: CIDR parsing and matching for IPv4/IPv6, and the per-network defaults.
import { test } from "node:test";
import assert from "node:assert/strict";
import { DialPolicy, parseCidr, parseIp } from "../../stages/crawl/policy.ts";
import { UsageError } from "../../pipeline/errors.ts";

test("parseIp reads IPv4, IPv6 (compressed, embedded IPv4) and maps ::ffff:a.b.c.d to IPv4", () => {
  const hexOf = (text: string) => {
    const ip = parseIp(text);
    return ip === undefined ? undefined : `${ip.family}:${Buffer.from(ip.bytes).toString("hex")}`;
  };
  assert.equal(hexOf("127.0.0.1"), "4:7f000001");
  assert.equal(hexOf("::1"), "6:00000000000000000000000000000001");
  assert.equal(hexOf("[::1]"), "6:00000000000000000000000000000001");
  assert.equal(hexOf("2001:db8::1:0"), "6:20010db8000000000000000000010000");
  assert.equal(hexOf("::ffff:10.1.2.3"), "4:0a010203");
  assert.equal(hexOf("64:ff9b::192.0.2.33"), "6:0064ff9b0000000000000000c0000221");
  assert.equal(parseIp("fe80::1%eth0"), undefined);
  assert.equal(parseIp("example.onion"), undefined);
  assert.equal(parseIp("256.1.1.1"), undefined);
});

test("parseCidr accepts bare addresses and prefixes, rejects junk with a UsageError naming the flag", () => {
  assert.equal(parseCidr("127.0.0.1").prefix, 32);
  assert.equal(parseCidr("::1").prefix, 128);
  assert.deepEqual([...parseCidr("10.0.0.0/8").bytes], [10, 0, 0, 0]);
  assert.deepEqual([...parseCidr("10.9.9.9/8").bytes], [10, 0, 0, 0]);
  assert.equal(parseCidr("::ffff:127.0.0.0/104").family, 4);
  for (const bad of ["", "127.0.0.0/33", "::/129", "1.2.3/8", "foo", "1.2.3.4/8/9", "1.2.3.4/-1"]) {
    assert.throws(
      () => parseCidr(bad, "--dial-allow"),
      (e: unknown) => e instanceof UsageError && /--dial-allow/.test(e.message),
    );
  }
});

test("loopback-only policy allows 127/8 and ::1, nothing else", () => {
  const p = DialPolicy.of(["127.0.0.0/8", "::1/128"], []);
  for (const a of ["127.0.0.1", "127.255.3.4", "::1", "::ffff:127.0.0.9"]) assert.ok(p.allows(a), a);
  for (const a of ["128.0.0.1", "10.0.0.1", "8.8.8.8", "::2", "2001:db8::1", "abc.onion", "::"]) assert.ok(!p.allows(a), a);
  assert.ok(p.isLoopbackOnly());
  assert.ok(!DialPolicy.of(["0.0.0.0/0"], []).isLoopbackOnly());
  assert.ok(DialPolicy.of(["127.0.0.0/24", "127.1.0.0/16"], []).isLoopbackOnly());
});

test("regtest and simnet default to loopback only", () => {
  for (const net of ["regtest", "simnet"]) {
    const p = DialPolicy.forNetwork(net);
    assert.ok(p.isLoopbackOnly());
    assert.ok(p.allows("127.0.0.5"));
    assert.ok(!p.allows("1.1.1.1"));
  }
});

test("public networks default to public unicast: private, loopback, CGNAT, link-local, multicast, docs, reserved denied", () => {
  const p = DialPolicy.forNetwork("mainnet");
  const denied = [
    "0.1.2.3",
    "10.1.1.1",
    "100.64.0.1",
    "100.127.255.255",
    "127.0.0.1",
    "169.254.1.1",
    "172.16.0.1",
    "172.31.255.1",
    "192.0.0.8",
    "192.0.2.1",
    "192.168.1.1",
    "198.18.0.1",
    "198.19.255.1",
    "198.51.100.7",
    "203.0.113.9",
    "224.0.0.1",
    "239.255.255.250",
    "240.0.0.1",
    "255.255.255.255",
    "::1",
    "::",
    "fe80::1",
    "fc00::1",
    "fd12::1",
    "ff02::1",
    "2001:db8::1",
    "2001::1",
    "2002:c000:204::1",
    "3fff::1",
    "::ffff:10.0.0.1",
    "64:ff9b::1.2.3.4",
    "100::1",
  ];
  for (const a of denied) assert.ok(!p.allows(a), `${a} must be denied`);
  const allowed = ["1.1.1.1", "8.8.8.8", "100.63.255.255", "100.128.0.1", "172.15.0.1", "172.32.0.1", "2a01:4f8::1", "2600::1", "::ffff:8.8.4.4"];
  for (const a of allowed) assert.ok(p.allows(a), `${a} must be allowed`);
  assert.ok(!p.isLoopbackOnly());
});

test("an explicit allow list replaces the defaults; an explicit deny list is always subtracted", () => {
  const p = DialPolicy.forNetwork("mainnet", ["127.0.0.0/8,::1"], ["127.0.0.9/32"]);
  assert.ok(p.allows("127.0.0.1"));
  assert.ok(!p.allows("127.0.0.9"));
  assert.ok(!p.allows("8.8.8.8"));
  assert.ok(p.isLoopbackOnly());
  const q = DialPolicy.forNetwork("mainnet", [], ["8.8.8.0/24"]);
  assert.ok(!q.allows("8.8.8.8"));
  assert.ok(q.allows("8.8.4.4"));
  assert.ok(!q.allows("10.0.0.1"));
  const r = DialPolicy.forNetwork("regtest", [], ["127.0.0.2"]);
  assert.ok(!r.allows("127.0.0.2"));
  assert.ok(r.allows("127.0.0.3"));
  assert.match(p.describe(), /^allow 127\.0\.0\.0\/8,::1 deny 127\.0\.0\.9\/32$/);
});
