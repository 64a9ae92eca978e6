// DNS seeding against a real DNS server the test starts on loopback.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseDnsServer, resolveHosts } from "../../stages/crawl/dns.ts";
import { UsageError } from "../../pipeline/errors.ts";
import { startDnsServer } from "./helpers/dns-server.ts";

test("resolveHosts asks the given server for A and AAAA of every seed host", async () => {
  const dns = await startDnsServer({
    "seed.one.test": { A: ["127.0.1.1", "127.0.1.2"], AAAA: ["::1"] },
    "seed.two.test": { A: ["127.0.1.3"] },
  });
  try {
    const result = await resolveHosts(["seed.one.test", "seed.two.test", "missing.test"], { server: dns.server, timeoutMs: 1000, tries: 1 });
    const got = result.addresses.map((a) => `${a.seedHost} ${a.networkType} ${a.address}`).sort();
    assert.deepEqual(got, ["seed.one.test ipv4 127.0.1.1", "seed.one.test ipv4 127.0.1.2", "seed.one.test ipv6 ::1", "seed.two.test ipv4 127.0.1.3"]);
    // the missing host fails (NXDOMAIN) as a logged failure line, never an exception
    assert.ok(
      result.failures.some((f) => f.startsWith("missing.test A:")),
      result.failures.join("\n"),
    );
    const asked = dns.queries.map((q) => `${q.name} ${q.type}`).sort();
    assert.ok(asked.includes("seed.one.test A") && asked.includes("seed.one.test AAAA") && asked.includes("seed.two.test AAAA"));
  } finally {
    await dns.close();
  }
});

test("a silent DNS server yields failure lines within the timeout", async () => {
  const { createSocket } = await import("node:dgram");
  const silent = createSocket("udp4");
  await new Promise<void>((r) => silent.bind(0, "127.0.0.54", () => r()));
  try {
    const t0 = Date.now();
    const result = await resolveHosts(["seed.test"], { server: `127.0.0.54:${silent.address().port}`, timeoutMs: 200, tries: 1 });
    assert.equal(result.addresses.length, 0);
    assert.equal(result.failures.length, 2);
    assert.ok(Date.now() - t0 < 5000);
  } finally {
    silent.close();
  }
});

test("parseDnsServer accepts IP[:PORT] and [v6]:PORT, never a name", () => {
  assert.equal(parseDnsServer("127.0.0.1"), "127.0.0.1");
  assert.equal(parseDnsServer("127.0.0.1:5353"), "127.0.0.1:5353");
  assert.equal(parseDnsServer("::1"), "::1");
  assert.equal(parseDnsServer("[::1]:53"), "[::1]:53");
  for (const bad of ["dns.google", "dns.google:53", "127.0.0.1:0", "127.0.0.1:70000", ""]) {
    assert.throws(() => parseDnsServer(bad), UsageError, bad);
  }
});
