// Hostile and broken peers: silence, garbage, oversized headers, truncated frames, ping floods, byte and entry caps.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { once } from "node:events";
import { runSession, type SessionOptions } from "../../stages/crawl/session.ts";
import { handshake, ipv4Entries, MAGIC, startScriptedPeer, type ScriptedPeer } from "./helpers/scripted-peer.ts";
import { encodeFrame } from "../../lib/bitcoin/index.ts";

const OPTS: SessionOptions = {
  magic: MAGIC,
  connectTimeoutMs: 2000,
  handshakeTimeoutMs: 30_000, // long on purpose: outcomes other than timeout prove the session ended early
  getaddrTimeoutMs: 30_000,
  replyRule: { smallMax: 10, continuationGraceMs: 200, smallReplyGraceMs: 200 },
};

function target(p: ScriptedPeer) {
  return { address: p.host, port: p.port, networkType: "ipv4" as const };
}

async function withPeer(host: string, script: Parameters<typeof startScriptedPeer>[1], body: (p: ScriptedPeer) => Promise<void>) {
  const peer = await startScriptedPeer(host, script);
  try {
    await body(peer);
  } finally {
    await peer.close();
  }
}

test("a silent peer ends as timeout at the handshake deadline", async () => {
  await withPeer(
    "127.0.3.1",
    () => undefined,
    async (peer) => {
      const r = await runSession(target(peer), { ...OPTS, handshakeTimeoutMs: 300 });
      assert.equal(r.outcome, "timeout");
      assert.equal(r.detail, "handshake timeout");
      assert.equal(r.timeoutPhase, "handshake");
      assert.equal(r.protocolErrorCode, null);
      assert.ok(r.connectMs !== null);
      assert.equal(r.version, null);
    },
  );
});

test("a garbage peer ends as protocol_error (bad magic) at once", async () => {
  await withPeer(
    "127.0.3.2",
    async (c) => {
      await c.waitFor("version");
      c.sendRaw(Buffer.from("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"));
    },
    async (peer) => {
      const r = await runSession(target(peer), OPTS);
      assert.equal(r.outcome, "protocol_error");
      assert.match(r.detail ?? "", /magic/);
      assert.equal(r.protocolErrorCode, "bad_magic");
      assert.equal(r.timeoutPhase, null);
    },
  );
});

test("an oversized length header ends as protocol_error before any payload arrives", async () => {
  await withPeer(
    "127.0.3.3",
    async (c) => {
      await handshake(c);
      const header = Buffer.alloc(24);
      header.writeUInt32BE(MAGIC, 0);
      header.write("addr", 4, "ascii");
      header.writeUInt32LE(0xfffffff0, 16);
      c.sendRaw(header); // declares ~4 GB and then sends nothing: the session must not wait for it
    },
    async (peer) => {
      const r = await runSession(target(peer), OPTS);
      assert.equal(r.outcome, "protocol_error");
      assert.match(r.detail ?? "", /oversized|limit/);
      assert.equal(r.protocolErrorCode, "oversized");
    },
  );
});

test("a peer that closes mid-message ends as protocol_error (truncated frame), not reset", async () => {
  await withPeer(
    "127.0.3.4",
    async (c) => {
      await handshake(c);
      await c.waitFor("getaddr");
      const frame = encodeFrame(MAGIC, { command: "addr", entries: ipv4Entries(100) });
      c.sendRaw(frame.subarray(0, 1000));
      c.socket.end();
    },
    async (peer) => {
      const r = await runSession(target(peer), OPTS);
      assert.equal(r.outcome, "protocol_error");
      assert.match(r.detail ?? "", /closed mid-message \(1000 bytes/);
      assert.equal(r.protocolErrorCode, "truncated_frame");
      assert.equal(r.version?.protocolVersion, 70016);
    },
  );
});

test("a peer that resets the connection during the handshake ends as reset", async () => {
  await withPeer(
    "127.0.3.5",
    async (c) => {
      await c.waitFor("version");
      c.socket.resetAndDestroy();
    },
    async (peer) => {
      const r = await runSession(target(peer), OPTS);
      assert.equal(r.outcome, "reset");
      assert.match(r.detail ?? "", /ECONNRESET/);
    },
  );
});

test("a ping flood is bounded: at most 50 pongs, the rest counted, and the session still completes", async () => {
  let pongs = 0;
  let counted!: () => void;
  const pongsCounted = new Promise<void>((resolve) => (counted = resolve));
  await withPeer(
    "127.0.3.6",
    async (c) => {
      await handshake(c);
      await c.waitFor("getaddr");
      const ping = encodeFrame(MAGIC, { command: "ping", nonce: 7n });
      const burst = Buffer.concat(Array.from({ length: 5000 }, () => ping));
      c.sendRaw(burst);
      c.send({ command: "addr", entries: ipv4Entries(30) });
      await c.waitClosed();
      pongs = c.received.filter((m) => m.command === "pong").length;
      counted();
    },
    async (peer) => {
      const r = await runSession(target(peer), OPTS);
      assert.equal(r.outcome, "ok", r.detail ?? "");
      assert.equal(r.entries.length, 30);
      assert.equal(r.pingsIgnored, 4950);
      await pongsCounted; // the peer has read everything we sent before it closed
      assert.equal(pongs, 50);
    },
  );
});

test("an endless ping flood without reply ends at the getaddr deadline as no_addr_reply", async () => {
  await withPeer(
    "127.0.3.7",
    async (c) => {
      await handshake(c);
      const ping = encodeFrame(MAGIC, { command: "ping", nonce: 1n });
      while (!c.closed) {
        c.sendRaw(Buffer.concat(Array.from({ length: 100 }, () => ping)));
        await new Promise((r) => setTimeout(r, 5));
      }
    },
    async (peer) => {
      const r = await runSession(target(peer), { ...OPTS, getaddrTimeoutMs: 500 });
      assert.equal(r.outcome, "no_addr_reply");
      assert.ok(r.pingsIgnored > 0);
    },
  );
});

test("the per-peer byte cap ends a peer that streams unknown messages forever", async () => {
  await withPeer(
    "127.0.3.8",
    async (c) => {
      await handshake(c);
      const junk = encodeFrame(MAGIC, { command: "unknown", rawCommand: "junk", payload: new Uint8Array(60_000) });
      while (!c.closed) {
        c.sendRaw(junk);
        await new Promise((r) => setImmediate(r));
      }
    },
    async (peer) => {
      const r = await runSession(target(peer), { ...OPTS, limits: { maxPeerBytes: 1_000_000 } });
      assert.equal(r.outcome, "protocol_error");
      assert.match(r.detail ?? "", /more than 1000000 bytes/);
      assert.equal(r.protocolErrorCode, "too_many_bytes");
    },
  );
});

test("entries kept per peer are capped; the rest are counted", async () => {
  await withPeer(
    "127.0.3.9",
    async (c) => {
      await handshake(c);
      await c.waitFor("getaddr");
      const all = ipv4Entries(3000, "127.80");
      for (let i = 0; i < 3; i++) c.send({ command: "addr", entries: all.slice(i * 1000, (i + 1) * 1000) });
    },
    async (peer) => {
      const r = await runSession(target(peer), { ...OPTS, limits: { maxEntriesKept: 1500 } });
      assert.equal(r.outcome, "ok", r.detail ?? "");
      assert.equal(r.entries.length, 1500);
      assert.equal(r.entriesDropped, 1500);
      assert.equal(r.addrsReceived, 3000);
    },
  );
});

test("a closed port is refused; an aborted session is cancelled", async () => {
  const server = createServer();
  server.listen(0, "127.0.3.10");
  await once(server, "listening");
  const a = server.address();
  const port = typeof a === "object" && a !== null ? a.port : 0;
  await new Promise<void>((r) => server.close(() => r()));
  const refused = await runSession({ address: "127.0.3.10", port, networkType: "ipv4" }, OPTS);
  assert.equal(refused.outcome, "refused");
  assert.match(refused.detail ?? "", /ECONNREFUSED/);
  assert.equal(refused.connectMs, null);

  const ac = new AbortController();
  await withPeer(
    "127.0.3.11",
    () => ac.abort(), // cancelled once the peer has accepted: mid-handshake
    async (peer) => {
      const r = await runSession(target(peer), { ...OPTS, signal: ac.signal });
      assert.equal(r.outcome, "cancelled");
    },
  );
});
