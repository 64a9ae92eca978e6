// Outcome classification, the reply-completion rule, the open-file clamp and the endpoint set, as plain units.
import { test } from "node:test";
import assert from "node:assert/strict";
import { classifyError, OUTCOMES } from "../../stages/crawl/classify.ts";
import { PeerClosedError, PeerViolationError, SamError, SessionAbortedError, SessionTimeoutError, SocksError } from "../../stages/crawl/errors.ts";
import { PROTOCOL_ERROR_CODES, ProtocolError } from "../../lib/bitcoin/index.ts";
import { ReplyTracker } from "../../stages/crawl/reply.ts";
import {
  clampConcurrency,
  FD_RESERVE,
  fdLimitLine,
  MAX_AUTO_CONCURRENCY,
  memoryBudgetBytes,
  readFdLimits,
  SESSION_BYTES,
  sizeConcurrency,
} from "../../stages/crawl/fdlimit.ts";
import { EndpointSet } from "../../stages/crawl/endpoints.ts";
import { VISIT_OUTCOMES, VISIT_PROTOCOL_ERRORS } from "../../pipeline/schema/visits.ts";

function sysErr(code: string, message = `${code} something`): Error {
  return Object.assign(new Error(message), { code });
}

test("every error maps to one outcome of the closed set, keeping the raw text", () => {
  const cases: [unknown, string][] = [
    [sysErr("ECONNREFUSED", "connect ECONNREFUSED 127.0.0.1:1"), "refused"],
    [sysErr("ETIMEDOUT"), "timeout"],
    [sysErr("EHOSTUNREACH"), "unreachable"],
    [sysErr("ENETUNREACH"), "unreachable"],
    [sysErr("EADDRNOTAVAIL"), "unreachable"],
    [sysErr("ECONNRESET", "read ECONNRESET"), "reset"],
    [sysErr("EPIPE"), "reset"],
    [new SessionTimeoutError("handshake"), "timeout"],
    [new SessionTimeoutError("proxy"), "timeout"],
    [new ProtocolError("bad_magic", "magic 00000000"), "protocol_error"],
    [new PeerViolationError("truncated_frame", "closed mid-message"), "protocol_error"],
    [new PeerClosedError("handshake"), "reset"],
    [new SocksError("SOCKS5 reply 0x01 general SOCKS server failure", 1), "proxy_error"],
    [new SocksError("proxy unreachable"), "proxy_error"],
    [new SocksError("refused", 5), "refused"],
    [new SocksError("host unreachable", 4), "unreachable"],
    [new SocksError("TTL expired", 6), "timeout"],
    [new SocksError("onion service descriptor can not be found", 0xf0), "unreachable"],
    [new SocksError("onion service introduction failed", 0xf2), "unreachable"],
    [new SocksError("onion service rendezvous failed", 0xf3), "unreachable"],
    [new SocksError("onion service invalid address", 0xf6), "protocol_error"],
    [new SocksError("onion service introduction timed out", 0xf7), "timeout"],
    [new SamError("SAM STREAM CONNECT: CANT_REACH_PEER", "CANT_REACH_PEER"), "unreachable"],
    [new SamError("SAM STREAM CONNECT: TIMEOUT", "TIMEOUT"), "timeout"],
    [new SamError("SAM STREAM CONNECT: INVALID_KEY", "INVALID_KEY"), "protocol_error"],
    [new SamError("SAM STREAM CONNECT: I2P_ERROR (Session was closed)", "I2P_ERROR"), "proxy_error"],
    [new SamError("SAM STREAM CONNECT: INVALID_ID", "INVALID_ID"), "proxy_error"],
    [new SamError("SAM bridge 127.0.0.1:7656 unreachable: connect ECONNREFUSED"), "proxy_error"],
    [new SessionAbortedError(), "cancelled"],
    [Object.assign(new Error("The operation was aborted"), { name: "AbortError" }), "cancelled"],
    [new Error("something odd"), "unreachable"],
  ];
  for (const [err, outcome] of cases) {
    const c = classifyError(err);
    assert.equal(c.outcome, outcome, String(err));
    assert.ok(c.detail.length > 0);
    assert.ok((OUTCOMES as readonly string[]).includes(c.outcome));
  }
  // the closed-set columns: protocol_error_code for protocol errors, timeout_phase for our deadlines; null otherwise
  assert.equal(classifyError(new ProtocolError("bad_checksum", "x")).protocolErrorCode, "bad_checksum");
  assert.equal(classifyError(new PeerViolationError("too_many_bytes", "x")).protocolErrorCode, "too_many_bytes");
  assert.equal(classifyError(new SessionTimeoutError("handshake")).timeoutPhase, "handshake");
  assert.equal(classifyError(new SessionTimeoutError("proxy")).timeoutPhase, "proxy");
  for (const err of [sysErr("ETIMEDOUT"), new SocksError("TTL expired", 6), new PeerClosedError("handshake")]) {
    const c = classifyError(err);
    assert.deepEqual([c.protocolErrorCode, c.timeoutPhase], [null, null], String(err));
  }
  for (const code of PROTOCOL_ERROR_CODES) assert.ok((VISIT_PROTOCOL_ERRORS as readonly string[]).includes(code), code);
  assert.match(classifyError(sysErr("ECONNREFUSED", "connect ECONNREFUSED 127.0.0.1:1")).detail, /^connect ECONNREFUSED 127\.0\.0\.1:1$/);
  const emfile = classifyError(sysErr("EMFILE"));
  assert.equal(emfile.local, true); // our own exhaustion, not the peer's fault
  assert.deepEqual([...OUTCOMES], [...VISIT_OUTCOMES]);
});

const own = (a: string) => ({ address: a });
const many = (n: number) => Array.from({ length: n }, (_, i) => own(`10.0.${Math.floor(i / 250)}.${i % 250}`));

test("reply rule: unsolicited before getaddr, self-announcements never, large replies at once, 1000-entry chunks after a grace", () => {
  const rule = { smallMax: 10, continuationGraceMs: 1000, smallReplyGraceMs: 2000 };
  const t = new ReplyTracker(new Set(["1.2.3.4"]), rule);
  assert.deepEqual(t.onMessage(many(500), false), { kind: "unsolicited", settle: null });
  assert.deepEqual(t.onMessage([], false), { kind: "unsolicited", settle: null }); // an empty unsolicited addr settles nothing
  assert.deepEqual(t.onMessage([own("1.2.3.4")], true), { kind: "self", settle: null });
  assert.equal(t.replyStarted, false);
  assert.deepEqual(t.onMessage(many(1000), true), { kind: "reply", settle: 1000 });
  assert.deepEqual(t.onMessage(many(1000), true), { kind: "reply", settle: 1000 });
  assert.deepEqual(t.onMessage(many(3), true), { kind: "reply", settle: "now" }); // a last chunk after 1000s
  assert.equal(t.replyStarted, true);

  const u = new ReplyTracker(new Set(["1.2.3.4"]), rule);
  assert.deepEqual(u.onMessage(many(11), true), { kind: "reply", settle: "now" });
  const v = new ReplyTracker(new Set(["1.2.3.4"]), rule);
  assert.deepEqual(v.onMessage([own("1.2.3.4"), own("5.6.7.8")], true), { kind: "reply", settle: 2000 }); // small, not only self
  assert.deepEqual(v.onMessage(many(2), true), { kind: "reply", settle: 2000 });
  assert.deepEqual(v.onMessage(many(40), true), { kind: "reply", settle: "now" });
  const w = new ReplyTracker(new Set(["1.2.3.4"]), rule);
  assert.deepEqual(w.onMessage([], true), { kind: "reply", settle: "now" }); // an empty address book
});

test("the open-file limit clamps concurrency and says how to raise it", () => {
  const limits = readFdLimits("Limit Soft Limit Hard Limit Units\nMax open files            1024                 524288               files\n");
  assert.deepEqual(limits, { soft: 1024, hard: 524288 });
  const c = clampConcurrency(2000, limits);
  assert.equal(c.concurrency, Math.floor((1024 - 256) / 1.1));
  assert.match(c.note ?? "", /clamped to 698 .*\(ulimit -n 524288\)/);
  assert.deepEqual(clampConcurrency(500, limits), { concurrency: 500 });
  assert.match(clampConcurrency(30_000, { soft: 20_000, hard: 20_000 }).note ?? "", /hard limit is 20000/);
  assert.deepEqual(clampConcurrency(5, { soft: undefined, hard: undefined }), { concurrency: 5 });
  assert.ok(readFdLimits().soft !== undefined); // this Linux machine has /proc/self/limits
});

test("default concurrency is sized from the open-file limit and the memory budget; --concurrency pins it", () => {
  const GiB = 1024 ** 3;
  assert.equal(memoryBudgetBytes(24 * GiB), GiB);
  assert.equal(memoryBudgetBytes(2 * GiB), GiB / 2);
  const fds = sizeConcurrency(undefined, { soft: 4096, hard: 4096 }, GiB);
  assert.equal(fds.concurrency, Math.floor((4096 - FD_RESERVE) / 1.1));
  assert.match(fds.basis, /open-file limit 4096/);
  const mem = sizeConcurrency(undefined, { soft: 1_048_576, hard: 1_048_576 }, 256 * 1024 ** 2);
  assert.equal(mem.concurrency, Math.floor((256 * 1024 ** 2) / SESSION_BYTES));
  assert.match(mem.basis, /memory budget 256 MiB/);
  assert.equal(sizeConcurrency(undefined, { soft: undefined, hard: undefined }, 64 * GiB).concurrency, MAX_AUTO_CONCURRENCY);
  assert.deepEqual(sizeConcurrency(300, { soft: 4096, hard: 4096 }, GiB), { concurrency: 300, basis: "--concurrency" });
  assert.equal(sizeConcurrency(9000, { soft: 4096, hard: 4096 }, GiB).concurrency, Math.floor((4096 - FD_RESERVE) / 1.1)); // a pin is still clamped
  assert.match(fdLimitLine({ soft: 20_000, hard: 20_000 }), /^open-file limit 20000 \(the hard limit/);
});

test("EndpointSet holds (address, port) pairs, several ports per address", () => {
  const s = new EndpointSet();
  assert.equal(s.add("1.2.3.4", 8333), true);
  assert.equal(s.add("1.2.3.4", 8333), false);
  assert.equal(s.add("1.2.3.4", 18333), true);
  assert.equal(s.add("1.2.3.4", 28333), true);
  assert.equal(s.add("1.2.3.4", 18333), false);
  assert.equal(s.has("1.2.3.4", 28333), true);
  assert.equal(s.has("1.2.3.4", 1), false);
  assert.equal(s.has("::1", 8333), false);
  assert.equal(s.size, 3);
});
