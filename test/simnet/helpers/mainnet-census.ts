// Child of test/simnet/mainnet.test.ts, run inside its own network namespace (`unshare -rn`): a small
// mainnet-shaped simnet with the nothing-listens pool blackholed, crawled by the real crawler; prints one JSON
// line with what the test checks (per-visit outcomes by kind, in_reply facts, the ground truth's reply sizes).
import { execFileSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { quotedString } from "@duckdb/node-api";
import { openDuckDB, queryRows } from "../../../pipeline/duckdb.ts";
import { setQuiet } from "../../../pipeline/log.ts";
import { runCrawl } from "../../../stages/crawl/index.ts";
import { readGroundTruth, startSimnet } from "../../../tools/simnet/index.ts";

const opts = JSON.parse(process.argv[2] ?? "{}") as { nodes: number; replyDelayMs: number; getaddrTimeoutMs: number; connectTimeoutMs: number };
execFileSync("ip", ["link", "set", "lo", "up"]);
setQuiet(true);
const dir = await mkdtemp(join(tmpdir(), "fluxture-mainnet-"));
const simnet = await startSimnet({
  nodes: opts.nodes,
  profile: "mainnet",
  networks: { ipv4: 1, ipv6: 0, onion_v3: 0, i2p: 0 }, // the IPv4 census alone (overlays: test/simnet/overlay.test.ts)
  replyDelayMs: opts.replyDelayMs,
  base: "127.90.0.0",
  seed: 5,
  epoch: 1_717_200_000,
  blackhole: true,
  out: join(dir, "simnet"),
});
try {
  const rules = execFileSync("iptables", ["-S", "OUTPUT"], { encoding: "utf8" });
  const truth = await readGroundTruth(simnet.groundTruthPath!);
  const summary = await runCrawl({
    dataDir: join(dir, "data"),
    network: "simnet",
    seeds: simnet.seeds,
    dnsSeeds: false,
    concurrency: 1500,
    connectTimeoutMs: opts.connectTimeoutMs,
    handshakeTimeoutMs: 3000,
    getaddrTimeoutMs: opts.getaddrTimeoutMs,
    maxDurationS: 240,
    dialAllow: ["127.0.0.0/8"],
    dialDeny: [],
    previousRun: false,
    progress: false,
  });
  const db = await openDuckDB({ threads: 1 });
  const visits = join(summary.runDir, "visits.parquet");
  const addrs = join(summary.runDir, "addrs.parquet");
  const layout = simnet.model.layout;
  const rows = await queryRows(db.connection, `select address, outcome from read_parquet(${quotedString(visits)}) where network_type = 'ipv4'`);
  const tally = new Map<string, number>();
  for (const v of rows) {
    const k = `${layout.isDead(v.address as string) ? "dead" : "peer"}|${String(v.outcome)}`;
    tally.set(k, (tally.get(k) ?? 0) + 1);
  }
  const outcomes = [...tally].map(([k, n]) => ({ kind: k.split("|")[0]!, outcome: k.split("|")[1]!, n }));
  const okVisits = await queryRows(db.connection, `select address, port from read_parquet(${quotedString(visits)}) where outcome = 'ok'`);
  const inReply = await queryRows(
    db.connection,
    `select source_address, source_port,
            count(*) filter (where in_reply)::integer as in_reply,
            count(*) filter (where not in_reply and address = source_address)::integer as self_not_in_reply,
            count(*) filter (where in_reply and address = source_address)::integer as self_in_reply
     from read_parquet(${quotedString(addrs)}) group by all`,
  );
  db.close();
  const replies = Object.fromEntries(
    truth.peers
      .filter((p) => p.replies)
      .map((p) => [`${p.address}:${p.port}`, p.addrv2 ? p.advertises.length : p.advertises.filter((a) => a[0] === "ipv4" || a[0] === "ipv6").length]),
  );
  const behaviours = Object.fromEntries(truth.peers.map((p) => [`${p.address}:${p.port}`, p.behaviour]));
  process.stdout.write(
    `${JSON.stringify({ rules, deadCount: simnet.model.layout.deadCount, outcomes, okVisits, inReply, replies, behaviours, summary: { state: summary.state, stoppedBy: summary.stoppedBy } })}\n`,
  );
} finally {
  await simnet.stop();
  await rm(dir, { recursive: true, force: true });
}
