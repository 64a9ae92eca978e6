// One peer conversation over a real TCP socket: connect → version/verack → getaddr → collect addr/addrv2 until
// the reply is complete (reply.ts) → close. Every phase has a deadline (deadlines.ts), every buffer a cap; the result
// is plain data (session-contract.ts). What the session sends is outbox.ts; what the peer advertised, peer-addrs.ts.
import type { Socket } from "node:net";
import type { BudgetMember } from "./budget.ts";
import { type Classified, classifyError, type Outcome } from "./classify.ts";
import { Deadlines } from "./deadlines.ts";
import { dial } from "./dial.ts";
import { PeerClosedError, PeerViolationError, SessionAbortedError, SessionTimeoutError } from "./errors.ts";
import { FrameParser, MAX_MESSAGE_BYTES, PROTOCOL_VERSION, type Message, type PeerAddress, type VersionMessage } from "../../lib/bitcoin/index.ts";
import { Outbox, versionFor } from "./outbox.ts";
import { PeerAddrs } from "./peer-addrs.ts";
import { DEFAULT_REPLY_RULE, ReplyTracker } from "./reply.ts";
import { DEFAULT_LIMITS, type SessionLimits, type SessionOptions, type SessionResult, type SessionTarget, type VersionRecord } from "./session-contract.ts";
import { type GetaddrWait, pinnedWait, RECHECK_MS } from "./wait.ts";

/** The session's contract, importable from the module that runs it (engine, `fluxture node`, rows, tests). */
export {
  DEFAULT_LIMITS,
  type SessionLimits,
  type SessionOptions,
  type SessionResult,
  type SessionTarget,
  USER_AGENT,
  type VersionRecord,
} from "./session-contract.ts";

/** Talks to one peer; never throws: every ending is a SessionResult with an outcome from the closed set. */
export function runSession(target: SessionTarget, opts: SessionOptions): Promise<SessionResult> {
  return new Session(target, opts).run();
}

class Session {
  private readonly limits: SessionLimits;
  private readonly started = performance.now();
  private socket: Socket | undefined;
  private parser: FrameParser;
  private tracker: ReplyTracker;
  private readonly deadlines = new Deadlines();
  private readonly out: Outbox;
  private readonly addrs: PeerAddrs;
  private bytes = 0;
  private connectMs: number | null = null;
  private handshakeMs: number | null = null;
  private getaddrMs: number | null = null;
  private connectedAt = 0;
  private getaddrAt = 0;
  private getaddrWaitedMs = 0;
  private version: VersionRecord | null = null;
  private theirVerack = false;
  private handshakeDone = false;
  /** getaddr is queued in the outbox and leaves with the current chunk's answers. */
  private getaddrQueued = false;
  /** getaddr has been written: only messages whose first byte arrives after this can be its reply (wire order). */
  private getaddrWritten = false;
  /** A frame had begun arriving when getaddr was written: the first message completed afterwards predates it. */
  private straddling = false;
  private pongs = 0;
  private pingsIgnored = 0;
  private finished = false;
  private localFailure = false;
  private leaveRoom: (() => void) | undefined;
  private resolve!: (r: SessionResult) => void;
  /** This session in the crawl's buffer budget (only once connected: before that it holds nothing). */
  private readonly member: BudgetMember = {
    pause: () => this.socket?.pause(),
    resume: () => {
      if (!this.finished) this.socket?.resume();
    },
    shed: (held, limit) =>
      this.fail(
        new PeerViolationError(
          "over_buffer_budget",
          `shed holding ${held} bytes of a partial frame (${this.parser.bufferedBytes} received): the crawl's buffered bytes passed its budget of ${limit} bytes`,
        ),
      ),
  };

  constructor(
    private readonly target: SessionTarget,
    private readonly opts: SessionOptions,
  ) {
    this.limits = { ...DEFAULT_LIMITS, ...opts.limits };
    this.parser = new FrameParser(opts.magic, { maxPayloadBytes: MAX_MESSAGE_BYTES });
    this.tracker = new ReplyTracker(new Set([target.address]), opts.replyRule ?? DEFAULT_REPLY_RULE);
    this.out = new Outbox(opts.magic);
    this.addrs = new PeerAddrs(this.limits.maxEntriesKept);
  }

  run(): Promise<SessionResult> {
    const done = new Promise<SessionResult>((resolve) => (this.resolve = resolve));
    const o = this.opts;
    const getaddrMax = o.getaddrWait?.maxMs ?? o.getaddrTimeoutMs;
    const overall = o.overallTimeoutMs ?? o.connectTimeoutMs + o.handshakeTimeoutMs + getaddrMax + 5000;
    this.deadlines.arm("overall", overall, () => this.onDeadline(new SessionTimeoutError("overall")));
    o.signal?.addEventListener("abort", this.onAbort, { once: true });
    dial(
      { host: this.target.address, port: this.target.port, proxy: o.proxy, socksAuth: o.socksAuth, sam: o.sam },
      { timeoutMs: o.connectTimeoutMs, signal: o.signal },
    ).then(
      (socket) => this.onConnected(socket),
      (err: unknown) => this.fail(err),
    );
    return done;
  }

  private readonly onAbort = () => this.fail(new SessionAbortedError());

  private onConnected(socket: Socket): void {
    if (this.finished) {
      socket.destroy();
      return;
    }
    this.socket = socket;
    this.connectedAt = performance.now();
    this.connectMs = Math.round(this.connectedAt - this.started);
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
    socket.on("end", () => this.onEnd());
    socket.on("error", (err: Error) => this.onSocketError(err));
    socket.on("close", () => this.onEnd());
    socket.resume();
    this.out.attach(socket);
    this.deadlines.arm("handshake", this.opts.handshakeTimeoutMs, () => this.fail(new SessionTimeoutError("handshake")));
    this.out.send(versionFor(this.target));
  }

  private onData(chunk: Buffer): void {
    if (this.finished) return;
    this.bytes += chunk.length;
    if (this.bytes > this.limits.maxPeerBytes) {
      return this.fail(new PeerViolationError("too_many_bytes", `peer sent more than ${this.limits.maxPeerBytes} bytes`));
    }
    let messages: Message[];
    try {
      messages = this.parser.push(chunk);
    } catch (err) {
      return this.fail(err);
    }
    this.opts.budget?.set(this.member, this.parser.heldBytes);
    this.out.hold(); // everything we answer to one chunk (e.g. sendaddrv2 + wtxidrelay + verack + getaddr) leaves in one write
    for (const msg of messages) {
      if (this.finished) break;
      // Wire order: a message counts as after our getaddr only if none of its bytes arrived before getaddr was
      // written, so an addr coalesced with the peer's verack (same chunk) or straddling the write never does.
      const afterGetaddr = this.getaddrWritten && !this.straddling;
      this.straddling = false;
      this.onMessage(msg, afterGetaddr);
    }
    this.out.release();
    if (this.getaddrQueued && !this.finished) this.onGetaddrWritten();
  }

  /** getaddr has left: from now on messages may be its reply; its deadline starts. */
  private onGetaddrWritten(): void {
    this.getaddrQueued = false;
    this.getaddrWritten = true;
    this.straddling = this.parser.bufferedBytes > 0;
    this.getaddrAt = performance.now();
    const wait = this.opts.getaddrWait ?? pinnedWait(this.opts.getaddrTimeoutMs);
    this.armGetaddr(wait, wait.firstMs);
    this.leaveRoom = this.opts.waitingRoom?.enter(this.endWait);
  }

  /** The engine ends the wait (the end-of-crawl rule, tail.ts): no_addr_reply, as an expired wait. */
  private readonly endWait = () => {
    if (this.finished) return;
    if (this.tracker.replyStarted) return this.complete();
    const waited = Math.round(performance.now() - this.getaddrAt);
    this.finish("no_addr_reply", `no getaddr reply within ${waited} ms (wait ended by the end-of-crawl rule)`, { timeoutPhase: "getaddr" });
  };

  /** Arms the getaddr timer; when it fires, the wait policy says whether to keep waiting (re-read every RECHECK_MS). */
  private armGetaddr(wait: GetaddrWait, ms: number): void {
    this.deadlines.arm("getaddr", ms, () => {
      const elapsed = performance.now() - this.getaddrAt;
      const rem = wait.remaining(elapsed);
      if (rem > 1) return this.armGetaddr(wait, Math.min(rem, RECHECK_MS));
      this.getaddrWaitedMs = Math.round(elapsed + rem); // the wait it was given (W(p), or the pinned timeout)
      this.onDeadline(new SessionTimeoutError("getaddr"));
    });
  }

  private onMessage(msg: Message, afterGetaddr: boolean): void {
    switch (msg.command) {
      case "version":
        return this.onVersion(msg);
      case "verack":
        this.theirVerack = true;
        return this.maybeHandshakeDone();
      case "ping":
        if (this.pongs < this.limits.maxPongs) {
          this.pongs++;
          this.out.send({ command: "pong", nonce: msg.nonce });
        } else {
          this.pingsIgnored++;
        }
        return;
      case "addr":
      case "addrv2":
        return this.onAddr(msg.command, msg.entries, afterGetaddr);
      default:
        return; // inv, feefilter, sendcmpct, sendheaders, getaddr, unknown commands …: skipped, never fatal
    }
  }

  private onVersion(msg: VersionMessage): void {
    if (this.version !== null) return; // a repeated version is ignored
    this.version = {
      protocolVersion: msg.version,
      services: msg.services,
      userAgent: msg.userAgent ?? null,
      userAgentHex: msg.userAgentBytes === undefined ? null : Buffer.from(msg.userAgentBytes).toString("hex"),
      startHeight: msg.startHeight ?? null,
      relay: msg.relay ?? null,
      peerTime: msg.timestamp,
    };
    // BIP155 and BIP339: both must be sent after version and before verack, and only to peers ≥ 70016.
    if (msg.version >= PROTOCOL_VERSION) {
      this.out.send({ command: "sendaddrv2" });
      this.out.send({ command: "wtxidrelay" });
    }
    this.out.send({ command: "verack" });
    this.maybeHandshakeDone();
  }

  private maybeHandshakeDone(): void {
    if (this.handshakeDone || this.version === null || !this.theirVerack) return;
    this.handshakeDone = true;
    this.deadlines.disarm("handshake");
    this.handshakeMs = Math.round(performance.now() - this.connectedAt);
    this.getaddrQueued = true;
    this.out.send({ command: "getaddr" }); // always inside onData: it leaves with the chunk's answers (onGetaddrWritten)
  }

  private onAddr(message: "addr" | "addrv2", entries: readonly PeerAddress[], afterGetaddr: boolean): void {
    const verdict = this.tracker.onMessage(entries, afterGetaddr);
    const inReply = verdict.kind === "reply";
    if (inReply) this.leaveRoom?.(); // it settles within seconds now: no longer waiting
    this.addrs.add(message, entries, inReply);
    if (inReply && this.getaddrMs === null) this.getaddrMs = Math.round(performance.now() - this.getaddrAt);
    if (verdict.settle === "now") return this.complete();
    if (typeof verdict.settle === "number") this.deadlines.arm("grace", verdict.settle, () => this.complete());
  }

  /** The reply is complete: ok. */
  private complete(): void {
    this.finish("ok", null);
  }

  /** A deadline passed: with a reply in hand that is ok, after the handshake it is no_addr_reply, else timeout. */
  private onDeadline(err: SessionTimeoutError): void {
    if (this.tracker.replyStarted) return this.complete();
    if (this.handshakeDone)
      return this.finish("no_addr_reply", `no getaddr reply within ${this.getaddrWaitedMs || this.opts.getaddrTimeoutMs} ms (${err.message})`, {
        timeoutPhase: err.phase,
      });
    this.fail(err);
  }

  private onEnd(): void {
    if (this.finished) return;
    if (this.parser.bufferedBytes > 0) {
      return this.fail(new PeerViolationError("truncated_frame", `connection closed mid-message (${this.parser.bufferedBytes} bytes of an incomplete frame)`));
    }
    if (this.tracker.replyStarted) return this.complete();
    if (this.handshakeDone) return this.finish("no_addr_reply", "connection closed by peer before the getaddr reply");
    this.fail(new PeerClosedError(this.version === null ? "handshake (before version)" : "handshake (before verack)"));
  }

  private onSocketError(err: Error): void {
    if (this.finished) return;
    if (this.tracker.replyStarted) return this.complete();
    this.fail(err);
  }

  private fail(err: unknown): void {
    if (this.finished) return;
    const c = classifyError(err);
    this.localFailure = c.local && this.connectMs === null;
    this.finish(c.outcome, c.detail, c);
  }

  private finish(outcome: Outcome, detail: string | null, codes: Partial<Pick<Classified, "protocolErrorCode" | "timeoutPhase">> = {}): void {
    if (this.finished) return;
    this.finished = true;
    this.leaveRoom?.();
    this.deadlines.clear();
    this.opts.signal?.removeEventListener("abort", this.onAbort);
    this.opts.budget?.release(this.member);
    if (this.parser.heldBytes > 0) this.parser = new FrameParser(this.opts.magic); // a partial frame goes now, not at destroy
    this.close();
    this.resolve({
      outcome,
      detail,
      protocolErrorCode: codes.protocolErrorCode ?? null,
      timeoutPhase: codes.timeoutPhase ?? null,
      connectMs: this.connectMs,
      handshakeMs: this.handshakeMs,
      getaddrMs: this.getaddrMs,
      version: this.version,
      ...this.addrs.result(),
      pingsIgnored: this.pingsIgnored,
      localFailure: this.localFailure,
    });
  }

  /** FIN, then a forced destroy if the peer has not closed within the linger time. */
  private close(): void {
    const s = this.socket;
    if (s === undefined || s.destroyed) return;
    s.removeAllListeners("data");
    s.on("error", () => undefined);
    s.on("data", () => undefined); // keep draining so the peer's FIN reaches us
    s.end();
    const t = setTimeout(() => s.destroy(), this.opts.lingerMs ?? 500);
    t.unref();
    s.once("close", () => clearTimeout(t));
  }
}
