// Deadlines against a busy crawler: when the event loop is blocked past a session's handshake deadline while the
// peer's version and verack already wait in the socket, the session must read them before deciding (libuv runs
// expired timers before I/O callbacks, so a deadline that decides at once would record a timeout for a peer that
// answered in time — what lost peers in the first wave of the 25,000-peer overlay census on a busy machine).
import { test } from "node:test";
import assert from "node:assert/strict";
import { runSession, type SessionOptions } from "../../stages/crawl/session.ts";
import { ipv4Entries, MAGIC, peerVersion, startScriptedPeer } from "./helpers/scripted-peer.ts";

const HANDSHAKE_MS = 200;

/** Blocks this process's event loop for `ms` (the crawler and the peer share it here). */
function busy(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    /* a crawler busy with a burst of dials, a GC pause, a starved CPU */
  }
}

test("a handshake that arrived while the crawler was blocked past its deadline is read, not timed out", async () => {
  const peer = await startScriptedPeer("127.0.9.1", async (c) => {
    await c.waitFor("version");
    c.send(peerVersion());
    c.send({ command: "verack" }); // both are in the crawler's socket now, unread
    busy(HANDSHAKE_MS * 3); // the crawler's handshake deadline expires meanwhile
    await c.waitFor("getaddr");
    c.send({ command: "addr", entries: ipv4Entries(20) });
  });
  try {
    const opts: SessionOptions = {
      magic: MAGIC,
      connectTimeoutMs: 2000,
      handshakeTimeoutMs: HANDSHAKE_MS,
      getaddrTimeoutMs: 5000,
      replyRule: { smallMax: 10, continuationGraceMs: 300, smallReplyGraceMs: 300 },
    };
    const r = await runSession({ address: peer.host, port: peer.port, networkType: "ipv4" }, opts);
    assert.equal(r.outcome, "ok", `${r.outcome} ${r.detail ?? ""}`);
    assert.ok(r.handshakeMs !== null && r.handshakeMs >= HANDSHAKE_MS, `handshake took ${r.handshakeMs} ms, past the ${HANDSHAKE_MS} ms deadline`);
    assert.equal(r.entries.length, 20);
    assert.deepEqual(peer.scriptErrors, []);
  } finally {
    await peer.close();
  }
});

test("a peer that really is late still times out at the deadline", async () => {
  const peer = await startScriptedPeer("127.0.9.2", async (c) => {
    await c.waitFor("version"); // and never answers
  });
  try {
    const t0 = performance.now();
    const r = await runSession(
      { address: peer.host, port: peer.port, networkType: "ipv4" },
      { magic: MAGIC, connectTimeoutMs: 2000, handshakeTimeoutMs: HANDSHAKE_MS, getaddrTimeoutMs: 5000 },
    );
    assert.deepEqual([r.outcome, r.timeoutPhase], ["timeout", "handshake"]);
    assert.ok(performance.now() - t0 < HANDSHAKE_MS + 1500);
  } finally {
    await peer.close();
  }
});
