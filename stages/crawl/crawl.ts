// One crawl of an opened run, as withRun's body: gateways, durable store, frontier and engine; the seal of its
// datasets; then the summary and how it ends the run (withRun writes the crawl record and seals the run).
import { totalmem } from "node:os";
import { HEADLINE_NETWORK_TYPES } from "../../lib/bitcoin/index.ts";
import { log } from "../../pipeline/log.ts";
import { Progress } from "../../pipeline/progress.ts";
import type { RunState } from "../../pipeline/runs.ts";
import type { RunContext, RunEnd, StageNote } from "../../pipeline/with-run.ts";
import { emptyOutcomeCounts, type Outcome } from "./classify.ts";
import { CrawlEngine, type EngineStats } from "./engine.ts";
import { crawlEtaS, formatEta } from "./eta.ts";
import { defaultBufferBudgetBytes } from "./budget.ts";
import { fdLimitLine, memoryBudgetBytes, readFdLimits, sizeConcurrency } from "./fdlimit.ts";
import { Frontier } from "./frontier.ts";
import { DEFAULT_PROXY_CONCURRENCY, Gateways } from "./gateways.ts";
import { type OpenedCrawl, startOf } from "./open.ts";
import type { CrawlOptions } from "./options.ts";
import { DialPolicy } from "./policy.ts";
import { SamSession, parseSamAddress } from "./sam.ts";
import { chainOf } from "./seeds.ts";
import { parseProxy } from "./socks5.ts";
import { CrawlStore, sealReserveMs } from "./store.ts";
import { ADAPTIVE_MAX_MS } from "./wait.ts";

/** What a crawl did; `outcomes` always lists the whole closed set. */
export interface CrawlSummary {
  runId: string;
  runDir: string;
  state: RunState;
  discovered: number;
  attempted: number;
  reachable: Record<string, number>;
  outcomes: Record<Outcome, number>;
  durationS: number;
  visitsPerS: number;
  /** Why the crawl stopped: done (frontier exhausted), max_nodes, max_duration, cancelled (signal). */
  stoppedBy: "done" | "max_nodes" | "max_duration" | "cancelled";
  visits: number;
  addrs: number;
  resumed: boolean;
  /** The frontier's bound at work: single-source entries beyond the per-source cap, and endpoints dropped undialled
   * because the waiting endpoints reached the memory bound (also in the manifest's crawl details). */
  frontierOverflowed: number;
  frontierDropped: number;
  /** Getaddr waits ended by the end-of-crawl rule (tail.ts), and when the last dial started (s after the start). */
  tailEnded: number;
  lastDialS: number;
  /** Why the run was sealed failed (no node reachable) or cancelled. */
  error?: string;
}

/** Reachable counts with every headline network type present (0 when none), then any other type the run had. */
export function reachableByHeadline(counts: Readonly<Record<string, number>>): Record<string, number> {
  return { ...Object.fromEntries(HEADLINE_NETWORK_TYPES.map((t) => [t, 0])), ...counts };
}

/** What one crawl produced: the summary for the caller, and how it ends the run and reads in its crawl record. */
export interface CrawlResult {
  readonly summary: CrawlSummary;
  readonly end: RunEnd;
  readonly note: StageNote;
}

/**
 * Crawls the opened run until its frontier is exhausted, --max-nodes is used up, --max-duration passes or `ctx`
 * is cancelled, then seals its datasets. `started` (performance.now()) times the summary from the call of runCrawl.
 */
export async function crawlRun(ctx: RunContext, opened: OpenedCrawl, opts: CrawlOptions, started: number): Promise<CrawlResult> {
  const { run } = ctx;
  const resumed = opened.seeds === undefined;
  const { params, seeds } = await startOf(opened);
  const policy = DialPolicy.of(params.dial_allow, params.dial_deny);
  const proxies = (params.proxies ?? (params.proxy === null ? [] : [params.proxy])).map(parseProxy);
  const sam = params.i2p_sam === undefined || params.i2p_sam === null ? undefined : new SamSession(parseSamAddress(params.i2p_sam));
  const gateways = new Gateways(proxies, sam, params.proxy_concurrency ?? DEFAULT_PROXY_CONCURRENCY);
  const limits = readFdLimits();
  log("info", fdLimitLine(limits));
  const memoryBudget = memoryBudgetBytes(totalmem());
  const { concurrency, note, basis } = sizeConcurrency(opts.concurrency, limits, memoryBudget);
  if (note !== undefined) log("warn", note);
  const bufferBudget = opts.bufferBudgetMiB === undefined ? defaultBufferBudgetBytes(memoryBudget) : Math.round(opts.bufferBudgetMiB * 1024 ** 2);
  const via = [...gateways.proxies.map((p) => `onion via ${p.label}`), ...(gateways.sam ? [`I2P via ${gateways.sam.label}`] : [])];
  log(
    "info",
    `run ${run.id}: dial policy ${policy.describe()}; concurrency ${concurrency} (${basis}); buffered frames ≤ ${Math.round(bufferBudget / 1024 ** 2)} MiB${opts.bufferBudgetMiB === undefined ? " (a quarter of the memory budget)" : ""}${via.length > 0 ? `; ${via.join(", ")} (≤ ${params.proxy_concurrency ?? DEFAULT_PROXY_CONCURRENCY} sessions each)` : ""}`,
  );

  const store = await CrawlStore.open(run);
  const durable = await store.loadDurable();
  const frontier = new Frontier();
  for (const d of durable.done) frontier.markSeen(d.address, d.port);
  for (const s of seeds) frontier.add(s);
  for (const a of durable.advertised) frontier.addAdvertised([a], a.depth);
  if (resumed) log("info", `resume: ${durable.done.length} visits done, ${frontier.waiting} endpoints to visit`);

  // --max-duration counts from the start of the command (seeds, DNS and resume included); the engine stops early
  // enough for the seal to end by it (its cost estimated from the rows gathered, store.ts sealReserveMs), cancelling
  // every open session at once. A cancel of the run (a signal, the caller's signal) stops it the same way.
  const deadline = opts.maxDurationS === undefined ? undefined : started + opts.maxDurationS * 1000;
  const rowsBefore = durable.durableVisits + durable.advertised.length; // a resume's seal rewrites those rows too

  const chain = chainOf(run.network);
  const engine: CrawlEngine = new CrawlEngine(frontier, store, {
    concurrency,
    policy,
    gateways,
    maxNodes: params.max_nodes === null ? undefined : Math.max(0, params.max_nodes - durable.dialled),
    signal: ctx.signal,
    deadline,
    reserveMs: (): number => sealReserveMs(rowsBefore + engine.stats.rows),
    bufferBudgetBytes: bufferBudget,
    proxyConnectTimeoutMs: params.proxy_connect_timeout_ms,
    i2pConnectTimeoutMs: params.i2p_connect_timeout_ms,
    i2pHandshakeTimeoutMs: params.i2p_handshake_timeout_ms,
    session: {
      magic: chain.magic,
      connectTimeoutMs: params.connect_timeout_ms,
      handshakeTimeoutMs: params.handshake_timeout_ms,
      getaddrTimeoutMs: params.getaddr_timeout_ms ?? ADAPTIVE_MAX_MS,
    },
    adaptiveGetaddr: params.getaddr_timeout_ms === null,
  });
  const done0 = durable.done.length;
  const progress =
    opts.progress === false
      ? undefined
      : new Progress({
          render: () => {
            const s = engine.stats;
            const elapsed = (performance.now() - started) / 1000;
            const rate = s.recorded / Math.max(elapsed, 0.001);
            return `crawl ${run.id}: discovered ${frontier.discovered} · in flight ${s.inFlight} · done ${done0 + s.recorded} · reachable ${s.reachable} · ${rate.toFixed(0)}/s · ETA ${formatEta(crawlEtaS({ elapsedS: elapsed, dialled: s.dialled, waiting: frontier.waiting, inFlight: s.inFlight, sessionsEnded: s.sessionsEnded, sessionMsTotal: s.sessionMsTotal }))}`;
          },
        });
  store.startCheckpoints();
  let stats: EngineStats;
  try {
    stats = await engine.run();
  } catch (err) {
    await store.close().catch(() => undefined);
    throw err;
  } finally {
    progress?.stop();
    gateways.close();
  }
  const stopReason = stats.stoppedBy === "cancelled" || stats.stoppedBy === "max_duration" ? stats.stoppedBy : undefined;
  if (stopReason === "max_duration") {
    log(
      "info",
      `--max-duration ${opts.maxDurationS} s: stopped dialling and cancelled the open sessions; ended at ${((performance.now() - started) / 1000).toFixed(1)} s, sealing`,
    );
  }
  if (stats.buffer.shed > 0) {
    log(
      "warn",
      `buffer budget: ${stats.buffer.shed} sessions holding the largest partial frames shed (protocol_error over_buffer_budget) in ${stats.buffer.pressureEvents} episodes of back-pressure`,
    );
  }
  if (frontier.drops.dropped > 0) {
    log(
      "warn",
      `frontier full: ${frontier.drops.dropped} lowest-evidence endpoints dropped undialled (bound ${Math.round(frontier.boundBytes / 2 ** 20)} MiB of waiting endpoints)`,
    );
  }
  const sealed = await store.seal(resumed);

  const stoppedBy = stopReason ?? (stats.stoppedBy === "max_nodes" ? "max_nodes" : "done");
  let state: RunState = stopReason === undefined ? "succeeded" : "cancelled";
  const durationS = (performance.now() - started) / 1000;
  const outcomes = { ...emptyOutcomeCounts(), ...sealed.outcomes } as Record<Outcome, number>;
  const attempted = sealed.visits - outcomes.not_dialed - outcomes.unsupported_network;
  const reachable = reachableByHeadline(sealed.reachableByNetwork);
  const reachableTotal = Object.values(reachable).reduce((a, b) => a + b, 0);
  let error = state === "cancelled" ? `cancelled (${ctx.cancelledBy() ?? stoppedBy})` : undefined;
  if (state === "succeeded" && reachableTotal === 0) {
    // an empty snapshot is not a picture of the network: sealed failed, it never becomes the default run
    const tried = Object.entries(outcomes)
      .filter(([, n]) => n > 0)
      .map(([o, n]) => `${o} ${n}`)
      .join(", ");
    state = "failed";
    error = `no node was reachable (${attempted} dialled${tried === "" ? "" : `: ${tried}`}); the run is sealed failed`;
  }
  const counts = { discovered: frontier.discovered, visits: sealed.visits, addrs: sealed.addrs, attempted, reachable: reachableTotal };
  const details = {
    stopped_by: stoppedBy,
    resumed,
    concurrency,
    outcomes,
    reachable,
    frontier_overflowed: frontier.drops.overflowed,
    frontier_dropped: frontier.drops.dropped,
    tail_ended: stats.tailEnded,
    buffer_budget_bytes: bufferBudget,
    buffer_peak_bytes: stats.buffer.peakBytes,
    buffer_pressure_events: stats.buffer.pressureEvents,
    buffer_shed: stats.buffer.shed,
  };
  return {
    summary: {
      runId: run.id,
      runDir: run.dir,
      state,
      discovered: frontier.discovered,
      attempted,
      reachable,
      outcomes,
      durationS,
      visitsPerS: stats.recorded / Math.max(durationS, 0.001),
      stoppedBy,
      visits: sealed.visits,
      addrs: sealed.addrs,
      resumed,
      frontierOverflowed: frontier.drops.overflowed,
      frontierDropped: frontier.drops.dropped,
      tailEnded: stats.tailEnded,
      lastDialS: stats.lastDialAt === 0 ? 0 : (stats.lastDialAt - started) / 1000,
      ...(error === undefined ? {} : { error }),
    },
    end: { state, error, counts },
    note: { counts, details },
  };
}
