// `fluxture crawl` behind the flags: signals, the crawl itself, and the summary (text, or JSON on stdout).
import { status } from "../output.ts";
import { CancelledError, DataError } from "../../pipeline/errors.ts";
import { findRun } from "../../pipeline/runs.ts";
import type { CrawlFlags } from "../crawl.ts";
import { runCrawl, type CrawlSummary } from "../../stages/crawl/index.ts";

/** The summary as the lines a person reads at the end of a crawl. */
export function formatSummary(s: CrawlSummary): string {
  const reachable = Object.entries(s.reachable) // every headline network type, in its fixed order, zeros included
    .map(([t, n]) => `${t} ${n}`)
    .join(", ");
  const outcomes = Object.entries(s.outcomes)
    .filter(([, n]) => n > 0)
    .map(([o, n]) => `${o} ${n}`)
    .join(", ");
  const total = Object.values(s.reachable).reduce((a, b) => a + b, 0);
  return [
    `run ${s.runId} (${s.state}${s.stoppedBy === "done" ? "" : `, stopped by ${s.stoppedBy}`}${s.resumed ? ", resumed" : ""})`,
    `  folder      ${s.runDir}`,
    `  discovered  ${s.discovered}`,
    `  attempted   ${s.attempted}`,
    `  reachable   ${total}${reachable === "" ? "" : ` (${reachable})`}`,
    `  outcomes    ${outcomes === "" ? "-" : outcomes}`,
    `  rows        ${s.visits} visits, ${s.addrs} addrs`,
    `  duration    ${s.durationS.toFixed(1)} s (${s.visitsPerS.toFixed(1)} visits/s)`,
    ...(s.frontierDropped + s.frontierOverflowed > 0
      ? [`  frontier    ${s.frontierDropped} endpoints dropped at its memory bound, ${s.frontierOverflowed} over the per-source cap (dialled last)`]
      : []),
  ].join("\n");
}

/** The CLI action of `fluxture crawl`: the crawl, then its summary; a cancelled crawl exits 130 naming how to resume. */
export async function runCrawlCommand(flags: CrawlFlags, networkDefaulted = false): Promise<void> {
  let network = flags.network;
  if (flags.resume !== undefined && networkDefaulted) {
    const info = await findRun(flags.data, {
      run: flags.resume === true ? undefined : flags.resume,
      states: flags.resume === true ? ["running", "cancelled", "failed"] : ["running", "cancelled", "failed", "succeeded"],
    });
    network = info.network;
  }
  // SIGINT/SIGTERM: the crawl's withRun stops it and seals the run cancelled, keeping everything gathered
  const summary = await runCrawl({
    dataDir: flags.data,
    network,
    seeds: flags.seed,
    seedFile: flags.seedFile,
    dnsSeeds: flags.dnsSeeds,
    dnsServer: flags.dnsServer,
    concurrency: flags.concurrency,
    connectTimeoutMs: flags.connectTimeout,
    proxyConnectTimeoutMs: flags.proxyConnectTimeout,
    handshakeTimeoutMs: flags.handshakeTimeout,
    getaddrTimeoutMs: flags.getaddrTimeout,
    maxNodes: flags.maxNodes,
    maxDurationS: flags.maxDuration,
    bufferBudgetMiB: flags.bufferBudget,
    dialAllow: flags.dialAllow,
    dialDeny: flags.dialDeny,
    proxies: flags.proxy,
    proxyConcurrency: flags.proxyConcurrency,
    i2pSam: flags.i2pSam,
    i2pConnectTimeoutMs: flags.i2pConnectTimeout,
    i2pHandshakeTimeoutMs: flags.i2pHandshakeTimeout,
    cjdns: flags.cjdns,
    resume: flags.resume,
    previousRun: flags.previousRun,
    progress: true,
  });
  if (flags.json === true) process.stdout.write(`${JSON.stringify(summary)}\n`);
  else status(formatSummary(summary));
  if (summary.state === "failed") throw new DataError(`run ${summary.runId}: ${summary.error ?? "failed"}`);
  if (summary.stoppedBy === "cancelled") {
    throw new CancelledError(`run ${summary.runId} ${summary.error ?? "cancelled"}; data kept in ${summary.runDir}; continue with --resume ${summary.runId}`);
  }
}
