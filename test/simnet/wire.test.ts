// Real sockets against honest simnet peers, with a hand-rolled client through the codec: the handshake,
// the self-announcement before the reply, the exact reply of the ground truth, addrv2 only after
// sendaddrv2, one getaddr per connection, old peers without the relay byte.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import type { PeerAddress } from "../../lib/bitcoin/index.ts";
import { groundTruthPeer } from "../../tools/simnet/ground-truth.ts";
import { SimnetModel } from "../../tools/simnet/model.ts";
import { resolveConfig } from "../../tools/simnet/options.ts";
import { handshake } from "./client.ts";
import { dialPeer, findPeer, hostPeers } from "./helpers.ts";

const model = new SimnetModel(resolveConfig({ nodes: 20_000, seed: 11, base: "127.62.0.0", epoch: 1_717_200_000, replyDelayMs: 20 }));
const honest = (pred: (i: number) => boolean) => findPeer(model, (i) => model.behaviour(i) === "honest" && pred(i));
const modern = honest((i) => model.version(i).protocolVersion === 70016 && replyHasOverlay(i));
const modern2 = honest((i) => i > modern && model.version(i).protocolVersion === 70016);
const v70015 = honest((i) => model.version(i).protocolVersion === 70015);
const ancient = honest((i) => model.version(i).protocolVersion < 70001);
let served: { close(): Promise<void> };

function replyHasOverlay(i: number): boolean {
  return groundTruthPeer(model, i).advertises.some(([t]) => t === "onion_v3" || t === "i2p" || t === "cjdns");
}

const tuple = (e: PeerAddress) => [e.networkType, e.address, e.port, e.services.toString(), e.time];

before(async () => {
  served = await hostPeers(model, [modern, modern2, v70015, ancient]);
});
after(async () => {
  await served.close();
});

test("a 70016 peer: Core's handshake, its exact version record, then self-announcement and the ground-truth reply in addrv2", async () => {
  const truth = groundTruthPeer(model, modern);
  const c = await dialPeer(model, modern);
  try {
    await handshake(c, { addrv2: true });
    await c.until((t) => t.messages.some((m) => m.command === "feefilter"));
    assert.deepEqual(c.commands(), ["version", "wtxidrelay", "sendaddrv2", "verack", "sendheaders", "sendcmpct", "ping", "feefilter"]);
    const v = c.of("version")[0]!;
    assert.equal(v.version, truth.version.protocol_version);
    assert.equal(v.services.toString(), truth.version.services);
    assert.equal(v.userAgent, truth.version.user_agent);
    assert.equal(v.startHeight, truth.version.start_height);
    assert.equal(v.relay, truth.version.relay);
    assert.equal(v.receiver.address, "127.0.0.1");
    assert.equal(v.receiver.port, c.socket.localPort);
    assert.ok(Math.abs(Number(v.timestamp) - (Date.now() / 1000 + truth.clock_skew_s)) < 5);
    c.send({ command: "getaddr" });
    await c.until((t) => t.messages.filter((m) => m.command === "addrv2").length >= 2);
    const [self, reply] = c.of("addrv2");
    assert.equal(self!.entries.length, 1);
    assert.deepEqual(
      [self!.entries[0]!.address, self!.entries[0]!.port, self!.entries[0]!.services.toString()],
      [truth.address, truth.port, truth.version.services],
    );
    assert.deepEqual(reply!.entries.map(tuple), truth.advertises);
    assert.equal(reply!.entries.length, Math.min(1000, Math.floor(truth.known * 0.23 + 1e-9)));
    assert.equal(c.of("addr").length, 0, "no legacy addr once addrv2 was negotiated");
  } finally {
    c.close();
  }
});

test("without sendaddrv2 the same peer answers in legacy addr, leaving out TorV3/I2P/CJDNS", async () => {
  const truth = groundTruthPeer(model, modern);
  const c = await dialPeer(model, modern);
  try {
    await handshake(c, { addrv2: false });
    c.send({ command: "getaddr" });
    await c.until((t) => t.messages.filter((m) => m.command === "addr").length >= 2);
    const reply = c.of("addr")[1]!;
    const legacy = truth.advertises.filter(([t]) => t === "ipv4" || t === "ipv6");
    assert.ok(legacy.length < truth.advertises.length);
    assert.deepEqual(reply.entries.map(tuple), legacy);
    assert.equal(c.of("addrv2").length, 0);
  } finally {
    c.close();
  }
});

test("sendaddrv2 after verack is ignored, and a second connection gets the same cached reply", async () => {
  const truth = groundTruthPeer(model, modern2);
  const c = await dialPeer(model, modern2);
  try {
    await handshake(c, { addrv2: false });
    c.send({ command: "sendaddrv2" }, { command: "getaddr" });
    await c.until((t) => t.messages.filter((m) => m.command === "addr").length >= 2);
    assert.equal(c.of("addrv2").length, 0);
    assert.deepEqual(
      c.of("addr")[1]!.entries.map(tuple),
      truth.advertises.filter(([t]) => t === "ipv4" || t === "ipv6"),
    );
  } finally {
    c.close();
  }
});

test("one getaddr per connection, and none before verack; pings get pongs", async () => {
  const c = await dialPeer(model, modern2);
  try {
    c.send({ command: "version", version: 70016, services: 0n, timestamp: 0n, receiver: { services: 0n, address: "0.0.0.0", networkType: "ipv4", port: 0 } });
    await c.until((t) => t.messages.some((m) => m.command === "verack"));
    c.send({ command: "getaddr" }); // before our verack: Core ignores it
    await c.idle(150);
    assert.equal(c.of("addr").length, 0);
    c.send({ command: "verack" }, { command: "ping", nonce: 77n }, { command: "getaddr" });
    await c.until((t) => t.messages.filter((m) => m.command === "addr").length >= 2);
    assert.deepEqual(
      c.of("pong").map((p) => p.nonce),
      [77n],
    );
    c.send({ command: "getaddr" }, { command: "ping", nonce: 78n });
    await c.until((t) => t.messages.some((m) => m.command === "pong" && m.nonce === 78n)); // the peer has read that getaddr
    assert.equal(c.of("addr").length, 2, "the second getaddr is not answered");
  } finally {
    c.close();
  }
});

test("a 70015 client gets neither wtxidrelay nor sendaddrv2, and its sendaddrv2 is not honoured", async () => {
  const c = await dialPeer(model, modern);
  try {
    await handshake(c, { addrv2: true, version: 70015 });
    c.send({ command: "getaddr" });
    await c.until((t) => t.messages.filter((m) => m.command === "addr" || m.command === "addrv2").length >= 2);
    assert.deepEqual(c.commands().slice(0, 2), ["version", "verack"]);
    assert.ok(!c.commands().includes("sendaddrv2") && !c.commands().includes("wtxidrelay"));
    assert.ok(!c.commands().includes("sendheaders"), "pre-70016 sessions skip the post-handshake announcements");
  } finally {
    c.close();
  }
});

test("a 70015 peer never speaks addrv2 and never advertises overlay networks", async () => {
  const truth = groundTruthPeer(model, v70015);
  assert.equal(truth.addrv2, false);
  assert.ok(truth.advertises.every(([t]) => t === "ipv4" || t === "ipv6"));
  const c = await dialPeer(model, v70015);
  try {
    await handshake(c, { addrv2: true });
    c.send({ command: "getaddr" });
    await c.until((t) => t.messages.filter((m) => m.command === "addr").length >= 2);
    assert.deepEqual(c.commands().slice(0, 2), ["version", "verack"]);
    assert.equal(c.of("addrv2").length, 0);
    assert.deepEqual(c.of("addr")[1]!.entries.map(tuple), truth.advertises);
  } finally {
    c.close();
  }
});

test("a pre-70001 peer's version message ends before the relay byte", async () => {
  const truth = groundTruthPeer(model, ancient);
  assert.equal(truth.version.relay, null);
  const c = await dialPeer(model, ancient);
  try {
    await handshake(c);
    const v = c.of("version")[0]!;
    assert.equal(v.version, truth.version.protocol_version);
    assert.equal(v.userAgent, truth.version.user_agent);
    assert.equal(v.startHeight, truth.version.start_height);
    assert.equal(v.relay, undefined);
  } finally {
    c.close();
  }
});
