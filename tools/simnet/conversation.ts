// One inbound connection to a simnet peer, played the way its behaviour says: Bitcoin Core's inbound
// handshake (version → [wtxidrelay, sendaddrv2] → verack), one getaddr answered per connection with a
// self-announcement first and the cached reply after a delay — or one of the hostile variations.
import type { Socket } from "node:net";
import { FrameParser, canonicalAddress, encodeFrame, type Message } from "../../lib/bitcoin/index.ts";
import { ADDRV2_ONLY, GETADDR_MAX, floodEntries, legacyEntries, replyEntries, spamEntries } from "./addrman.ts";
import type { Behaviour } from "./behaviours.ts";
import type { FrameCache } from "./cache.ts";
import {
  type ConstantFrames,
  WRONG_MAGIC,
  addrFrame,
  cutFrame,
  floodFrame,
  garbageBytes,
  oversizedHeader,
  stallFrame,
  versionFrame,
  type Remote,
} from "./frames.ts";
import type { SimnetModel } from "./model.ts";
import { Rng, hash32 } from "../../lib/random.ts";
import type { VersionRecord } from "./versions.ts";

/** Counters one hosting process keeps (summed over its peers). */
export interface HostStats {
  accepted: number;
  handshakes: number;
  getaddrs: number;
  replies: number;
  open: number;
  /** Bytes of encoded replies cached. */
  cacheBytes: number;
  /** Processes whose background prewarm has finished (0 or 1 per process). */
  prewarmed: number;
}

/** Counters at zero. */
export function emptyStats(): HostStats {
  return { accepted: 0, handshakes: 0, getaddrs: 0, replies: 0, open: 0, cacheBytes: 0, prewarmed: 0 };
}

/** What every connection of one process shares. */
export interface ConversationContext {
  readonly model: SimnetModel;
  readonly magic: number;
  readonly frames: ConstantFrames;
  readonly stats: HostStats;
  /** Timers of delayed replies, cleared on shutdown. */
  readonly timers: Set<NodeJS.Timeout>;
  /** Encoded replies by (peer, addrv2?). */
  readonly replies: FrameCache;
}

/** Connections idle this long are closed (a crawler that forgot a socket must not pin it forever). */
export const IDLE_TIMEOUT_MS = 120_000;
/** How long a `frame_stall` peer holds its never-finished frame open (longer than any getaddr wait). */
export const STALL_HOLD_MS = 600_000;

let connectionCounter = 0;

/** Reply delay of an honest peer: exponential with the configured mean, capped at `cap`× the mean (default 3, so
 * a crawler whose getaddr timeout exceeds that cap always gets the reply); cap 0 = uncapped, as Core's timer. */
export function replyDelay(meanMs: number, u: number, cap = 3): number {
  if (meanMs <= 0) return 0;
  const d = -meanMs * Math.log(1 - u);
  return cap > 0 ? Math.min(cap * meanMs, d) : d;
}

function remoteOf(socket: Socket): Remote {
  try {
    const c = canonicalAddress(socket.remoteAddress ?? "0.0.0.0");
    return { address: c.networkType === "ipv4" ? c.address : "0.0.0.0", port: socket.remotePort ?? 0 };
  } catch {
    return { address: "0.0.0.0", port: 0 };
  }
}

/** Peer `peer`'s getaddr reply frame (addrv2 or legacy addr), from the process's reply cache. */
export function encodedReply(ctx: ConversationContext, peer: number, v2: boolean): Buffer {
  return ctx.replies.get(peer * 2 + (v2 ? 1 : 0), () => {
    const entries = replyEntries(ctx.model, peer);
    return addrFrame(ctx.magic, v2 ? entries : legacyEntries(entries), v2);
  });
}

/** Behaviours that send (part of) their reply frame. */
const SENDS_REPLY: ReadonlySet<Behaviour> = new Set<Behaviour>(["honest", "slow", "ping_flood", "close_mid_message"]);

/** Fills the reply cache for peers [from, to) in the background, in the form a modern crawler asks for
 * (addrv2 from BIP155 peers, addr from older ones), until the cache is full or `stopped()` says so. */
export function prewarmReplies(ctx: ConversationContext, from: number, to: number, stopped: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    let i = from;
    const step = () => {
      if (stopped() || ctx.replies.full) return resolve();
      const end = Math.min(to, i + 32);
      for (; i < end; i++) {
        if (!SENDS_REPLY.has(ctx.model.behaviour(i))) continue;
        encodedReply(ctx, i, ctx.model.addrv2Capable(i));
      }
      if (i >= to) return resolve();
      setImmediate(step); // yield between batches: live connections come first
    };
    setImmediate(step);
  });
}

/** Takes over a freshly accepted socket for peer `peer`. */
export function converse(ctx: ConversationContext, peer: number, socket: Socket): void {
  const behaviour = ctx.model.behaviour(peer);
  ctx.stats.accepted++;
  if (behaviour === "full") {
    socket.on("error", () => {});
    // Core at capacity drops the new socket: the dialler sees a reset. A Unix socket (an overlay peer behind its
    // gateway) has no RST: it is closed, and the gateway passes the end on as tor and I2P do.
    if (socket.remoteAddress === undefined) socket.destroy();
    else socket.resetAndDestroy();
    return;
  }
  ctx.stats.open++;
  socket.setNoDelay(true);
  socket.setTimeout(IDLE_TIMEOUT_MS, () => socket.destroy());
  const c = new Conversation(ctx, peer, behaviour, socket);
  socket.on("data", (chunk: Buffer) => c.onData(chunk));
  socket.on("error", () => {});
  socket.on("close", () => {
    ctx.stats.open--;
    c.closed = true;
    c.clearTimer();
  });
}

class Conversation {
  closed = false;
  private readonly parser: FrameParser | undefined;
  private phase: "await_version" | "await_verack" | "established" | "done" = "await_version";
  private peerVersion = 0;
  private theyWantV2 = false;
  private answeredGetaddr = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly id = ++connectionCounter;
  private record: VersionRecord | undefined;

  constructor(
    private readonly ctx: ConversationContext,
    private readonly peer: number,
    private readonly behaviour: Behaviour,
    private readonly socket: Socket,
  ) {
    this.parser = behaviour === "silent" ? undefined : new FrameParser(ctx.magic);
  }

  clearTimer(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.ctx.timers.delete(this.timer);
      this.timer = undefined;
    }
  }

  private later(ms: number, fn: () => void): void {
    // A reply we still owe is not idleness (Core's timer is uncapped in the mainnet profile): the idle limit
    // counts from when it is due.
    if (ms > 0) this.socket.setTimeout(ms + IDLE_TIMEOUT_MS);
    this.timer = setTimeout(() => {
      this.ctx.timers.delete(this.timer!);
      this.timer = undefined;
      if (!this.closed) fn();
    }, ms);
    this.ctx.timers.add(this.timer);
  }

  private finished(): boolean {
    return this.closed || this.phase === "done";
  }

  onData(chunk: Buffer): void {
    if (!this.parser || this.phase === "done") return; // silent, or a hostile peer that has said its piece
    let messages: Message[];
    try {
      messages = this.parser.push(chunk);
    } catch {
      this.socket.destroy(); // Core disconnects a peer that sends it bad bytes
      return;
    }
    if (messages.length === 0) return;
    this.socket.cork(); // everything we answer to one chunk leaves in one write
    for (const m of messages) {
      if (this.finished()) break;
      this.onMessage(m);
    }
    this.socket.uncork();
  }

  private onMessage(m: Message): void {
    const { frames, magic } = this.ctx;
    switch (m.command) {
      case "version": {
        if (this.phase !== "await_version") return;
        this.peerVersion = m.version;
        this.sendVersion();
        return;
      }
      case "sendaddrv2":
        if (this.phase === "await_verack") this.theyWantV2 = true; // only honoured before verack (BIP155)
        return;
      case "verack": {
        if (this.phase !== "await_verack") return;
        this.phase = "established";
        this.ctx.stats.handshakes++;
        const parts: Buffer[] = [];
        if (this.commonVersion() >= 70016) parts.push(frames.afterHandshake);
        if (this.behaviour === "ping_flood") parts.push(frames.pingFlood);
        for (const p of parts) this.socket.write(p);
        return;
      }
      case "ping":
        if (this.phase === "established") this.socket.write(encodeFrame(magic, { command: "pong", nonce: m.nonce }));
        return;
      case "getaddr":
        if (this.phase !== "established" || this.answeredGetaddr) return; // one per connection, after the handshake
        this.answeredGetaddr = true;
        this.ctx.stats.getaddrs++;
        this.onGetaddr();
        return;
      default:
        return; // everything else (inv, feefilter, unknown commands …) is skipped, never fatal
    }
  }

  private version(): VersionRecord {
    return (this.record ??= this.ctx.model.version(this.peer));
  }

  private commonVersion(): number {
    return Math.min(this.peerVersion, this.version().protocolVersion);
  }

  private useV2(): boolean {
    return this.theyWantV2 && this.version().protocolVersion >= 70016;
  }

  private sendVersion(): void {
    const { model, magic, frames } = this.ctx;
    const record = this.version();
    const now = Math.floor(Date.now() / 1000) + model.clockSkew(this.peer);
    const nonce = (BigInt(hash32(this.peer, this.id)) << 32n) | BigInt(hash32(this.id, this.peer, 7));
    const remote = remoteOf(this.socket);
    switch (this.behaviour) {
      case "garbage":
        this.phase = "done";
        this.socket.write(garbageBytes(magic, new Rng(hash32(model.config.seed, this.peer, 0x6a7b))));
        return;
      case "wrong_magic":
        this.phase = "done";
        this.socket.write(versionFrame(WRONG_MAGIC, record, remote, now, nonce));
        return;
      case "oversized":
        this.phase = "done";
        this.socket.write(oversizedHeader(magic));
        return;
      default:
        break;
    }
    this.socket.write(versionFrame(magic, record, remote, now, nonce));
    if (this.commonVersion() >= 70016) {
      this.socket.write(frames.wtxidrelay);
      this.socket.write(frames.sendaddrv2);
    }
    this.socket.write(frames.verack);
    this.phase = "await_verack";
  }

  private selfAnnouncement(): Buffer | undefined {
    const { model, magic } = this.ctx;
    const networkType = model.network(this.peer);
    if (!this.useV2() && ADDRV2_ONLY.has(networkType)) return undefined; // legacy addr cannot carry an onion or I2P name
    const entry = {
      networkType,
      address: model.address(this.peer),
      port: model.port(this.peer),
      services: model.services(this.peer),
      time: Math.floor(Date.now() / 1000),
    };
    return addrFrame(magic, [entry], this.useV2());
  }

  private replyFrame(): Buffer {
    return encodedReply(this.ctx, this.peer, this.useV2());
  }

  private onGetaddr(): void {
    const { model, magic } = this.ctx;
    const self = this.selfAnnouncement();
    if (self !== undefined) this.socket.write(self); // always first: the real reply is never the first addr message
    switch (this.behaviour) {
      case "addr_flood":
        this.phase = "done";
        this.socket.write(floodFrame(magic, floodEntries(model, this.peer), this.useV2()));
        return;
      case "frame_stall":
        // ~4 MB of a frame that never completes, then silence: the crawler holds the partial frame until it gives up
        this.phase = "done";
        this.socket.setTimeout(STALL_HOLD_MS);
        this.socket.write(stallFrame(magic));
        return;
      case "close_mid_message":
        this.phase = "done";
        this.socket.write(cutFrame(this.replyFrame()));
        this.socket.end();
        return;
      case "slow":
        this.later(model.config.slowMs, () => this.sendReply());
        return;
      case "spammer": {
        // On the same timer as an honest reply: the spam in 1000-entry messages, then the real reply as the last one.
        const delay = replyDelay(model.config.replyDelayMs, Math.random(), model.config.replyDelayCap ?? 3);
        this.later(delay, () => {
          const spam = spamEntries(model, this.peer);
          for (let k = 0; k < spam.length; k += GETADDR_MAX) this.socket.write(addrFrame(magic, spam.slice(k, k + GETADDR_MAX), this.useV2()));
          this.sendReply();
        });
        return;
      }
      default: {
        const delay = replyDelay(model.config.replyDelayMs, Math.random(), model.config.replyDelayCap ?? 3);
        if (delay <= 0) this.sendReply();
        else this.later(delay, () => this.sendReply());
      }
    }
  }

  private sendReply(): void {
    this.socket.write(this.replyFrame());
    this.ctx.stats.replies++;
  }
}
