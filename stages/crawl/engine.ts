// The crawl engine: takes endpoints from the frontier, routes each (dial, proxy, or record without dialling), runs
// sessions with bounded concurrency (p-queue), and feeds results back into the frontier. It never touches bytes.
import PQueue from "p-queue";
import type { AddrRow } from "../../pipeline/schema/addrs.ts";
import type { VisitRow } from "../../pipeline/schema/visits.ts";
import { BufferBudget, type BudgetStats } from "./budget.ts";
import type { Frontier, FrontierItem } from "./frontier.ts";
import type { DialPolicy } from "./policy.ts";
import { isReachable } from "../../pipeline/schema/visits.ts";
import { addrRows, undialledRow, visitRow } from "./rows.ts";
import { DEFAULT_I2P_CONNECT_TIMEOUT_MS, DEFAULT_I2P_HANDSHAKE_TIMEOUT_MS, type Gateway, Gateways, isProxyGateway, type Route } from "./gateways.ts";
import { runSession, type SessionOptions, type SessionResult, type SessionTarget } from "./session.ts";
import { END_MISS_SHARE, tailCanEnd, WaitingRoom } from "./tail.ts";
import { adaptiveWait, crawlPressure, type GetaddrWait } from "./wait.ts";

/** Where a visit's rows go (the durable store, or a test's array). */
export interface VisitSink {
  /** Called once per visit, synchronously, with the visit row and its edges. */
  record(visit: VisitRow, addrs: readonly AddrRow[]): void;
}

/** How the engine crawls. */
export interface EngineOptions {
  readonly concurrency: number;
  /** Session settings shared by every visit (deadlines, magic, limits); signal and gateway are set per visit. */
  readonly session: Omit<SessionOptions, "signal" | "proxy" | "socksAuth" | "sam" | "connectTimeoutMs"> & { readonly connectTimeoutMs: number };
  /** Connect deadline through a SOCKS5 proxy (Tor is slow); default 30 s. */
  readonly proxyConnectTimeoutMs?: number;
  /** Connect deadline through the SAM bridge (session creation and STREAM CONNECT); default 60 s. */
  readonly i2pConnectTimeoutMs?: number;
  /** Handshake deadline over I2P; default 30 s. */
  readonly i2pHandshakeTimeoutMs?: number;
  readonly policy: DialPolicy;
  /** SOCKS5 proxies and the SAM session (none: onion and I2P addresses are recorded unsupported_network). */
  readonly gateways?: Gateways;
  /** Dial at most this many endpoints (sessions started); undialled records do not count. */
  readonly maxNodes?: number;
  readonly signal?: AbortSignal;
  /** Wait for getaddr replies adaptively (wait.ts: 210 s free, down to 160 s under pressure, and the end-of-crawl rule
   * of tail.ts) instead of the session's pinned getaddrTimeoutMs. */
  readonly adaptiveGetaddr?: boolean;
  /** Share of replies the end-of-crawl rule may leave missing (tail.ts; default END_MISS_SHARE). */
  readonly tailMissShare?: number;
  /** Bytes all sessions together may buffer in partial frames (budget.ts); over it: back-pressure, then shedding.
   * Default: no crawl-wide bound (each session is still capped). */
  readonly bufferBudgetBytes?: number;
  /** Milliseconds back-pressure alone is given before the largest holders are shed (default 250). */
  readonly bufferSettleMs?: number;
  /** performance.now() at which to stop dialling and cancel open sessions (--max-duration), checked by the engine
   * itself as well as by the caller's timer, so a busy event loop cannot push the stop far past it. */
  readonly deadline?: number;
  /** Milliseconds to keep free before `deadline` for what follows the crawl (the seal, whose cost grows with the rows
   * recorded): the engine stops at deadline − reserveMs(), re-read every DEADLINE_CHECK_MS. Default none. */
  readonly reserveMs?: () => number;
  /** Replaces runSession (benchmarks of the engine alone); tests use real sessions. */
  readonly sessionRunner?: (target: SessionTarget, opts: SessionOptions) => Promise<SessionResult>;
}

/** Live counters, read by the progress line and the summary. */
export interface EngineStats {
  dialled: number;
  inFlight: number;
  recorded: number;
  reachable: number;
  /** Dialled sessions that ended, and their summed duration (the progress line's ETA). */
  sessionsEnded: number;
  sessionMsTotal: number;
  /** Dialled sessions that ended ok (replies captured) and no_addr_reply (handshaken, no reply): the tail rule. */
  captured: number;
  lost: number;
  /** Getaddr waits the end-of-crawl rule ended (tail.ts; recorded no_addr_reply). */
  tailEnded: number;
  /** performance.now() when the last dial started (0: none). */
  lastDialAt: number;
  stoppedBy: "done" | "max_nodes" | "cancelled" | "max_duration";
  /** Rows handed to the sink: visits plus their addrs edges (what the seal will write). */
  rows: number;
  /** What the buffer budget did (zeros without one). */
  buffer: BudgetStats;
}

/** How often the engine re-reads its stop time (deadline − reserve) while it waits. */
const DEADLINE_CHECK_MS = 250;

/** Dials started in one synchronous burst before the engine yields to I/O. */
const DIAL_BURST = 100;

/** How often a visit that failed for a local reason (EMFILE…) is retried, and after how long. */
const LOCAL_RETRIES = 3;
const LOCAL_RETRY_DELAY_MS = 1000;

/** Decides how to reach an endpoint under the dial policy and the gateways (none: overlays unsupported). */
export function routeOf(item: FrontierItem, policy: DialPolicy, gateways: Gateways = NO_GATEWAYS): Route {
  return gateways.route(item, policy);
}

const NO_GATEWAYS = new Gateways([], undefined, 1);

/** Runs the crawl until the frontier is exhausted, --max-nodes is reached, or the signal aborts. */
export class CrawlEngine {
  readonly stats: EngineStats;
  private readonly queue: PQueue;
  private wake: (() => void) | undefined;
  private sinceYield = 0;
  private fatal: { error: unknown } | undefined;
  /** One controller per running visit: a single listener on the crawl's signal aborts them all (an AbortSignal
   * with thousands of listeners costs O(n) per add/remove). */
  private readonly active = new Set<AbortController>();
  /** Items whose dial failed for a local reason (EMFILE…), to be dialled again; and how often each was. */
  private readonly retryQueue: FrontierItem[] = [];
  private readonly retries = new Map<FrontierItem, number>();
  private readonly getaddrWait: GetaddrWait | undefined;
  /** Sessions waiting for their getaddr reply (adaptive wait only: a pinned --getaddr-timeout never ends early). */
  private readonly room: WaitingRoom | undefined;
  private readonly gateways: Gateways;
  /** Overlay endpoints waiting for a free slot on their gateway kind (they never hold a global slot while waiting). */
  private readonly parked: Record<"tor" | "i2p", FrontierItem[]> = { tor: [], i2p: [] };
  private readonly budget: BufferBudget | undefined;
  /** Aborts every running visit at once: the crawl's signal, or the engine's own deadline. */
  private readonly stop = new AbortController();

  constructor(
    private readonly frontier: Frontier,
    private readonly sink: VisitSink,
    private readonly opts: EngineOptions,
  ) {
    this.queue = new PQueue({ concurrency: Math.max(1, opts.concurrency) });
    this.budget =
      opts.bufferBudgetBytes === undefined
        ? undefined
        : new BufferBudget(opts.bufferBudgetBytes, { settleMs: opts.bufferSettleMs, onRelief: () => this.poke() });
    this.stats = {
      dialled: 0,
      inFlight: 0,
      recorded: 0,
      reachable: 0,
      sessionsEnded: 0,
      sessionMsTotal: 0,
      captured: 0,
      lost: 0,
      tailEnded: 0,
      lastDialAt: 0,
      stoppedBy: "done",
      rows: 0,
      buffer: this.budget?.stats ?? { peakBytes: 0, pressureEvents: 0, shed: 0 },
    };
    this.getaddrWait = opts.adaptiveGetaddr === true ? adaptiveWait(() => this.pressure()) : undefined;
    this.room = opts.adaptiveGetaddr === true ? new WaitingRoom(() => this.poke()) : undefined;
    this.gateways = opts.gateways ?? NO_GATEWAYS;
    // 'next' fires after p-queue has updated pending/size, so the loop re-checks a consistent state.
    this.queue.on("next", () => this.poke());
  }

  /** Crawls; resolves when every started session has ended and been recorded. */
  async run(): Promise<EngineStats> {
    const signal = this.opts.signal;
    const deadline = this.opts.deadline;
    const onAbort = () => this.halt("cancelled");
    if (signal?.aborted) onAbort();
    signal?.addEventListener("abort", onAbort, { once: true });
    const pastStop = () => deadline !== undefined && performance.now() + (this.opts.reserveMs?.() ?? 0) >= deadline;
    const deadlineTimer =
      deadline === undefined
        ? undefined
        : setInterval(() => {
            if (pastStop()) this.halt("max_duration");
          }, DEADLINE_CHECK_MS);
    try {
      for (;;) {
        if (this.fatal !== undefined) break;
        if (pastStop()) this.halt("max_duration"); // the interval may be late on a busy event loop
        if (this.stop.signal.aborted) break;
        if (this.budget?.pressured) {
          await this.nextCompletion(); // back-pressure: no new dial until the buffered bytes are back under the budget
          continue;
        }
        const next = this.nextDispatch();
        if (next === undefined) {
          if (this.queue.pending === 0 && this.queue.size === 0) break;
          this.maybeEndTail();
          await this.nextCompletion(); // a running visit may add endpoints or free a gateway slot
          continue;
        }
        const { item, route } = next;
        if (route.kind === "record") {
          this.record(undialledRow(item, new Date(), route.outcome, route.detail), []);
          if (++this.sinceYield >= 1000) {
            this.sinceYield = 0;
            await new Promise((r) => setImmediate(r)); // long runs of undialled records must not starve the sockets
          }
          continue;
        }
        if (this.opts.maxNodes !== undefined && this.stats.dialled >= this.opts.maxNodes) {
          this.stats.stoppedBy = "max_nodes";
          break;
        }
        let gateway: Gateway | undefined;
        if (route.via !== "direct") {
          gateway = this.gateways.acquire(route.via);
          if (gateway === undefined) {
            this.parked[route.via].push(item); // every gateway of this kind is at its cap
            continue;
          }
        }
        this.stats.dialled++;
        this.stats.inFlight++;
        this.stats.lastDialAt = performance.now();
        this.queue
          .add(() => this.visit(item, route.via, gateway))
          .catch((error: unknown) => {
            this.fatal ??= { error }; // the sink failed (e.g. disk full): stop dialling, let running visits end
          });
        // At most `concurrency` sessions run and at most one waits to start: in-flight work stays bounded.
        while (this.queue.size > 0 && !this.stop.signal.aborted && this.fatal === undefined) await this.nextCompletion();
        if (++this.sinceYield >= DIAL_BURST) {
          // With free slots p-queue starts each visit synchronously, so without this a crawl with thousands of slots
          // would open them all in one block; sockets whose connect completed meanwhile would then see their connect
          // timer fire first (libuv runs timers before I/O callbacks) and end as false timeouts.
          this.sinceYield = 0;
          await new Promise((r) => setImmediate(r));
        }
      }
      await this.queue.onIdle();
      if (this.fatal !== undefined) throw this.fatal.error;
      return this.stats;
    } finally {
      if (deadlineTimer !== undefined) clearInterval(deadlineTimer);
      this.budget?.close();
      signal?.removeEventListener("abort", onAbort);
    }
  }

  /** Stops the crawl (signal or deadline): no new dial, every running visit cancelled at once. */
  private halt(reason: "cancelled" | "max_duration"): void {
    if (this.stop.signal.aborted) return;
    this.stats.stoppedBy = reason;
    this.stop.abort();
    for (const ac of this.active) ac.abort();
    this.poke();
  }

  /** Bytes buffered by all sessions now, and whether back-pressure is on (the progress line). */
  get buffered(): { bytes: number; pressured: boolean } {
    return { bytes: this.budget?.total ?? 0, pressured: this.budget?.pressured ?? false };
  }

  /** The crawl's pressure for the adaptive getaddr wait (wait.ts). */
  pressure(): number {
    return crawlPressure(this.stats.inFlight, this.opts.concurrency, this.frontier.waiting + this.retryQueue.length);
  }

  /** The end-of-crawl rule (tail.ts): nothing left to dial and every session in flight waiting for a reply that is
   * now unlikely to matter → end those waits. */
  private maybeEndTail(): void {
    const room = this.room;
    if (room === undefined || room.size === 0 || room.size !== this.stats.inFlight) return;
    if (this.retryQueue.length > 0 || this.parkedCount > 0 || this.frontier.waiting > 0) return;
    const counts = { captured: this.stats.captured, lost: this.stats.lost, waiting: room.size };
    if (!tailCanEnd(counts, this.opts.tailMissShare ?? END_MISS_SHARE)) return;
    this.stats.tailEnded += room.endAll();
  }

  /** The next endpoint to handle: retries first, then parked overlay endpoints whose gateway has room, then
   * the frontier; undefined when only parked endpoints without room (or nothing) remain. */
  private nextDispatch(): { item: FrontierItem; route: Route } | undefined {
    const retry = this.retryQueue.shift();
    if (retry !== undefined) return { item: retry, route: this.gateways.route(retry, this.opts.policy) };
    for (const via of ["tor", "i2p"] as const) {
      const list = this.parked[via];
      if (list.length > 0 && this.gateways.hasRoom(via)) return { item: list.shift()!, route: { kind: "dial", via } };
    }
    const item = this.frontier.shift();
    return item === undefined ? undefined : { item, route: this.gateways.route(item, this.opts.policy) };
  }

  /** Endpoints waiting for a gateway slot. */
  get parkedCount(): number {
    return this.parked.tor.length + this.parked.i2p.length;
  }

  private nextCompletion(): Promise<void> {
    return new Promise((resolve) => (this.wake = resolve));
  }

  private poke(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  /** Session options of one visit: deadlines and the gateway of its route. */
  private sessionFor(via: "direct" | "tor" | "i2p", gateway: Gateway | undefined, signal: AbortSignal): SessionOptions {
    const o = this.opts;
    const wait = {
      ...(this.getaddrWait === undefined ? {} : { getaddrWait: this.getaddrWait, waitingRoom: this.room }),
      ...(this.budget === undefined ? {} : { budget: this.budget }),
    };
    if (gateway !== undefined && isProxyGateway(gateway)) {
      const connectTimeoutMs = o.proxyConnectTimeoutMs ?? 30_000;
      return { ...o.session, ...wait, connectTimeoutMs, proxy: gateway.proxy, socksAuth: this.gateways.nextCredential(), signal };
    }
    if (via === "i2p" && this.gateways.sam !== undefined) {
      return {
        ...o.session,
        ...wait,
        connectTimeoutMs: o.i2pConnectTimeoutMs ?? DEFAULT_I2P_CONNECT_TIMEOUT_MS,
        handshakeTimeoutMs: o.i2pHandshakeTimeoutMs ?? DEFAULT_I2P_HANDSHAKE_TIMEOUT_MS,
        sam: this.gateways.sam.session,
        signal,
      };
    }
    return { ...o.session, ...wait, signal };
  }

  private async visit(item: FrontierItem, via: "direct" | "tor" | "i2p", gateway: Gateway | undefined): Promise<void> {
    const attemptedAt = new Date();
    const t0 = performance.now();
    const o = this.opts;
    const run = o.sessionRunner ?? runSession;
    const ac = new AbortController();
    if (this.stop.signal.aborted) ac.abort();
    this.active.add(ac);
    let released = false;
    try {
      const result = await run({ address: item.address, port: item.port, networkType: item.networkType }, this.sessionFor(via, gateway, ac.signal));
      if (gateway !== undefined) {
        released = true;
        this.gateways.release(gateway, result.outcome, result.detail);
      }
      if (result.localFailure && (this.retries.get(item) ?? 0) < LOCAL_RETRIES && !ac.signal.aborted) {
        // Our own descriptors or buffers ran out: not the peer's fault, so try it again shortly instead of recording.
        this.retries.set(item, (this.retries.get(item) ?? 0) + 1);
        this.stats.dialled--; // counted again when it is dialled again
        await new Promise((r) => setTimeout(r, LOCAL_RETRY_DELAY_MS));
        this.retryQueue.push(item);
        return;
      }
      this.retries.delete(item);
      this.stats.sessionsEnded++;
      this.stats.sessionMsTotal += performance.now() - t0;
      if (result.outcome === "ok") this.stats.captured++;
      else if (result.outcome === "no_addr_reply") this.stats.lost++;
      this.record(visitRow(item, attemptedAt, result), addrRows(item, result));
      if (result.outcome === "ok") {
        // Only edges widen the frontier, so a resume (which rebuilds it from durable edges) sees the same frontier.
        this.frontier.addAdvertised(result.entries, item.depth + 1);
      }
    } finally {
      if (gateway !== undefined && !released) this.gateways.release(gateway, "cancelled", null);
      this.active.delete(ac);
      this.stats.inFlight--;
    }
  }

  private record(visit: VisitRow, addrs: readonly AddrRow[]): void {
    this.stats.recorded++;
    this.stats.rows += 1 + addrs.length;
    if (isReachable(visit.outcome)) this.stats.reachable++;
    this.sink.record(visit, addrs);
  }
}
