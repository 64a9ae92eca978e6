// The crawl engine: takes endpoints from the frontier, routes each (dial, proxy, or record without dialling), runs
// sessions with bounded concurrency (p-queue), and feeds results back into the frontier. It never touches bytes.
import PQueue from "p-queue";
import type { AddrRow } from "../../pipeline/schema/addrs.ts";
import type { VisitRow } from "../../pipeline/schema/visits.ts";
import type { Frontier, FrontierItem } from "./frontier.ts";
import type { DialPolicy } from "./policy.ts";
import { addrRows, isReachable, undialledRow, visitRow } from "./rows.ts";
import { runSession, type SessionOptions, type SessionResult, type SessionTarget } from "./session.ts";
import type { ProxyAddress } from "./socks5.ts";
import { adaptiveWait, crawlPressure, type GetaddrWait } from "./wait.ts";

/** Where a visit's rows go (the durable store, or a test's array). */
export interface VisitSink {
  /** Called once per visit, synchronously, with the visit row and its edges. */
  record(visit: VisitRow, addrs: readonly AddrRow[]): void;
}

/** How the engine crawls. */
export interface EngineOptions {
  readonly concurrency: number;
  /** Session settings shared by every visit (deadlines, magic, limits); signal and proxy are set per visit. */
  readonly session: Omit<SessionOptions, "signal" | "proxy" | "connectTimeoutMs"> & { readonly connectTimeoutMs: number };
  /** Connect deadline through the proxy (Tor is slow); default 30 s. */
  readonly proxyConnectTimeoutMs?: number;
  readonly policy: DialPolicy;
  readonly proxy?: ProxyAddress;
  /** Dial at most this many endpoints (sessions started); undialled records do not count. */
  readonly maxNodes?: number;
  readonly signal?: AbortSignal;
  /** Wait for getaddr replies adaptively (wait.ts: 210 s free, down to 160 s under pressure) instead of the
   * session's pinned getaddrTimeoutMs. */
  readonly adaptiveGetaddr?: boolean;
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
  stoppedBy: "done" | "max_nodes" | "cancelled";
}

/** How an endpoint is handled: dialled (directly or via the proxy), or recorded with an outcome and reason. */
type Route =
  | { readonly kind: "dial"; readonly proxy?: ProxyAddress }
  | { readonly kind: "record"; readonly outcome: "not_dialed" | "unsupported_network"; readonly detail: string };

/** How often a visit that failed for a local reason (EMFILE…) is retried, and after how long. */
const LOCAL_RETRIES = 3;
const LOCAL_RETRY_DELAY_MS = 1000;

/** Decides how to reach an endpoint under the dial policy and the proxy setting. */
export function routeOf(item: FrontierItem, policy: DialPolicy, proxy: ProxyAddress | undefined): Route {
  switch (item.networkType) {
    case "ipv4":
    case "ipv6":
      if (item.port === 0) return { kind: "record", outcome: "not_dialed", detail: "port 0 is not dialable" };
      if (!policy.allows(item.address)) return { kind: "record", outcome: "not_dialed", detail: `outside the dial policy (${policy.describe()})` };
      return { kind: "dial" };
    case "onion_v3":
      if (proxy === undefined) return { kind: "record", outcome: "unsupported_network", detail: "onion addresses need --proxy socks5://HOST:PORT" };
      return { kind: "dial", proxy };
    case "onion_v2":
      return { kind: "record", outcome: "unsupported_network", detail: "TorV2 onion services no longer exist on the Tor network" };
    case "cjdns":
      // CJDNS addresses are IPv6 text in fc00::/8: reachable only over a CJDNS interface the policy explicitly allows.
      if (item.port !== 0 && policy.allows(item.address)) return { kind: "dial" };
      return { kind: "record", outcome: "unsupported_network", detail: "no CJDNS route (allow fc00::/8 in --dial-allow if this host has one)" };
    case "i2p":
      return { kind: "record", outcome: "unsupported_network", detail: "no I2P route (I2P SAM is not supported)" };
  }
}

/** Runs the crawl until the frontier is exhausted, --max-nodes is reached, or the signal aborts. */
export class CrawlEngine {
  readonly stats: EngineStats = { dialled: 0, inFlight: 0, recorded: 0, reachable: 0, sessionsEnded: 0, sessionMsTotal: 0, stoppedBy: "done" };
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

  constructor(
    private readonly frontier: Frontier,
    private readonly sink: VisitSink,
    private readonly opts: EngineOptions,
  ) {
    this.queue = new PQueue({ concurrency: Math.max(1, opts.concurrency) });
    this.getaddrWait = opts.adaptiveGetaddr === true ? adaptiveWait(() => this.pressure()) : undefined;
    // 'next' fires after p-queue has updated pending/size, so the loop re-checks a consistent state.
    this.queue.on("next", () => this.poke());
  }

  /** Crawls; resolves when every started session has ended and been recorded. */
  async run(): Promise<EngineStats> {
    const signal = this.opts.signal;
    const onAbort = () => {
      for (const ac of this.active) ac.abort();
      this.poke();
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      for (;;) {
        if (this.fatal !== undefined) break;
        if (signal?.aborted) {
          this.stats.stoppedBy = "cancelled";
          break;
        }
        const item = this.retryQueue.shift() ?? this.frontier.shift();
        if (item === undefined) {
          if (this.queue.pending === 0 && this.queue.size === 0) break;
          await this.nextCompletion(); // a running visit may add endpoints
          continue;
        }
        const route = routeOf(item, this.opts.policy, this.opts.proxy);
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
        this.stats.dialled++;
        this.stats.inFlight++;
        this.queue
          .add(() => this.visit(item, route.proxy))
          .catch((error: unknown) => {
            this.fatal ??= { error }; // the sink failed (e.g. disk full): stop dialling, let running visits end
          });
        // At most `concurrency` sessions run and at most one waits to start: in-flight work stays bounded.
        while (this.queue.size > 0 && !signal?.aborted && this.fatal === undefined) await this.nextCompletion();
      }
      await this.queue.onIdle();
      if (this.fatal !== undefined) throw this.fatal.error;
      return this.stats;
    } finally {
      signal?.removeEventListener("abort", onAbort);
    }
  }

  /** The crawl's pressure for the adaptive getaddr wait (wait.ts). */
  pressure(): number {
    return crawlPressure(this.stats.inFlight, this.opts.concurrency, this.frontier.waiting + this.retryQueue.length);
  }

  private nextCompletion(): Promise<void> {
    return new Promise((resolve) => (this.wake = resolve));
  }

  private poke(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  private async visit(item: FrontierItem, proxy: ProxyAddress | undefined): Promise<void> {
    const attemptedAt = new Date();
    const t0 = performance.now();
    const o = this.opts;
    const run = o.sessionRunner ?? runSession;
    const ac = new AbortController();
    if (o.signal?.aborted) ac.abort();
    this.active.add(ac);
    try {
      const result = await run(
        { address: item.address, port: item.port, networkType: item.networkType },
        {
          ...o.session,
          connectTimeoutMs: proxy !== undefined ? (o.proxyConnectTimeoutMs ?? 30_000) : o.session.connectTimeoutMs,
          proxy,
          signal: ac.signal,
          ...(this.getaddrWait === undefined ? {} : { getaddrWait: this.getaddrWait }),
        },
      );
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
      this.record(visitRow(item, attemptedAt, result), addrRows(item, result));
      if (result.outcome === "ok") {
        // Only edges widen the frontier, so a resume (which rebuilds it from durable edges) sees the same frontier.
        const depth = item.depth + 1;
        for (const e of result.entries) {
          this.frontier.addIfNew(e.address, e.port, () => ({ address: e.address, port: e.port, networkType: e.networkType, source: "peer", depth }));
        }
      }
    } finally {
      this.active.delete(ac);
      this.stats.inFlight--;
    }
  }

  private record(visit: VisitRow, addrs: readonly AddrRow[]): void {
    this.stats.recorded++;
    if (isReachable(visit.outcome)) this.stats.reachable++;
    this.sink.record(visit, addrs);
  }
}
