// The crawl stage's entry point: runCrawl creates (or, with resume, reopens) a run, crawls from its seeds into
// durable visits/addrs parts, and seals the run. Everything it needs from the CLI arrives as CrawlOptions.
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
import { Run, type RunState } from "../../pipeline/runs.ts";
import { emptyOutcomeCounts, type Outcome } from "./classify.ts";
import { CrawlEngine, type EngineStats } from "./engine.ts";
import { crawlEtaS, formatEta } from "./eta.ts";
import { fdLimitLine, memoryBudgetBytes, readFdLimits, sizeConcurrency } from "./fdlimit.ts";
import { Frontier, type FrontierItem } from "./frontier.ts";
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
  connect_timeout_ms: number;
  proxy_connect_timeout_ms: number;
  handshake_timeout_ms: number;
  /** null: the adaptive wait. */
  getaddr_timeout_ms: number | null;
  max_nodes: number | null;
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
}

function storedParams(o: CrawlOptions, policy: DialPolicy): StoredParams {
  return {
    seeds: [...o.seeds],
    seed_file: o.seedFile ?? null,
    dns_seeds: o.dnsSeeds,
    dns_server: o.dnsServer ?? null,
    dial_allow: policy.allow.map((c) => c.text),
    dial_deny: policy.deny.map((c) => c.text),
    proxy: o.proxy ?? null,
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

/** Crawls `opts.network` into a new (or resumed) run under the data lock; seals it and returns the summary. */
export async function runCrawl(opts: CrawlOptions): Promise<CrawlSummary> {
  validate(opts);
  if (opts.proxy !== undefined) parseProxy(opts.proxy); // bad flags fail before any lock or folder
  const policyNow = DialPolicy.forNetwork(opts.network, opts.dialAllow, opts.dialDeny);
  const lock = await acquireLock(opts.dataDir, `crawl ${opts.network}`);
  const started = performance.now();
  let progress: Progress | undefined;
  try {
    let run: Run;
    let params: StoredParams;
    let seeds: FrontierItem[];
    const resumed = opts.resume !== undefined;
    if (resumed) {
      run = await Run.reopen(opts.dataDir, opts.resume === true ? undefined : opts.resume, opts.network);
      const stored = run.manifest.options.crawl as StoredParams | undefined;
      if (stored === undefined) throw new DataError(`run ${run.id} has no crawl options in its manifest; it cannot be resumed`);
      params = stored;
      seeds = await readSeedsFile(run.dir);
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
    const runProxy = params.proxy === null ? undefined : parseProxy(params.proxy);
    const limits = readFdLimits();
    log("info", fdLimitLine(limits));
    const { concurrency, note, basis } = sizeConcurrency(opts.concurrency, limits, memoryBudgetBytes(totalmem()));
    if (note !== undefined) log("warn", note);
    log("info", `run ${run.id}: dial policy ${policy.describe()}; concurrency ${concurrency} (${basis})${runProxy ? `; onion via ${params.proxy}` : ""}`);

    const store = await CrawlStore.open(run);
    const durable = await store.loadDurable();
    const frontier = new Frontier();
    for (const d of durable.done) frontier.markSeen(d.address, d.port);
    for (const s of seeds) frontier.add(s);
    for (const a of durable.advertised) frontier.add({ ...a, source: "peer" });
    if (resumed) log("info", `resume: ${durable.done.length} visits done, ${frontier.waiting} endpoints to visit`);

    const controller = new AbortController();
    let stopReason: "max_duration" | "cancelled" | undefined;
    const onOuterAbort = () => {
      stopReason ??= "cancelled";
      controller.abort(opts.signal?.reason);
    };
    if (opts.signal?.aborted) onOuterAbort();
    opts.signal?.addEventListener("abort", onOuterAbort, { once: true });
    const durationTimer =
      opts.maxDurationS === undefined
        ? undefined
        : setTimeout(() => {
            stopReason ??= "max_duration";
            log("info", `--max-duration ${opts.maxDurationS} s reached: stopping`);
            controller.abort(new Error("max-duration"));
          }, opts.maxDurationS * 1000);

    const chain = chainOf(run.network);
    const engine = new CrawlEngine(frontier, store, {
      concurrency,
      policy,
      proxy: runProxy,
      maxNodes: params.max_nodes === null ? undefined : Math.max(0, params.max_nodes - durable.dialled),
      signal: controller.signal,
      proxyConnectTimeoutMs: params.proxy_connect_timeout_ms,
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
      if (durationTimer !== undefined) clearTimeout(durationTimer);
      opts.signal?.removeEventListener("abort", onOuterAbort);
    }
    progress?.stop();
    const sealed = await store.seal(resumed);
    const stoppedBy = stopReason ?? (stats.stoppedBy === "max_nodes" ? "max_nodes" : "done");
    const state: RunState = stopReason === undefined ? "succeeded" : "cancelled";
    const durationS = (performance.now() - started) / 1000;
    const outcomes = { ...emptyOutcomeCounts(), ...sealed.outcomes } as Record<Outcome, number>;
    const attempted = sealed.visits - outcomes.not_dialed - outcomes.unsupported_network;
    const reachableTotal = Object.values(sealed.reachableByNetwork).reduce((a, b) => a + b, 0);
    const counts = { discovered: frontier.discovered, visits: sealed.visits, addrs: sealed.addrs, attempted, reachable: reachableTotal };
    faultPoint("manifest: crawl stage record");
    await run.recordStage("crawl", {
      state,
      started_at: stageStart,
      finished_at: new Date().toISOString(),
      counts,
      details: { stopped_by: stoppedBy, resumed, concurrency, outcomes, reachable: sealed.reachableByNetwork },
    });
    faultPoint("manifest: run state");
    await run.seal(state, counts, state === "cancelled" ? `cancelled (${stoppedBy})` : undefined);
    faultPoint("sealed");
    return {
      runId: run.id,
      runDir: run.dir,
      state,
      discovered: frontier.discovered,
      attempted,
      reachable: sealed.reachableByNetwork,
      outcomes,
      durationS,
      visitsPerS: stats.recorded / Math.max(durationS, 0.001),
      stoppedBy,
      visits: sealed.visits,
      addrs: sealed.addrs,
      resumed,
    };
  } finally {
    progress?.stop();
    await lock.release();
  }
}
