// Mainnet size, part 2: a generated 250,000-node run through topology's text output and query's table format
// (in-process through the program object), then a crawl, a real process in a private network namespace, seeded
// from a 200,000-line --seed-file plus that run's 225,000 reachable nodes (nothing listens: it must end with its
// one-line "no node was reachable", not a stack overflow). Part 1 (mainnet-analyze): analyze and its exports.
import { test } from "node:test";
import assert from "node:assert/strict";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cli, fluxtureInPrivateNetwork, type CliResult } from "../helpers/cli.ts";
import { mainnetSizeRun, NODES } from "./mainnet-run.ts";

const SEED_LINES = 200_000;
const ok = (r: CliResult, what: string) => assert.equal(r.status, 0, `${what}: exit ${r.status}\n${r.stderr.slice(-2000)}`);
const lines = (text: string) => text.split("\n").filter((l) => l.length > 0).length;

test(`a ${NODES}-node run: topology text, query table, crawl --seed-file`, { timeout: 290_000 }, async (t) => {
  const { data } = await mainnetSizeRun();
  t.after(() => rmSync(data, { recursive: true, force: true }));
  const out = (name: string) => join(data, name);

  const topo = await cli(["topology", "--data", data, "--betweenness-samples", "2"]);
  ok(topo, "topology");
  assert.ok(lines(topo.stdout) >= NODES * 0.9, `${lines(topo.stdout)} lines`);

  const q = await cli(["query", "--data", data, "select address, port, outcome, user_agent from visits"]);
  ok(q, "query");
  assert.ok(lines(q.stdout) >= NODES + 2, `${lines(q.stdout)} lines`);

  const seeds = Array.from({ length: SEED_LINES }, (_, i) => `127.100.${(i >>> 8) & 255}.${i & 255}:${1 + (i >>> 16)}`);
  writeFileSync(out("seeds.txt"), `${seeds.join("\n")}\n`);
  const crawl = fluxtureInPrivateNetwork(
    ["crawl", "bitcoin", "--network", "simnet", "--data", data, "--no-dns-seeds", "--seed-file", out("seeds.txt"), "--max-nodes", "20"],
    { timeoutMs: 120_000 },
  );
  assert.match(crawl.stderr, new RegExp(`seeds: ${SEED_LINES} seed_arg, 0 dns_seed, ${NODES * 0.9} previous_run`));
  assert.equal(crawl.status, 1, crawl.stderr);
  assert.match(crawl.stderr, /^fluxture: run \d{8}T\d{6}Z: no node was reachable \(20 dialled: refused 20\)/m);
});
