// The progress line's ETA (stages/crawl/eta.ts): queued endpoints at the observed dial rate plus a mean session.
import { test } from "node:test";
import assert from "node:assert/strict";
import { crawlEtaS, formatEta } from "../../stages/crawl/eta.ts";

test("ETA: queued endpoints at the dial rate plus one mean session; 0 when done; unknown before any session ended", () => {
  const base = { elapsedS: 10, dialled: 1000, waiting: 5000, inFlight: 800, sessionsEnded: 200, sessionMsTotal: 200 * 30_000 };
  assert.equal(crawlEtaS(base), 5000 / 100 + 30);
  assert.equal(crawlEtaS({ ...base, waiting: 0 }), 30); // only the tail of in-flight sessions is left
  assert.equal(crawlEtaS({ ...base, waiting: 0, inFlight: 0 }), 0);
  assert.equal(crawlEtaS({ ...base, sessionsEnded: 0, sessionMsTotal: 0 }), undefined);
  assert.equal(formatEta(80), "1m20s");
  assert.equal(formatEta(3900), "1h05m");
  assert.equal(formatEta(undefined), "-");
});
