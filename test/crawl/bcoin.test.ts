// Interop with real nodes: four bcoin@1.0.2 regtest nodes on distinct loopback addresses (own process, loopback
// guard on), whose seeds are their whole address book; the crawl must find every node and exactly these edges.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { runCrawl } from "../../stages/crawl/index.ts";
import { edgeLines, readRun, visitLines } from "./helpers/read-run.ts";

const PORT = 48444;
const at = (i: number) => `127.33.1.${i}:${PORT}`;
/** Ten documentation-range addresses (never dialled) per node: with them every reply has more than 10 entries and
 * completes at once, instead of after the 2 s grace a small reply gets (stages/crawl/reply.ts). */
const far = (i: number) => Array.from({ length: 10 }, (_, k) => `203.0.113.${i * 10 + k}:18444`);
const NODES = [
  { host: "127.33.1.1", port: PORT, seeds: [at(2), at(3), ...far(1)] },
  { host: "127.33.1.2", port: PORT, seeds: [at(3), at(4), ...far(2)] },
  { host: "127.33.1.3", port: PORT, seeds: [at(1), "203.0.113.5:18444", ...far(3)] },
  { host: "127.33.1.4", port: PORT, seeds: [at(1), at(2), at(3), ...far(4)] },
];

test("a crawl of four bcoin regtest nodes finds every node, their versions and the exact edges", { timeout: 90_000 }, async (t) => {
  const child = spawn(process.execPath, ["--import", "tsx", join("test", "crawl", "helpers", "bcoin-nodes.ts"), JSON.stringify(NODES)], {
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  const data = await mkdtemp(join(tmpdir(), "fluxture-bcoin-"));
  t.after(async () => {
    if (child.exitCode === null) child.kill("SIGKILL");
    await rm(data, { recursive: true, force: true });
  });
  const lines = createInterface({ input: child.stdout });
  const ready = await Promise.race([
    new Promise<string>((resolve) => lines.on("line", (l) => l.startsWith("ready") && resolve(l))),
    once(child, "exit").then(() => {
      throw new Error(`bcoin nodes exited: ${stderr}`);
    }),
  ]);
  assert.deepEqual(
    JSON.parse(ready.slice(6)),
    NODES.map((n) => n.seeds),
  );

  const summary = await runCrawl({
    dataDir: data,
    network: "regtest",
    seeds: [at(1)],
    dnsSeeds: false,
    concurrency: 8,
    connectTimeoutMs: 2000,
    handshakeTimeoutMs: 3000,
    getaddrTimeoutMs: 10_000,
    dialAllow: ["127.0.0.0/8", "::1/128"],
    dialDeny: [],
    progress: false,
  });
  assert.equal(summary.state, "succeeded");
  const { visits, addrs } = await readRun(summary.runDir);
  const farAway = [...new Set(NODES.flatMap((n) => n.seeds.filter((a) => a.startsWith("203.0.113."))))];
  assert.equal(farAway.length, 41);
  assert.deepEqual(visitLines(visits), [...[1, 2, 3, 4].map((i) => `${at(i)} ok`), ...farAway.map((a) => `${a} not_dialed`)].sort());
  for (const v of visits.filter((x) => x.outcome === "ok")) {
    assert.equal(v.user_agent, "/bcoin:v1.0.2/");
    assert.equal(v.protocol_version, 70015);
    assert.equal(v.start_height, 0);
    assert.equal(v.addr_messages, 1);
  }
  const expected = NODES.flatMap((n) => n.seeds.map((s) => `${n.host}:${n.port} -> ${s}`)).sort();
  assert.deepEqual(edgeLines(addrs), expected);
  assert.ok(addrs.every((a) => a.message === "addr"));

  child.stdin.end(); // the nodes close and the guard reports any non-loopback attempt (exit 3)
  const [code] = (await once(child, "exit")) as [number | null];
  assert.equal(code, 0, stderr);
});
