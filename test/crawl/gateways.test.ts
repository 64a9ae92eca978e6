// Routing of every network type, the per-gateway caps, healthy-first proxy choice, per-session credentials, and
// the SAM reply parser, as plain units.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Gateways } from "../../stages/crawl/gateways.ts";
import { DialPolicy } from "../../stages/crawl/policy.ts";
import { parseSamAddress, parseSamReply, SamSession } from "../../stages/crawl/sam.ts";
import { UsageError } from "../../pipeline/errors.ts";

const ONION = "pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd.onion";
const I2P = "ukeu3k5oycgaauneqgtnvselmt4yemvoilkln7jpvamvfx7dnkdq.b32.i2p";
const CJDNS = "fc32:17ea:e415:c3bf:9808:149d:b5a2:c9aa";

test("without gateways overlays are unsupported_network; with them onion goes to tor, I2P (port 0 only) to SAM", () => {
  const policy = DialPolicy.forNetwork("simnet");
  const none = new Gateways([], undefined, 4);
  assert.deepEqual(none.route({ networkType: "onion_v3", address: ONION, port: 8333 }, policy).kind, "record");
  const i2p = none.route({ networkType: "i2p", address: I2P, port: 0 }, policy);
  assert.ok(i2p.kind === "record" && i2p.outcome === "unsupported_network" && /--i2p-sam/.test(i2p.detail));
  const g = new Gateways([{ host: "127.0.0.1", port: 9050 }], new SamSession({ host: "127.0.0.1", port: 7656 }), 4);
  assert.deepEqual(g.route({ networkType: "onion_v3", address: ONION, port: 8333 }, policy), { kind: "dial", via: "tor" });
  assert.deepEqual(g.route({ networkType: "i2p", address: I2P, port: 0 }, policy), { kind: "dial", via: "i2p" });
  const ported = g.route({ networkType: "i2p", address: I2P, port: 8333 }, policy);
  assert.ok(ported.kind === "record" && ported.outcome === "not_dialed");
  assert.equal(g.route({ networkType: "onion_v2", address: "expyuzz4wqqyqhjn.onion", port: 8333 }, policy).kind, "record");
  g.close();
});

test("--cjdns adds fc00::/8 to the policy: CJDNS peers are dialled directly only then", () => {
  const g = new Gateways([], undefined, 4);
  const item = { networkType: "cjdns" as const, address: CJDNS, port: 8333 };
  assert.equal(g.route(item, DialPolicy.forNetwork("mainnet")).kind, "record");
  assert.deepEqual(g.route(item, DialPolicy.forNetwork("mainnet", [], [], true)), { kind: "dial", via: "direct" });
  assert.ok(DialPolicy.forNetwork("mainnet", [], [], true).allows("8.8.8.8")); // the public default stays
  assert.ok(!DialPolicy.forNetwork("mainnet", [], [], true).allows("10.0.0.1"));
  assert.ok(DialPolicy.forNetwork("simnet", [], [], true).allows(CJDNS));
});

test("sessions spread over the proxies under each one's cap; a failed proxy is avoided while another is healthy", () => {
  const g = new Gateways(
    [
      { host: "127.0.0.1", port: 1 },
      { host: "127.0.0.1", port: 2 },
    ],
    undefined,
    2,
  );
  const a = g.acquire("tor")!;
  const b = g.acquire("tor")!;
  assert.notEqual(a, b); // least loaded first
  g.acquire("tor");
  g.acquire("tor");
  assert.equal(g.acquire("tor"), undefined); // 2 × 2 in flight
  assert.equal(g.hasRoom("tor"), false);
  g.release(a, "proxy_error", "SOCKS5 proxy 127.0.0.1:1 unreachable");
  assert.equal(a.healthy, false);
  assert.equal(g.hasRoom("tor"), false); // a has room but b is healthy: wait for b
  g.release(b, "timeout", null);
  assert.equal(g.acquire("tor"), b);
  g.release(b, "ok", null);
  const c1 = g.nextCredential();
  const c2 = g.nextCredential();
  assert.notEqual(c1.username, c2.username);
  assert.equal(g.acquire("i2p"), undefined); // no SAM bridge
});

test("SAM replies are parsed like Core does, with quoted values; bridge addresses are checked", () => {
  const r = parseSamReply('STREAM STATUS RESULT=I2P_ERROR MESSAGE="Session was closed"');
  assert.equal(r.topic, "STREAM");
  assert.equal(r.verb, "STATUS");
  assert.equal(r.keys.get("RESULT"), "I2P_ERROR");
  assert.equal(r.keys.get("MESSAGE"), "Session was closed");
  assert.equal(parseSamReply("HELLO REPLY RESULT=OK VERSION=3.1").keys.get("VERSION"), "3.1");
  assert.deepEqual(parseSamAddress("127.0.0.1:7656"), { host: "127.0.0.1", port: 7656 });
  assert.deepEqual(parseSamAddress("localhost"), { host: "127.0.0.1", port: 7656 });
  assert.deepEqual(parseSamAddress("[::1]:7000"), { host: "::1", port: 7000 });
  assert.throws(() => parseSamAddress("i2p.example:7656"), UsageError);
});
