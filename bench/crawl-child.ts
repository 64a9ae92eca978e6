// The crawler process of bench/crawl.bench.ts: runs runCrawl with the options given as JSON in argv[2] while
// sampling its own RSS and open descriptors, then prints one JSON line: summary, peak RSS, most sockets open.
import { readdirSync, readFileSync } from "node:fs";
import { runCrawl, type CrawlOptions } from "../stages/crawl/index.ts";
import { setQuiet } from "../pipeline/log.ts";

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
}, 100);
const cpu0 = process.cpuUsage();
const summary = await runCrawl({ ...opts, progress: false });
const cpu = process.cpuUsage(cpu0);
clearInterval(sampler);
const cpuS = (cpu.user + cpu.system) / 1e6;
process.stdout.write(`${JSON.stringify({ summary, peakRssMiB: rssMiB("VmHWM"), maxFds, rssAtMaxFdsMiB: rssAtMaxFds, cpuS })}\n`);
