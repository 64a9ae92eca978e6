// Child of test/simnet/cjdns.test.ts, run inside its own network namespace (`unshare -rn`): a small simnet whose
// CJDNS peers listen on fc00:: addresses the simnet adds to lo (--cjdns-on-lo), crawled twice by the real crawler
// with a loopback-only dial policy, once with --cjdns and once without. Leaves the runs and the ground truth in the
// folder it is given and prints one JSON line: both crawl summaries, the addresses on lo, the connections the simnet accepted during the second crawl.
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { setQuiet } from "../../../pipeline/log.ts";
import { runCrawl, type CrawlSummary } from "../../../stages/crawl/index.ts";
import { startSimnet } from "../../../tools/simnet/index.ts";

const { dir, nodes } = JSON.parse(process.argv[2] ?? "{}") as { dir: string; nodes: number };
execFileSync("ip", ["link", "set", "lo", "up"]);
setQuiet(true);
const simnet = await startSimnet({
  nodes,
  profile: "fast",
  networks: { ipv4: 0.5, ipv6: 0.1, onion_v3: 0, i2p: 0, cjdns: 0.4 },
  replyDelayMs: 50,
  base: "127.91.0.0",
  seed: 14,
  epoch: 1_717_200_000,
  cjdnsOnLo: true,
  out: join(dir, "simnet"),
});
try {
  const lo = execFileSync("ip", ["-6", "-o", "addr", "show", "dev", "lo"], { encoding: "utf8" });
  const crawl = (name: string, cjdns: boolean): Promise<CrawlSummary> =>
    runCrawl({
      dataDir: join(dir, name),
      network: "simnet",
      seeds: simnet.seeds,
      dnsSeeds: false,
      concurrency: 200,
      connectTimeoutMs: 5000,
      handshakeTimeoutMs: 5000,
      getaddrTimeoutMs: 5000,
      maxDurationS: 120,
      dialAllow: ["127.0.0.0/8", "::1/128"], // loopback only; --cjdns adds fc00::/8, here only on lo
      dialDeny: [],
      cjdns,
      previousRun: false,
      progress: false,
    });
  const withCjdns = await crawl("with", true);
  const before = (await simnet.stats()).accepted;
  const without = await crawl("without", false);
  const acceptedWithout = (await simnet.stats()).accepted - before;
  process.stdout.write(`${JSON.stringify({ lo, withCjdns, without, acceptedWithout })}\n`);
} finally {
  await simnet.stop();
}
