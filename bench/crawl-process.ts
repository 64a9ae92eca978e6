// What the crawl benchmarks share: running themselves inside a private network namespace, and crawling in a child
// process (bench/crawl-child.ts) so the crawler's peak RSS and descriptors are its own, not the simnet's.
import { execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
import { join } from "node:path";
import type { Stall } from "./loop-stalls.ts";
import type { CrawlOptions, CrawlSummary } from "../stages/crawl/index.ts";
import { inPrivateNetns } from "../tools/simnet/blackhole.ts";

/** What bench/crawl-child.ts prints as its last line. */
export interface ChildResult {
  summary: CrawlSummary;
  peakRssMiB: number;
  maxFds: number;
  rssAtMaxFdsMiB: number;
  cpuS: number;
  stalls: Stall[];
}

/** Re-executes this benchmark through `unshare -rn` unless it already runs in a private namespace (then brings lo up),
 * so its fixed loopback addresses and iptables rules never touch the host's network. */
export async function enterPrivateNetns(): Promise<void> {
  if (!inPrivateNetns()) {
    const child = spawn("unshare", ["-rn", process.execPath, ...process.execArgv, ...process.argv.slice(1)], { stdio: "inherit" });
    const [code] = (await once(child, "exit")) as [number | null];
    process.exit(code ?? 1);
  }
  execFileSync("ip", ["link", "set", "lo", "up"]);
}

/** Crawls with `opts` in a child process (with `--cpu-prof` into BENCH_CPU_PROF when set) and returns its result. */
export async function crawlChild(opts: CrawlOptions): Promise<ChildResult> {
  const prof = process.env.BENCH_CPU_PROF === undefined ? [] : ["--cpu-prof", "--cpu-prof-dir", process.env.BENCH_CPU_PROF];
  const child = spawn(process.execPath, [...prof, "--import", "tsx", join("bench", "crawl-child.ts"), JSON.stringify(opts)], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  child.stdout.on("data", (c: Buffer) => (out += c.toString()));
  const [code] = (await once(child, "exit")) as [number | null];
  if (code !== 0) throw new Error(`crawler exited with ${code}`);
  return JSON.parse(out.trim().split("\n").at(-1)!) as ChildResult;
}
