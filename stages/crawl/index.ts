// The crawl stage's entry point: runCrawl creates (or, with resume, reopens) a run, crawls from its seeds into
// durable visits/addrs parts, and seals the run. Everything it needs from the CLI arrives as CrawlOptions.
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { totalmem } from "node:os";
import { join } from "node:path";
import { DataError, UsageError, errorMessage } from "../../pipeline/errors.ts";
import { faultPoint } from "../../pipeline/fault.ts";
import { writeFileAtomic } from "../../pipeline/fsutil.ts";
import { acquireLock } from "../../pipeline/lock.ts";
import { log } from "../../pipeline/log.ts";
import type { NetworkName } from "../../lib/bitcoin/networks.ts";
import { Progress } from "../../pipeline/progress.ts";
import { listRuns, Run, type RunState } from "../../pipeline/runs.ts";
import { emptyOutcomeCounts, type Outcome } from "./classify.ts";
import { CrawlEngine, type EngineStats } from "./engine.ts";
import { crawlEtaS, formatEta } from "./eta.ts";
import { defaultBufferBudgetBytes } from "./budget.ts";
import { fdLimitLine, memoryBudgetBytes, readFdLimits, sizeConcurrency } from "./fdlimit.ts";
import { Frontier, type FrontierItem } from "./frontier.ts";
import { HEADLINE_NETWORK_TYPES } from "../../lib/bitcoin/index.ts";
import { DEFAULT_I2P_CONNECT_TIMEOUT_MS, DEFAULT_I2P_HANDSHAKE_TIMEOUT_MS, DEFAULT_PROXY_CONCURRENCY, Gateways } from "./gateways.ts";
import { SamSession, parseSamAddress } from "./sam.ts";
import { DialPolicy } from "./policy.ts";
import { ADAPTIVE_MAX_MS } from "./wait.ts";
import { chainOf, gatherSeeds } from "./seeds.ts";
import { parseProxy } from "./socks5.ts";
import { CrawlStore } from "./store.ts";

export type { Outcome } from "./classify.ts";
export { OUTCOMES } from "./classify.ts";

/** Everything a crawl needs (docs/CONTRACTS.md "Crawl stage"), plus optional extras after `progress`. */
export interface CrawlOptions {
  dataDir: string;
  network: NetworkName;
  seeds: readonly string[];
  dnsSeeds: boolean;
  dnsServer?: string;
  /** Pins the concurrency; undefined: sized from the open-file limit and the memory budget (fdlimit.ts). */
  concurrency?: number;
  connectTimeoutMs: number;
  handshakeTimeoutMs: number;
  /** Pins the getaddr wait; undefined: adaptive (stages/crawl/wait.ts, 160–210 s by pressure). */
  getaddrTimeoutMs?: number;
  maxNodes?: number;
  maxDurationS?: number;
  /** CIDRs; empty means the network's default policy. */
  dialAllow: readonly string[];
  dialDeny: readonly string[];
  proxy?: string;
  /** true: the newest unfinished run of the network; a string: that run id. */
  resume?: string | true;
  signal?: AbortSignal;
  progress?: boolean;
  /** --seed-file: one HOST[:PORT] per line. */
  seedFile?: string;
  /** Connect deadline through the SOCKS5 proxy (default 30,000 ms: Tor circuits are slow). */
  proxyConnectTimeoutMs?: number;
  /** Seed from the previous succeeded run's reachable nodes (default true). */
  previousRun?: boolean;
  /** More SOCKS5 proxies for onion peers (sessions spread across `proxy` and these). */
  proxies?: readonly string[];
  /** Sessions at once per proxy (and through the SAM bridge); default 256. */
  proxyConcurrency?: number;
  /** SAM v3.1 bridge for I2P peers (`HOST:PORT`). */
  i2pSam?: string;
  /** Connect deadline through the SAM bridge (default 60,000 ms). */
  i2pConnectTimeoutMs?: number;
  /** Handshake deadline over I2P (default 30,000 ms). */
  i2pHandshakeTimeoutMs?: number;
  /** Allow fc00::/8 (CJDNS) in the dial policy. */
  cjdns?: boolean;
  /** MiB all sessions together may buffer in partial frames (budget.ts); default a quarter of the memory budget. */
  bufferBudgetMiB?: number;
}

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

/** Crawl parameters that shape the data; stored in the manifest so --resume continues with the same ones. */
interface StoredParams {
  seeds: string[];
  seed_file: string | null;
  dns_seeds: boolean;
  dns_server: string | null;
  dial_allow: string[];
  dial_deny: string[];
  proxy: string | null;
  /** Every SOCKS5 proxy (older runs have only `proxy`). */
  proxies?: string[];
  proxy_concurrency?: number;
  i2p_sam?: string | null;
  i2p_connect_timeout_ms?: number;
  i2p_handshake_timeout_ms?: number;
  connect_timeout_ms: number;
  proxy_connect_timeout_ms: number;
  handshake_timeout_ms: number;
  /** null: the adaptive wait. */
  getaddr_timeout_ms: number | null;
  max_nodes: number | null;
}

/** Reachable counts with every headline network type present (0 when none), then any other type the run had. */
export function reachableByHeadline(counts: Readonly<Record<string, number>>): Record<string, number> {
  return { ...Object.fromEntries(HEADLINE_NETWORK_TYPES.map((t) => [t, 0])), ...counts };
}

/** Seeds of the run, written once at creation so a resume starts from exactly the same ones. */
const SEEDS_FILE = "crawl-seeds.json";

function validate(o: CrawlOptions): void {
  const positive = (name: string, v: number | undefined) => {
    if (v !== undefined && (!Number.isFinite(v) || v <= 0)) throw new UsageError(`${name} must be a positive number, got ${v}`);
  };
  positive("concurrency", o.concurrency);
  positive("connect timeout", o.connectTimeoutMs);
  positive("handshake timeout", o.handshakeTimeoutMs);
  positive("getaddr timeout", o.getaddrTimeoutMs);
  positive("max nodes", o.maxNodes);
  positive("max duration", o.maxDurationS);
  positive("proxy connect timeout", o.proxyConnectTimeoutMs);
  positive("proxy concurrency", o.proxyConcurrency);
  positive("I2P connect timeout", o.i2pConnectTimeoutMs);
  positive("I2P handshake timeout", o.i2pHandshakeTimeoutMs);
  positive("buffer budget", o.bufferBudgetMiB);
}

/** Every proxy of the options: `proxy` first, then `proxies`, duplicates removed. */
function proxyList(o: CrawlOptions): string[] {
  return [...new Set([...(o.proxy === undefined ? [] : [o.proxy]), ...(o.proxies ?? [])])];
}

function storedParams(o: CrawlOptions, policy: DialPolicy): StoredParams {
  return {
    seeds: [...o.seeds],
    seed_file: o.seedFile ?? null,
    dns_seeds: o.dnsSeeds,
    dns_server: o.dnsServer ?? null,
    dial_allow: policy.allow.map((c) => c.text),
    dial_deny: policy.deny.map((c) => c.text),
    proxy: proxyList(o)[0] ?? null,
    proxies: proxyList(o),
    proxy_concurrency: o.proxyConcurrency ?? DEFAULT_PROXY_CONCURRENCY,
    i2p_sam: o.i2pSam ?? null,
    i2p_connect_timeout_ms: o.i2pConnectTimeoutMs ?? DEFAULT_I2P_CONNECT_TIMEOUT_MS,
    i2p_handshake_timeout_ms: o.i2pHandshakeTimeoutMs ?? DEFAULT_I2P_HANDSHAKE_TIMEOUT_MS,
    connect_timeout_ms: o.connectTimeoutMs,
    proxy_connect_timeout_ms: o.proxyConnectTimeoutMs ?? 30_000,
    handshake_timeout_ms: o.handshakeTimeoutMs,
    getaddr_timeout_ms: o.getaddrTimeoutMs ?? null,
    max_nodes: o.maxNodes ?? null,
  };
}

async function readSeedsFile(runDir: string): Promise<FrontierItem[]> {
  try {
    return JSON.parse(await readFile(join(runDir, SEEDS_FILE), "utf8")) as FrontierItem[];
  } catch (err) {
    throw new DataError(`cannot resume: ${join(runDir, SEEDS_FILE)} is missing or unreadable (${errorMessage(err)})`);
  }
}

/**
 * The run `--resume` (no id) continues: the newest running/cancelled/failed crawl run of the network that still has
 * its crawl options and crawl-seeds.json (a run without them can never resume, so it is passed over).
 */
async function newestResumable(dataDir: string, network: NetworkName | undefined): Promise<string> {
  const runs = await listRuns(dataDir, network === undefined ? {} : { network });
  for (let i = runs.length - 1; i >= 0; i--) {
    const r = runs[i]!;
    if (!["running", "cancelled", "failed"].includes(r.manifest.state)) continue;
    if (r.manifest.options.crawl !== undefined && existsSync(join(r.dir, SEEDS_FILE))) return r.id;
  }
  throw new DataError(
    `no running/cancelled/failed run in ${join(dataDir, "runs")}${network ? ` (network ${network})` : ""} can be resumed (one needs its crawl options and ${SEEDS_FILE})`,
  );
}

/** Crawls `opts.network` into a new (or resumed) run under the data lock; seals it and returns the summary. */
export async function runCrawl(opts: CrawlOptions): Promise<CrawlSummary> {
  validate(opts);
  for (const p of proxyList(opts)) parseProxy(p); // bad flags fail before any lock or folder
  if (opts.i2pSam !== undefined) parseSamAddress(opts.i2pSam);
  const policyNow = DialPolicy.forNetwork(opts.network, opts.dialAllow, opts.dialDeny, opts.cjdns === true);
  const lock = await acquireLock(opts.dataDir, `crawl ${opts.network}`);
  const started = performance.now();
  let progress: Progress | undefined;
  try {
    let run: Run;
    let params: StoredParams;
    let seeds: FrontierItem[];
    const resumed = opts.resume !== undefined;
    if (resumed) {
      run = await Run.reopen(opts.dataDir, opts.resume === true ? await newestResumable(opts.dataDir, opts.network) : opts.resume, opts.network);
      const stored = run.manifest.options.crawl as StoredParams | undefined;
      try {
        if (stored === undefined) throw new DataError(`run ${run.id} has no crawl options in its manifest; it cannot be resumed`);
        seeds = await readSeedsFile(run.dir);
      } catch (err) {
        // never leave it `running`: sealed failed with the reason, and --resume without an id passes it over
        await run.seal("failed", undefined, errorMessage(err));
        throw err;
      }
      params = stored;
      log("info", `resuming run ${run.id} (${run.network}) with its recorded crawl options`);
    } else {
      params = storedParams(opts, policyNow);
      const found = await gatherSeeds({
        network: opts.network,
        dataDir: opts.dataDir,
        seeds: opts.seeds,
        seedFile: opts.seedFile,
        dnsSeeds: opts.dnsSeeds,
        dnsServer: opts.dnsServer,
        previousRun: opts.previousRun,
      });
      seeds = [...found.items];
      log(
        "info",
        `seeds: ${Object.entries(found.counts)
          .map(([k, n]) => `${n} ${k}`)
          .join(", ")}`,
      );
      if (seeds.length === 0) {
        // nothing to crawl: an empty run would only look like a network with no nodes
        throw new UsageError(
          `no seeds for ${opts.network}: no address from DNS seeds, --seed, --seed-file, or reachable nodes of a previous run in ${opts.dataDir}`,
        );
      }
      run = await Run.create(opts.dataDir, opts.network, { crawl: params });
      await writeFileAtomic(join(run.dir, SEEDS_FILE), JSON.stringify(seeds));
    }
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

    // --max-duration counts from the start of the command (seeds, DNS and resume included); the engine stops at it
    // by its own timer and its own clock checks, cancels every open session at once, and the seal follows.
    const deadline = opts.maxDurationS === undefined ? undefined : started + opts.maxDurationS * 1000;

    const chain = chainOf(run.network);
    const engine = new CrawlEngine(frontier, store, {
      concurrency,
      policy,
      gateways,
      maxNodes: params.max_nodes === null ? undefined : Math.max(0, params.max_nodes - durable.dialled),
      signal: opts.signal,
      deadline,
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
    if (opts.progress !== false) {
      progress = new Progress({
        render: () => {
          const s = engine.stats;
          const elapsed = (performance.now() - started) / 1000;
          const rate = s.recorded / Math.max(elapsed, 0.001);
          return `crawl ${run.id}: discovered ${frontier.discovered} · in flight ${s.inFlight} · done ${done0 + s.recorded} · reachable ${s.reachable} · ${rate.toFixed(0)}/s · ETA ${formatEta(crawlEtaS({ elapsedS: elapsed, dialled: s.dialled, waiting: frontier.waiting, inFlight: s.inFlight, sessionsEnded: s.sessionsEnded, sessionMsTotal: s.sessionMsTotal }))}`;
        },
      });
    }
    const stageStart = new Date().toISOString();
    await run.recordStage("crawl", { state: "running", started_at: stageStart, finished_at: null });
    store.startCheckpoints();

    let stats: EngineStats;
    try {
      stats = await engine.run();
    } catch (err) {
      progress?.stop();
      await store.close().catch(() => undefined);
      await run.seal("failed", undefined, errorMessage(err));
      throw err;
    } finally {
      gateways.close();
    }
    progress?.stop();
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
    const reachableByNetwork = reachableByHeadline(sealed.reachableByNetwork);
    const reachableTotal = Object.values(reachableByNetwork).reduce((a, b) => a + b, 0);
    let error = state === "cancelled" ? `cancelled (${stoppedBy})` : undefined;
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
    faultPoint("manifest: crawl stage record");
    await run.recordStage("crawl", {
      state,
      started_at: stageStart,
      finished_at: new Date().toISOString(),
      counts,
      details: {
        stopped_by: stoppedBy,
        resumed,
        concurrency,
        outcomes,
        reachable: reachableByNetwork,
        frontier_overflowed: frontier.drops.overflowed,
        frontier_dropped: frontier.drops.dropped,
        tail_ended: stats.tailEnded,
        buffer_budget_bytes: bufferBudget,
        buffer_peak_bytes: stats.buffer.peakBytes,
        buffer_pressure_events: stats.buffer.pressureEvents,
        buffer_shed: stats.buffer.shed,
      },
    });
    faultPoint("manifest: run state");
    await run.seal(state, counts, error);
    faultPoint("sealed");
    return {
      runId: run.id,
      runDir: run.dir,
      state,
      discovered: frontier.discovered,
      attempted,
      reachable: reachableByNetwork,
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
    };
  } finally {
    progress?.stop();
    await lock.release();
  }
}
