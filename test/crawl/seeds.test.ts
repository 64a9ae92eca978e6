// Seeds: --seed (IPs and DNS names), --seed-file, and the network's DNS seeds, all resolved through a DNS server
// this test starts on loopback; then a mainnet-parameter crawl that starts from DNS seeds pointing at loopback peers.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gatherSeeds } from "../../stages/crawl/seeds.ts";
import { runCrawl } from "../../stages/crawl/index.ts";
import { CHAINS } from "../../lib/bitcoin/index.ts";
import { UsageError } from "../../pipeline/errors.ts";
import { startDnsServer } from "./helpers/dns-server.ts";
import { startPeerNetwork } from "./helpers/peer-network.ts";
import { readRun } from "./helpers/read-run.ts";

const ONION = "pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd.onion";

test("--seed, --seed-file and DNS seeds are gathered in order with their sources", async (t) => {
  const seedsOfMainnet = Object.fromEntries(CHAINS.mainnet.dnsSeeds.map((h, i) => [h, { A: [`127.40.1.${i + 1}`] }]));
  const dns = await startDnsServer({
    ...seedsOfMainnet,
    [CHAINS.mainnet.dnsSeeds[0]!]: { A: ["127.40.1.1"], AAAA: ["::1"] },
    "node.example.test": { A: ["127.40.2.1", "127.40.2.2"] },
  });
  const dir = await mkdtemp(join(tmpdir(), "fluxture-seeds-"));
  t.after(async () => {
    await dns.close();
    await rm(dir, { recursive: true, force: true });
  });
  const file = join(dir, "seeds.txt");
  await writeFile(file, `# my seeds\n127.40.3.1:9999\n\n[::1]:18444   # loopback v6\n${ONION}\n127.40.3.1:9999\n`);
  const got = await gatherSeeds({
    network: "mainnet",
    dataDir: join(dir, "data"),
    seeds: ["127.40.0.1", "node.example.test:8334"],
    seedFile: file,
    dnsSeeds: true,
    dnsServer: dns.server,
  });
  const lines = got.items.map((i) => `${i.source} ${i.networkType} ${i.address}:${i.port} d${i.depth}`);
  assert.deepEqual(lines, [
    "seed_arg ipv4 127.40.0.1:8333 d0",
    "seed_arg ipv4 127.40.3.1:9999 d0",
    "seed_arg ipv6 ::1:18444 d0",
    `seed_arg onion_v3 ${ONION}:8333 d0`,
    "seed_arg ipv4 127.40.3.1:9999 d0", // duplicates are left for the frontier to drop
    "seed_arg ipv4 127.40.2.1:8334 d0",
    "seed_arg ipv4 127.40.2.2:8334 d0",
    // DNS answers come sorted by seed host, then by address text
    ...[...CHAINS.mainnet.dnsSeeds.map((h, i) => [h, `127.40.1.${i + 1}`, "ipv4"]), [CHAINS.mainnet.dnsSeeds[0]!, "::1", "ipv6"]]
      .sort((a, b) => (a[0] === b[0] ? a[1]!.localeCompare(b[1]!) : a[0]!.localeCompare(b[0]!)))
      .map(([, addr, type]) => `dns_seed ${type} ${addr}:8333 d0`),
  ]);
  assert.deepEqual(got.counts, { seed_arg: 7, dns_seed: CHAINS.mainnet.dnsSeeds.length + 1, previous_run: 0 });
  assert.ok(dns.queries.some((q) => q.name === "node.example.test" && q.type === "A"));

  await writeFile(file, "127.0.0.1:8333\nnot a seed!\n");
  await assert.rejects(
    gatherSeeds({ network: "regtest", dataDir: dir, seeds: [], seedFile: file, dnsSeeds: false }),
    (e: unknown) => e instanceof UsageError && e.message.includes(`${file}:2`),
  );
  await assert.rejects(gatherSeeds({ network: "regtest", dataDir: dir, seeds: [], seedFile: join(dir, "missing.txt"), dnsSeeds: false }), UsageError);
});

test("a mainnet-parameter crawl starts from DNS seeds served on loopback (loopback-only policy)", async (t) => {
  const hosts = CHAINS.mainnet.dnsSeeds;
  const dns = await startDnsServer(Object.fromEntries(hosts.map((h, i) => [h, { A: [i < 2 ? `127.41.0.${i + 1}` : "127.41.0.1"] }])));
  const network = await startPeerNetwork([
    { host: "127.41.0.1", port: 8333, reply: [], magic: CHAINS.mainnet.magic },
    { host: "127.41.0.2", port: 8333, reply: Array.from({ length: 12 }, (_, i) => `127.41.0.${i + 1}:8333`), magic: CHAINS.mainnet.magic },
  ]);
  const data = await mkdtemp(join(tmpdir(), "fluxture-dnsseed-"));
  t.after(async () => {
    await dns.close();
    await network.close();
    await rm(data, { recursive: true, force: true });
  });
  const summary = await runCrawl({
    dataDir: data,
    network: "mainnet",
    seeds: [],
    dnsSeeds: true,
    dnsServer: dns.server,
    concurrency: 16,
    connectTimeoutMs: 1000,
    handshakeTimeoutMs: 1000,
    getaddrTimeoutMs: 3000,
    dialAllow: ["127.41.0.0/16"],
    dialDeny: [],
    progress: false,
  });
  assert.equal(summary.state, "succeeded");
  const { visits } = await readRun(summary.runDir);
  const bySource = visits.map((v) => `${String(v.address)} ${String(v.source)} ${String(v.outcome)}`).sort();
  assert.deepEqual(bySource, [
    "127.41.0.1 dns_seed ok",
    "127.41.0.10 peer refused",
    "127.41.0.11 peer refused",
    "127.41.0.12 peer refused",
    "127.41.0.2 dns_seed ok",
    ...[3, 4, 5, 6, 7, 8, 9].map((i) => `127.41.0.${i} peer refused`),
  ]);
});
