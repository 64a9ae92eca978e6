// The adaptive getaddr wait: the formula, its capture of Core's exponential reply timer, the pressure it reads,
// and a real session that keeps waiting while the crawl has free slots and stops at W_min under pressure.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ADAPTIVE_MAX_MS, ADAPTIVE_MIN_MS, adaptiveWait, adaptiveWaitMs, crawlPressure, pinnedWait, replyCapture } from "../../stages/crawl/wait.ts";
import { runSession, type SessionOptions } from "../../stages/crawl/session.ts";
import { handshake, ipv4Entries, MAGIC, startScriptedPeer } from "./helpers/scripted-peer.ts";

test("W(p) runs from 210 s without pressure to 160 s at full pressure, capturing 99.9% to 99.5% of Core replies", () => {
  assert.equal(adaptiveWaitMs(0), ADAPTIVE_MAX_MS);
  assert.equal(adaptiveWaitMs(1), ADAPTIVE_MIN_MS);
  assert.equal(adaptiveWaitMs(0.5), 185_000);
  assert.equal(adaptiveWaitMs(7), ADAPTIVE_MIN_MS); // clamped
  assert.equal(adaptiveWaitMs(Number.NaN), ADAPTIVE_MIN_MS);
  assert.ok(replyCapture(ADAPTIVE_MIN_MS) >= 0.995);
  assert.ok(replyCapture(ADAPTIVE_MAX_MS) >= 0.999);
  assert.ok(replyCapture(70_000) < 0.91); // the old default lost ~9.7%
});

test("pressure is 0 while a slot is free or nothing waits, else the queue relative to the slots, at most 1", () => {
  assert.equal(crawlPressure(10, 100, 5000), 0);
  assert.equal(crawlPressure(100, 100, 0), 0);
  assert.equal(crawlPressure(100, 100, 50), 0.5);
  assert.equal(crawlPressure(101, 100, 500), 1);
});

test("the adaptive wait sleeps W_min first, then says how long is left under the current pressure; a pin is fixed", () => {
  let p = 0;
  const w = adaptiveWait(() => p);
  assert.equal(w.firstMs, ADAPTIVE_MIN_MS);
  assert.equal(w.maxMs, ADAPTIVE_MAX_MS);
  assert.equal(w.remaining(ADAPTIVE_MIN_MS), ADAPTIVE_MAX_MS - ADAPTIVE_MIN_MS);
  p = 1;
  assert.equal(w.remaining(ADAPTIVE_MIN_MS), 0);
  const pin = pinnedWait(70_000);
  assert.deepEqual([pin.firstMs, pin.maxMs, pin.remaining(70_000)], [70_000, 70_000, 0]);
});

const OPTS: SessionOptions = { magic: MAGIC, connectTimeoutMs: 2000, handshakeTimeoutMs: 3000, getaddrTimeoutMs: 60_000 };

test("a session keeps waiting past W_min while there is no pressure, and gives up at W_min under pressure", async () => {
  const replyAfterMs = 900; // between W_min (300) and W_max (2000) of the scaled-down wait below
  const peer = await startScriptedPeer("127.0.3.9", async (c) => {
    await handshake(c);
    await c.waitFor("getaddr");
    await new Promise((r) => setTimeout(r, replyAfterMs));
    c.send({ command: "addr", entries: ipv4Entries(100) });
  });
  try {
    const target = { address: peer.host, port: peer.port, networkType: "ipv4" as const };
    const free = await runSession(target, { ...OPTS, getaddrWait: adaptiveWait(() => 0, 300, 2000) });
    assert.equal(free.outcome, "ok", free.detail ?? "");
    assert.equal(free.entries.length, 100);
    const pressed = await runSession(target, { ...OPTS, getaddrWait: adaptiveWait(() => 1, 300, 2000) });
    assert.equal(pressed.outcome, "no_addr_reply");
    assert.match(pressed.detail ?? "", /no getaddr reply within 300 ms/);
  } finally {
    await peer.close();
  }
});
