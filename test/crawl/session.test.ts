// The peer conversation against scripted peers over real loopback sockets: handshake variants and the reply rule.
import { test } from "node:test";
import assert from "node:assert/strict";
import { runSession, type SessionOptions, USER_AGENT } from "../../stages/crawl/session.ts";
import { handshake, ipv4Entries, MAGIC, startScriptedPeer, type ScriptedPeer } from "./helpers/scripted-peer.ts";
import { parseProxy } from "../../stages/crawl/socks5.ts";
import { startSocksServer } from "./helpers/socks-server.ts";
import type { PeerAddress, VersionMessage } from "../../lib/bitcoin/index.ts";

const OPTS: SessionOptions = {
  magic: MAGIC,
  connectTimeoutMs: 2000,
  handshakeTimeoutMs: 3000,
  getaddrTimeoutMs: 5000,
  replyRule: { smallMax: 10, continuationGraceMs: 300, smallReplyGraceMs: 300 },
};

function target(p: ScriptedPeer) {
  return { address: p.host, port: p.port, networkType: "ipv4" as const };
}

async function withPeer(host: string, script: Parameters<typeof startScriptedPeer>[1], body: (p: ScriptedPeer) => Promise<void>) {
  const peer = await startScriptedPeer(host, script);
  try {
    await body(peer);
    assert.deepEqual(peer.scriptErrors, []);
  } finally {
    await peer.close();
  }
}

test("an old peer (60002) without the relay byte: handshake works, relay is null, no sendaddrv2/wtxidrelay sent", async () => {
  await withPeer(
    "127.0.2.1",
    async (c) => {
      await handshake(c, { version: 60002, userAgent: "/Satoshi:0.8.6/", relay: undefined }); // payload ends before relay
      await c.waitFor("getaddr");
      c.send({ command: "addr", entries: ipv4Entries(20) });
    },
    async (peer) => {
      const r = await runSession(target(peer), OPTS);
      assert.equal(r.outcome, "ok", r.detail ?? "");
      assert.deepEqual(r.version, {
        protocolVersion: 60002,
        services: 0x409n,
        userAgent: "/Satoshi:0.8.6/",
        userAgentHex: Buffer.from("/Satoshi:0.8.6/").toString("hex"),
        startHeight: 123,
        relay: null,
        peerTime: 1_700_000_000n,
      });
      assert.equal(r.entries.length, 20);
      assert.equal(r.addrsReceived, 20);
      assert.equal(r.addrMessages, 1);
      const c = peer.connections[0]!;
      assert.deepEqual(c.commands, ["version", "verack", "getaddr"]);
      const v = c.received[0] as VersionMessage;
      assert.equal(v.version, 70016);
      assert.equal(v.userAgent, USER_AGENT);
      assert.match(USER_AGENT, /^\/fluxture:\d+\.\d+\.\d+\/$/);
      assert.equal(v.relay, false);
      assert.deepEqual({ address: v.receiver.address, port: v.receiver.port }, { address: "127.0.2.1", port: peer.port });
      assert.ok(r.connectMs !== null && r.handshakeMs !== null && r.getaddrMs !== null);
    },
  );
});

test("a 70016 peer gets sendaddrv2 and wtxidrelay before our verack, and its addrv2 reply is recorded", async () => {
  await withPeer(
    "127.0.2.2",
    async (c) => {
      await handshake(c);
      await c.waitFor("getaddr");
      c.send({ command: "addrv2", entries: ipv4Entries(50), skipped: 0 });
    },
    async (peer) => {
      const r = await runSession(target(peer), OPTS);
      assert.equal(r.outcome, "ok", r.detail ?? "");
      const cmds = peer.connections[0]!.commands;
      assert.deepEqual(cmds, ["version", "sendaddrv2", "wtxidrelay", "verack", "getaddr"]);
      assert.equal(r.entries.length, 50);
      assert.ok(r.entryMessages.length === 50 && r.entryMessages.every((m) => m === "addrv2"));
      assert.equal(r.version?.relay, true);
    },
  );
});

test("an unknown command (and inv/feefilter/sendcmpct) mid-handshake is skipped", async () => {
  await withPeer(
    "127.0.2.3",
    async (c) => {
      await c.waitFor("version");
      c.send({ command: "unknown", rawCommand: "xversion", payload: new Uint8Array([1, 2, 3, 4]) });
      c.send({ command: "version", version: 70016, services: 1n, timestamp: 5n, receiver: { services: 0n, address: "::", networkType: "ipv6", port: 0 } });
      c.send({ command: "sendcmpct", announce: false, version: 2n });
      c.send({ command: "unknown", rawCommand: "mystery", payload: new Uint8Array(100) });
      c.send({ command: "verack" });
      c.send({ command: "feefilter", feeRate: 1000n });
      c.send({ command: "sendheaders" });
      await c.waitFor("getaddr");
      c.send({ command: "inv", items: [{ type: 1, hash: new Uint8Array(32) }] });
      c.send({ command: "addr", entries: ipv4Entries(11) });
    },
    async (peer) => {
      const r = await runSession(target(peer), OPTS);
      assert.equal(r.outcome, "ok", r.detail ?? "");
      assert.equal(r.entries.length, 11);
      assert.deepEqual(r.version, { protocolVersion: 70016, services: 1n, userAgent: null, userAgentHex: null, startHeight: null, relay: null, peerTime: 5n });
    },
  );
});

test("a self-announcement (before and after getaddr) is not the reply: the 1000-entry reply that follows is", async (t) => {
  const host = "127.0.2.4";
  // the session's clock is the test's: its graces fire only when the script advances time, never by racing the machine
  t.mock.timers.enable({ apis: ["setTimeout"] });
  await withPeer(
    host,
    async (c) => {
      await handshake(c);
      const self: PeerAddress = { networkType: "ipv4", address: host, port: 18444, services: 0x409n, time: 1_700_000_000 };
      c.send({ command: "addr", entries: [self] }); // typically lands before our getaddr
      await c.waitFor("getaddr");
      c.send({ command: "addr", entries: [self] });
      await c.sync(1n); // the crawler has read both self-announcements
      t.mock.timers.tick(700); // longer than every grace of OPTS: only the rule keeps the session waiting
      c.send({ command: "addr", entries: ipv4Entries(1000) });
      await c.sync(2n); // the crawler has read the reply
      t.mock.timers.tick(300); // the continuation grace after a 1000-entry message ends it
    },
    async (peer) => {
      const r = await runSession(target(peer), OPTS);
      assert.equal(r.outcome, "ok", r.detail ?? "");
      assert.equal(r.addrMessages, 3);
      assert.equal(r.addrsReceived, 1002);
      assert.equal(r.entries.length, 1001); // the self entry once, plus the 1000 of the reply
      const reply = new Set(ipv4Entries(1000).map((e) => e.address));
      assert.equal(r.entries.filter((e) => reply.has(e.address)).length, 1000);
    },
  );
});

test("a peer that announces only itself and never replies ends as no_addr_reply at the getaddr timeout, entries kept", async () => {
  const host = "127.0.2.5";
  await withPeer(
    host,
    async (c) => {
      await handshake(c);
      await c.waitFor("getaddr");
      c.send({ command: "addr", entries: [{ networkType: "ipv4", address: host, port: 18444, services: 1n, time: 1 }] });
    },
    async (peer) => {
      const r = await runSession(target(peer), { ...OPTS, getaddrTimeoutMs: 600 });
      assert.equal(r.outcome, "no_addr_reply");
      assert.match(r.detail ?? "", /no getaddr reply within 600 ms/);
      assert.equal(r.entries.length, 1);
      assert.equal(r.version?.userAgent, "/Satoshi:27.0.0/");
      assert.equal(r.getaddrMs, null);
    },
  );
});

test("an addrv2 reply with TorV3, I2P, CJDNS, IPv6 and IPv4 entries keeps every network type", async () => {
  const onion = "pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd.onion";
  const i2p = "ukeu3k5oycgaauneqgtnvselmt4yemvoilkln7jpvamvfx7dnkdq.b32.i2p";
  const entries: PeerAddress[] = [
    { networkType: "onion_v3", address: onion, port: 8333, services: 0x409n, time: 1_700_000_001 },
    { networkType: "i2p", address: i2p, port: 0, services: 0x409n, time: 1_700_000_002 },
    { networkType: "cjdns", address: "fc32:17ea:e415:c3bf:9808:149d:b5a2:c9aa", port: 8333, services: 0x409n, time: 1_700_000_003 },
    { networkType: "ipv6", address: "2001:db8::1", port: 8333, services: 1n, time: 1_700_000_004 },
    { networkType: "ipv4", address: "127.9.9.9", port: 8333, services: 1n, time: 1_700_000_005 },
  ];
  await withPeer(
    "127.0.2.6",
    async (c) => {
      await handshake(c);
      await c.waitFor("getaddr");
      c.send({ command: "addrv2", entries, skipped: 0 });
    },
    async (peer) => {
      const r = await runSession(target(peer), OPTS);
      assert.equal(r.outcome, "ok", r.detail ?? "");
      assert.deepEqual(
        r.entries.map((e, i) => [e.networkType, e.address, e.port, e.services, e.time, r.entryMessages[i]]),
        entries.map((e) => [e.networkType, e.address, e.port, e.services, e.time, "addrv2"]),
      );
    },
  );
});

test("a small reply completes after the small-reply grace; an old node's 1000+1000+500 chunks are all kept", async () => {
  await withPeer(
    "127.0.2.7",
    async (c) => {
      await handshake(c);
      await c.waitFor("getaddr");
      c.send({ command: "addr", entries: ipv4Entries(3, "127.78") });
    },
    async (peer) => {
      const r = await runSession(target(peer), OPTS);
      assert.equal(r.outcome, "ok", r.detail ?? "");
      assert.equal(r.entries.length, 3);
    },
  );
  await withPeer(
    "127.0.2.8",
    async (c) => {
      await handshake(c);
      await c.waitFor("getaddr");
      const all = ipv4Entries(2500, "127.79");
      c.send({ command: "addr", entries: all.slice(0, 1000) });
      c.send({ command: "addr", entries: all.slice(1000, 2000) });
      c.send({ command: "addr", entries: all.slice(2000) });
    },
    async (peer) => {
      // a continuation grace no busy machine can outlast: the 500-entry last chunk, not a timer, ends the reply
      const r = await runSession(target(peer), { ...OPTS, replyRule: { smallMax: 10, continuationGraceMs: 60_000, smallReplyGraceMs: 300 } });
      assert.equal(r.outcome, "ok", r.detail ?? "");
      assert.equal(r.entries.length, 2500);
      assert.equal(r.addrMessages, 3);
    },
  );
});

test("a peer that closes right after its reply is ok; one that handshakes and closes is no_addr_reply", async () => {
  await withPeer(
    "127.0.2.9",
    async (c) => {
      await handshake(c);
      await c.waitFor("getaddr");
      c.send({ command: "addr", entries: ipv4Entries(2) });
      c.socket.end();
    },
    async (peer) => {
      const r = await runSession(target(peer), OPTS);
      assert.equal(r.outcome, "ok", r.detail ?? "");
      assert.equal(r.entries.length, 2);
    },
  );
  await withPeer(
    "127.0.2.10",
    async (c) => {
      await handshake(c);
      await c.waitFor("getaddr");
      c.socket.end();
    },
    async (peer) => {
      const r = await runSession(target(peer), OPTS);
      assert.equal(r.outcome, "no_addr_reply");
      assert.match(r.detail ?? "", /closed by peer before the getaddr reply/);
      assert.equal(r.version?.protocolVersion, 70016);
    },
  );
});

test("an onion peer is reached through the SOCKS5 proxy by name", async () => {
  const onion = "pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd.onion";
  await withPeer(
    "127.0.2.11",
    async (c) => {
      await handshake(c);
      await c.waitFor("getaddr");
      c.send({ command: "addr", entries: ipv4Entries(12) });
    },
    async (peer) => {
      const proxy = await startSocksServer(() => ({ host: peer.host, port: peer.port }));
      try {
        const r = await runSession({ address: onion, port: 8333, networkType: "onion_v3" }, { ...OPTS, proxy: parseProxy(proxy.url) });
        assert.equal(r.outcome, "ok", r.detail ?? "");
        assert.equal(r.entries.length, 12);
        assert.deepEqual(proxy.requests, [{ atyp: 3, host: onion, port: 8333 }]);
        const v = peer.connections[0]!.received[0] as VersionMessage;
        assert.equal(v.receiver.address, "::"); // TorV3 has no legacy form: the receiver field is left empty
      } finally {
        await proxy.close();
      }
    },
  );
});
