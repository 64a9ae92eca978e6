// One peer conversation over a real TCP socket: connect → version/verack → getaddr → collect addr/addrv2 until
// the reply is complete (reply.ts) → close. Every phase has a deadline, every buffer a cap; the result is plain data.
import { randomBytes } from "node:crypto";
import type { Socket } from "node:net";
import { TOOL_VERSION } from "../../pipeline/version.ts";
import type { TimeoutPhase, VisitProtocolError } from "../../pipeline/schema/visits.ts";
import type { BudgetMember, BufferBudget } from "./budget.ts";
import { type Classified, classifyError, type Outcome } from "./classify.ts";
import { dial } from "./dial.ts";
import { PeerClosedError, PeerViolationError, SessionAbortedError, SessionTimeoutError } from "./errors.ts";
import {
  FrameParser,
  MAX_MESSAGE_BYTES,
  PROTOCOL_VERSION,
  encodeFrame,
  type Message,
  type NetworkType,
  type PeerAddress,
  type VersionAddress,
  type VersionMessage,
} from "../../lib/bitcoin/index.ts";
import { DEFAULT_REPLY_RULE, ReplyTracker, type ReplyRuleOptions } from "./reply.ts";
import type { SamSession } from "./sam.ts";
import type { ProxyAddress, SocksAuth } from "./socks5.ts";
import type { WaitingRoom } from "./tail.ts";
import { type GetaddrWait, pinnedWait, RECHECK_MS } from "./wait.ts";

/** The BIP14 user agent Fluxture announces. */
export const USER_AGENT = `/fluxture:${TOOL_VERSION}/`;

/** Limits that bound what one hostile peer can cost. */
export interface SessionLimits {
  /** Total bytes accepted from one peer (default 8 MB); more ends the session as protocol_error. */
  readonly maxPeerBytes: number;
  /** Address entries kept per peer (default 5000); further entries are counted, not kept. */
  readonly maxEntriesKept: number;
  /** Pongs sent per session (default 50); further pings are counted and ignored. */
  readonly maxPongs: number;
}

/** Defaults of SessionLimits. */
export const DEFAULT_LIMITS: SessionLimits = { maxPeerBytes: 8_000_000, maxEntriesKept: 5000, maxPongs: 50 };

/** How to talk to one peer. */
export interface SessionOptions {
  readonly magic: number;
  readonly connectTimeoutMs: number;
  readonly handshakeTimeoutMs: number;
  /** The getaddr wait when `getaddrWait` is not given (a pinned --getaddr-timeout). */
  readonly getaddrTimeoutMs: number;
  /** The getaddr wait policy (wait.ts: adaptive to the crawl's pressure); default pinnedWait(getaddrTimeoutMs). */
  readonly getaddrWait?: GetaddrWait;
  /** Where the session waits for its getaddr reply, so the engine can end the last waits of a crawl (tail.ts). */
  readonly waitingRoom?: WaitingRoom;
  /** Whole-conversation deadline; default connect + handshake + the longest getaddr wait + 5 s. */
  readonly overallTimeoutMs?: number;
  readonly proxy?: ProxyAddress;
  /** Credential for `proxy` (stream isolation per session). */
  readonly socksAuth?: SocksAuth;
  /** Reach the peer (a `.b32.i2p` name) as a stream of this SAM session. */
  readonly sam?: SamSession;
  readonly signal?: AbortSignal;
  readonly limits?: Partial<SessionLimits>;
  readonly replyRule?: ReplyRuleOptions;
  /** Milliseconds between our FIN and a forced destroy (default 500). */
  readonly lingerMs?: number;
  /** The crawl-wide account of buffered bytes (budget.ts): the session reports what its parser holds, pauses
   * reading when told, and ends as protocol_error `over_buffer_budget` when shed. */
  readonly budget?: BufferBudget;
}

/** The peer to talk to, as the engine knows it. */
export interface SessionTarget {
  readonly address: string;
  readonly port: number;
  readonly networkType: NetworkType;
}

/** The peer's version message, as recorded in visits. */
export interface VersionRecord {
  readonly protocolVersion: number;
  readonly services: bigint;
  readonly userAgent: string | null;
  /** The user agent's bytes exactly as received, lowercase hex (visits.user_agent_hex); null when absent. */
  readonly userAgentHex: string | null;
  readonly startHeight: number | null;
  readonly relay: boolean | null;
  readonly peerTime: bigint;
}

/** Everything one conversation produced; the engine turns it into rows without touching bytes. */
export interface SessionResult {
  readonly outcome: Outcome;
  readonly detail: string | null;
  /** Which protocol rule the peer broke, when outcome is protocol_error. */
  readonly protocolErrorCode: VisitProtocolError | null;
  /** Which deadline ended the visit (timeout, or no_addr_reply after a getaddr/overall deadline). */
  readonly timeoutPhase: TimeoutPhase | null;
  readonly connectMs: number | null;
  readonly handshakeMs: number | null;
  readonly getaddrMs: number | null;
  readonly version: VersionRecord | null;
  readonly addrMessages: number;
  readonly addrsReceived: number;
  /** Distinct (address, port) entries, first occurrence kept, at most maxEntriesKept (the codec's objects). */
  readonly entries: readonly PeerAddress[];
  /** The message that carried each entry (parallel to `entries`). */
  readonly entryMessages: readonly ("addr" | "addrv2")[];
  /** Whether each entry came in the getaddr reply (parallel to `entries`); false: self-announcement or gossip. */
  readonly entryInReply: readonly boolean[];
  readonly entriesDropped: number;
  readonly pingsIgnored: number;
  /** The dial failed for a reason of our own (EMFILE, ENOBUFS…): the peer was never reached; the engine retries. */
  readonly localFailure: boolean;
}

const EMPTY_ADDR: VersionAddress = { services: 0n, address: "::", networkType: "ipv6", port: 0 };

/** Frames of the payload-less messages we send, encoded once per network (their checksum never changes). */
const CONSTANT_FRAMES = new Map<number, Map<string, Uint8Array>>();
const CONSTANT_COMMANDS = new Set(["verack", "getaddr", "sendaddrv2", "wtxidrelay"]);

function constantFrame(magic: number, msg: Message): Uint8Array | undefined {
  if (!CONSTANT_COMMANDS.has(msg.command)) return undefined;
  let byMagic = CONSTANT_FRAMES.get(magic);
  if (byMagic === undefined) CONSTANT_FRAMES.set(magic, (byMagic = new Map()));
  let frame = byMagic.get(msg.command);
  if (frame === undefined) byMagic.set(msg.command, (frame = encodeFrame(magic, msg)));
  return frame;
}

function versionAddressOf(target: SessionTarget): VersionAddress {
  const legacy = target.networkType === "ipv4" || target.networkType === "ipv6" || target.networkType === "cjdns";
  return legacy ? { services: 0n, address: target.address, networkType: target.networkType, port: target.port } : EMPTY_ADDR;
}

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
  private timers = new Map<string, NodeJS.Timeout>();
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
  private addrMessages = 0;
  private addrsReceived = 0;
  private readonly entries: PeerAddress[] = [];
  private readonly entryMessages: ("addr" | "addrv2")[] = [];
  private readonly entryInReply: boolean[] = [];
  /** Index in `entries` of each kept endpoint, so an entry first seen as gossip and then in the reply is marked. */
  private readonly seen = new Map<string, number>();
  /** getaddr is queued in the outbox and leaves with the current chunk's answers. */
  private getaddrQueued = false;
  /** getaddr has been written: only messages whose first byte arrives after this can be its reply (wire order). */
  private getaddrWritten = false;
  /** A frame had begun arriving when getaddr was written: the first message completed afterwards predates it. */
  private straddling = false;
  private entriesDropped = 0;
  private pongs = 0;
  private pingsIgnored = 0;
  private finished = false;
  private outbox: Uint8Array[] | undefined;
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
  }

  run(): Promise<SessionResult> {
    const done = new Promise<SessionResult>((resolve) => (this.resolve = resolve));
    const o = this.opts;
    const getaddrMax = o.getaddrWait?.maxMs ?? o.getaddrTimeoutMs;
    const overall = o.overallTimeoutMs ?? o.connectTimeoutMs + o.handshakeTimeoutMs + getaddrMax + 5000;
    this.arm("overall", overall, () => this.onDeadline(new SessionTimeoutError("overall")));
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

  /** Arms deadline `name`. When it expires, the decision waits one turn of the event loop (setImmediate runs after
   * the I/O poll): libuv runs expired timers before I/O callbacks, so on a crawler that fell behind (a busy machine,
   * a burst of thousands of dials) bytes or a connect that arrived in time would otherwise lose to their own deadline
   * and be recorded as a timeout. Whatever the poll delivers can disarm it first. */
  private arm(name: string, ms: number, fn: () => void): void {
    const old = this.timers.get(name);
    if (old !== undefined) clearTimeout(old);
    const t: NodeJS.Timeout = setTimeout(
      () =>
        setImmediate(() => {
          if (this.timers.get(name) !== t) return; // disarmed, re-armed or finished while I/O was delivered
          this.timers.delete(name);
          fn();
        }),
      ms,
    );
    this.timers.set(name, t);
  }

  private disarm(name: string): void {
    const t = this.timers.get(name);
    if (t !== undefined) clearTimeout(t);
    this.timers.delete(name);
  }

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
    this.arm("handshake", this.opts.handshakeTimeoutMs, () => this.fail(new SessionTimeoutError("handshake")));
    const nonce = randomBytes(8).readBigUInt64LE(0);
    this.send({
      command: "version",
      version: PROTOCOL_VERSION,
      services: 0n,
      timestamp: BigInt(Math.floor(Date.now() / 1000)),
      receiver: versionAddressOf(this.target),
      sender: EMPTY_ADDR,
      nonce,
      userAgent: USER_AGENT,
      startHeight: 0,
      relay: false,
    });
  }

  /** Queues a frame; frames queued while one chunk is processed leave in a single write (see onData). */
  private send(msg: Message): void {
    const s = this.socket;
    if (s === undefined || s.destroyed || !s.writable) return;
    const frame = constantFrame(this.opts.magic, msg) ?? encodeFrame(this.opts.magic, msg);
    if (this.outbox !== undefined) this.outbox.push(frame);
    else s.write(frame);
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
    // Everything we answer to one chunk (e.g. sendaddrv2 + wtxidrelay + verack + getaddr) leaves in one write.
    const socket = this.socket;
    this.outbox = [];
    for (const msg of messages) {
      if (this.finished) break;
      // Wire order: a message counts as after our getaddr only if none of its bytes arrived before getaddr was
      // written, so an addr coalesced with the peer's verack (same chunk) or straddling the write never does.
      const afterGetaddr = this.getaddrWritten && !this.straddling;
      this.straddling = false;
      this.onMessage(msg, afterGetaddr);
    }
    const out = this.outbox;
    this.outbox = undefined;
    if (out.length > 0 && socket !== undefined && !socket.destroyed && socket.writable) {
      socket.write(out.length === 1 ? out[0]! : Buffer.concat(out));
    }
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
    this.arm("getaddr", ms, () => {
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
          this.send({ command: "pong", nonce: msg.nonce });
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
      this.send({ command: "sendaddrv2" });
      this.send({ command: "wtxidrelay" });
    }
    this.send({ command: "verack" });
    this.maybeHandshakeDone();
  }

  private maybeHandshakeDone(): void {
    if (this.handshakeDone || this.version === null || !this.theirVerack) return;
    this.handshakeDone = true;
    this.disarm("handshake");
    this.handshakeMs = Math.round(performance.now() - this.connectedAt);
    this.getaddrQueued = true;
    this.send({ command: "getaddr" }); // always inside onData: it leaves with the chunk's answers (onGetaddrWritten)
  }

  private onAddr(message: "addr" | "addrv2", entries: readonly PeerAddress[], afterGetaddr: boolean): void {
    this.addrMessages++;
    this.addrsReceived += entries.length;
    const verdict = this.tracker.onMessage(entries, afterGetaddr);
    const inReply = verdict.kind === "reply";
    if (inReply) this.leaveRoom?.(); // it settles within seconds now: no longer waiting
    for (const e of entries) {
      const key = `${e.port} ${e.address}`;
      const at = this.seen.get(key);
      if (at !== undefined) {
        if (inReply) this.entryInReply[at] = true;
        continue;
      }
      if (this.entries.length >= this.limits.maxEntriesKept) {
        this.entriesDropped++;
        continue;
      }
      this.seen.set(key, this.entries.length);
      this.entries.push(e);
      this.entryMessages.push(message);
      this.entryInReply.push(inReply);
    }
    if (inReply && this.getaddrMs === null) this.getaddrMs = Math.round(performance.now() - this.getaddrAt);
    if (verdict.settle === "now") return this.complete();
    if (typeof verdict.settle === "number") this.arm("grace", verdict.settle, () => this.complete());
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
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
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
      addrMessages: this.addrMessages,
      addrsReceived: this.addrsReceived,
      entries: this.entries,
      entryMessages: this.entryMessages,
      entryInReply: this.entryInReply,
      entriesDropped: this.entriesDropped,
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
