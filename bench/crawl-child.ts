// The crawler process of bench/crawl.bench.ts: runs runCrawl with the options given as JSON in argv[2] while
// sampling its own RSS and open descriptors, then prints one JSON line: summary, peak RSS, most sockets open, the longest event-loop stalls.
import { readdirSync, readFileSync } from "node:fs";
import { runCrawl, type CrawlOptions } from "../stages/crawl/index.ts";
import { setQuiet } from "../pipeline/log.ts";
import { watchStalls } from "./loop-stalls.ts";

function rssMiB(field: "VmRSS" | "VmHWM"): number {
  const status = readFileSync("/proc/self/status", "utf8");
  return Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? "0") / 1024;
}

const opts = JSON.parse(process.argv[2] ?? "{}") as CrawlOptions;
setQuiet(true);
let maxFds = 0;
let rssAtMaxFds = 0;
const sampler = setInterval(() => {
  const fds = readdirSync("/proc/self/fd").length;
  if (fds > maxFds) {
    maxFds = fds;
    rssAtMaxFds = rssMiB("VmRSS");
  }
}, 1000); // reading /proc/self/fd with ~18k entries costs ~1 ms: every 100 ms it took 15% of the crawler's CPU
// BENCH_RSS_TRACE=1: one stderr line of RSS and heap every 5 s (where a peak comes from).
const t0 = performance.now();
const trace =
  process.env.BENCH_RSS_TRACE === "1"
    ? setInterval(() => {
        const m = process.memoryUsage();
        const mib = (n: number) => (n / 2 ** 20).toFixed(0);
        process.stderr.write(
          `rss ${((performance.now() - t0) / 1000).toFixed(0)} s: rss ${mib(m.rss)} heap ${mib(m.heapUsed)} ext ${mib(m.external + m.arrayBuffers)} MiB\n`,
        );
      }, 5000)
    : undefined;
const cpu0 = process.cpuUsage();
const stalls = watchStalls();
const summary = await runCrawl({ ...opts, progress: false });
const cpu = process.cpuUsage(cpu0);
clearInterval(sampler);
if (trace !== undefined) clearInterval(trace);
const cpuS = (cpu.user + cpu.system) / 1e6;
process.stdout.write(`${JSON.stringify({ summary, peakRssMiB: rssMiB("VmHWM"), maxFds, rssAtMaxFdsMiB: rssAtMaxFds, cpuS, stalls: stalls.stop() })}\n`);
