// The reply rule by order on the wire (issue 19, finding 3): an addr that arrives with the peer's verack, or whose
// first bytes arrive before our getaddr was written, was sent before the peer could have seen getaddr, so it is
// never the reply, whenever it is parsed. Real loopback sockets; the peer writes the coalesced bytes in one write.
import { test } from "node:test";
import assert from "node:assert/strict";
import { runSession, type SessionOptions } from "../../stages/crawl/session.ts";
import { addrRows } from "../../stages/crawl/rows.ts";
import { encodeFrame } from "../../lib/bitcoin/index.ts";
import { ipv4Entries, MAGIC, peerVersion, startScriptedPeer, type PeerConn, type ScriptedPeer } from "./helpers/scripted-peer.ts";

const OPTS: SessionOptions = {
  magic: MAGIC,
  connectTimeoutMs: 2000,
  handshakeTimeoutMs: 3000,
  getaddrTimeoutMs: 5000,
  replyRule: { smallMax: 10, continuationGraceMs: 300, smallReplyGraceMs: 300 },
};

const frame = (m: Parameters<typeof encodeFrame>[1]) => encodeFrame(MAGIC, m);
const gossip = ipv4Entries(20, "127.88");
const reply = ipv4Entries(300, "127.77");

/** version + verack + `tail` in a single TCP write, as a peer whose gossip is coalesced with its verack sends it. */
async function coalescedHandshake(c: PeerConn, tail: Uint8Array): Promise<void> {
  await c.waitFor("version");
  c.sendRaw(Buffer.concat([frame(peerVersion()), frame({ command: "verack" }), tail]));
}

async function withPeer(host: string, script: (c: PeerConn) => Promise<void>, body: (p: ScriptedPeer) => Promise<void>) {
  const peer = await startScriptedPeer(host, script);
  try {
    await body(peer);
    assert.deepEqual(peer.scriptErrors, []);
  } finally {
    await peer.close();
  }
}

const target = (p: ScriptedPeer) => ({ address: p.host, port: p.port, networkType: "ipv4" as const });

test("an addr in the same chunk as the peer's verack is unsolicited; the real 300-entry reply after getaddr is the reply", async () => {
  await withPeer(
    "127.0.3.1",
    async (c) => {
      await coalescedHandshake(c, frame({ command: "addr", entries: gossip }));
      await c.waitFor("getaddr");
      c.send({ command: "addr", entries: reply });
    },
    async (peer) => {
      const r = await runSession(target(peer), OPTS);
      assert.equal(r.outcome, "ok", r.detail ?? "");
      assert.equal(r.addrMessages, 2);
      assert.equal(r.entries.length, 320);
      const rows = addrRows({ ...target(peer), source: "seed_arg", depth: 0 }, r);
      assert.equal(rows.filter((a) => a.in_reply).length, 300);
      assert.ok(rows.filter((a) => a.address.startsWith("127.88.")).every((a) => !a.in_reply));
      assert.ok(rows.filter((a) => a.address.startsWith("127.77.")).every((a) => a.in_reply));
      assert.ok(r.getaddrMs !== null);
    },
  );
});

test("an empty addr coalesced with verack does not yield ok: without a reply the visit is no_addr_reply", async () => {
  await withPeer(
    "127.0.3.2",
    async (c) => {
      await coalescedHandshake(c, frame({ command: "addr", entries: [] }));
      await c.waitFor("getaddr");
    },
    async (peer) => {
      const r = await runSession(target(peer), { ...OPTS, getaddrTimeoutMs: 400 });
      assert.equal(r.outcome, "no_addr_reply", r.detail ?? "");
      assert.equal(r.addrMessages, 1);
      assert.equal(r.getaddrMs, null);
    },
  );
});

test("an addr whose first bytes arrived before getaddr was written is unsolicited even though it is parsed after", async () => {
  const gossipFrame = frame({ command: "addr", entries: ipv4Entries(50, "127.88") });
  const cut = 40; // header and a few payload bytes now, the rest after our getaddr has gone out
  await withPeer(
    "127.0.3.3",
    async (c) => {
      await coalescedHandshake(c, gossipFrame.subarray(0, cut));
      await c.waitFor("getaddr"); // our getaddr has gone out: the rest of the frame now arrives after it
      c.sendRaw(gossipFrame.subarray(cut));
    },
    async (peer) => {
      const r = await runSession(target(peer), { ...OPTS, getaddrTimeoutMs: 600 });
      assert.equal(r.outcome, "no_addr_reply", r.detail ?? "");
      assert.equal(r.addrsReceived, 50);
      assert.deepEqual(r.entryInReply.filter(Boolean), []);
    },
  );
});

test("an entry first gossiped and then repeated in the reply is kept once and marked in_reply", async () => {
  await withPeer(
    "127.0.3.4",
    async (c) => {
      await coalescedHandshake(c, frame({ command: "addr", entries: reply.slice(0, 5) }));
      await c.waitFor("getaddr");
      c.send({ command: "addr", entries: reply });
    },
    async (peer) => {
      const r = await runSession(target(peer), OPTS);
      assert.equal(r.outcome, "ok", r.detail ?? "");
      assert.equal(r.entries.length, 300);
      assert.equal(r.entryInReply.filter(Boolean).length, 300);
    },
  );
});
