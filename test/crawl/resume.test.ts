// kill -9 mid-crawl, then `fluxture crawl --resume`: the run completes without revisiting what is done and its
// sealed snapshot equals an uninterrupted crawl's (same visits, outcomes and edges). The crawler that is killed or
// signalled runs as a child process of the real CLI; the scripted network lives in this process so it survives the
// kill, and the crawls that end by themselves run in this process through the program object (test/helpers/cli.ts).
// The uninterrupted crawl (the crawl stage, in this process) runs at the same time as the killed one, on a copy of the
// network at other addresses (its dials must not count as the resume's); the SIGINT test runs beside them on a third copy.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { once } from "node:events";
import { startPeerNetwork, type PeerSpec } from "./helpers/peer-network.ts";
import { edgeLines, readRun, visitLines } from "./helpers/read-run.ts";
import { readManifest } from "../../pipeline/manifest.ts";
import { readParts } from "../../pipeline/snapshot/index.ts";
import { VISITS } from "../../pipeline/schema/visits.ts";
import { runCrawl } from "../../stages/crawl/index.ts";
import { cli, FLUXTURE_BIN } from "../helpers/cli.ts";

const N = 24;
/** One copy of the network per loopback block `b` (127.b.0.0/24): the same peers, replies and delays. */
const host = (i: number, b: number) => `127.${b}.0.${i}`;
const hp = (i: number, b: number) => `${host(i, b)}:18444`;
const fillers = (i: number) => Array.from({ length: 10 }, (_, k) => `198.18.${i}.${k + 1}:8333`); // benchmarking range: not_dialed

/** A chain-like network (i → i+1, i+2, and one link back) so the crawl has depth and takes a few seconds. */
const specs = (b: number): PeerSpec[] =>
  Array.from({ length: N }, (_, j) => {
    const i = j + 1;
    const links = [i + 1, i + 2, Math.max(1, i - 3)].filter((k) => k <= N && k !== i);
    return { host: host(i, b), port: 18444, reply: [...links.map((k) => hp(k, b)), ...fillers(i)], replyDelayMs: 500 };
  });
const KILLED = 32; // the network of the crawl killed and resumed
const REFERENCE = 31; // the network of the uninterrupted crawl
const SIGNALLED = 30; // the network of the SIGINT test

/** The arguments of every crawl here but its data folder (the seed is on network `b`). */
const crawlArgs = (data: string, b: number, extra: string[] = [], network = ["--network", "regtest"]): string[] => [
  "crawl",
  "bitcoin",
  ...network,
  "--data",
  data,
  "--no-dns-seeds",
  "--seed",
  hp(1, b),
  "--dial-allow",
  "127.0.0.0/8,::1",
  "--concurrency",
  "3",
  "--handshake-timeout",
  "2000",
  "--getaddr-timeout",
  "5000",
  "--json",
  ...extra,
];

/** A crawl as a child process of the real CLI. */
function crawl(args: string[]): ChildProcess {
  return spawn(process.execPath, [FLUXTURE_BIN, ...args], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, FLUXTURE_DEBUG: "0" } });
}

/** A crawl that ends by itself, in this process. */
async function crawlHere(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const r = await cli(args);
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

async function finish(child: ChildProcess): Promise<{ code: number | null; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (c: Buffer) => (stdout += c.toString()));
  child.stderr?.on("data", (c: Buffer) => (stderr += c.toString()));
  const [code] = (await once(child, "exit")) as [number | null];
  return { code, stdout, stderr };
}

function visitParts(data: string): string[] {
  const root = join(data, "runs", "network=regtest");
  if (!existsSync(root)) return [];
  return readdirSync(root).flatMap((run) => {
    const dir = join(root, run, "parts", "visits");
    return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".parquet")) : [];
  });
}

describe("crawl interrupted mid-crawl", { concurrency: true }, () => {
  test("crawl killed with SIGKILL mid-crawl, then --resume, equals an uninterrupted crawl", { timeout: 120_000 }, async (t) => {
    const network = await startPeerNetwork(specs(KILLED));
    const referenceNetwork = await startPeerNetwork(specs(REFERENCE));
    const data = await mkdtemp(join(tmpdir(), "fluxture-resume-"));
    const reference = await mkdtemp(join(tmpdir(), "fluxture-resume-ref-"));
    const children: ChildProcess[] = [];
    t.after(async () => {
      for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
      await network.close();
      await referenceNetwork.close();
      await rm(data, { recursive: true, force: true });
      await rm(reference, { recursive: true, force: true });
    });

    // 0. meanwhile, an uninterrupted crawl of the same network at other addresses
    // (the crawl stage itself, in this process: the CLI's in-process runs take turns, and the resume must not wait)
    const whole = runCrawl({
      dataDir: reference,
      network: "regtest",
      seeds: [hp(1, REFERENCE)],
      dnsSeeds: false,
      concurrency: 3,
      connectTimeoutMs: 5000,
      handshakeTimeoutMs: 2000,
      getaddrTimeoutMs: 5000,
      dialAllow: ["127.0.0.0/8", "::1/128"],
      dialDeny: [],
      progress: false,
    });

    // 1. start, wait until a first checkpoint made visits durable, then kill -9
    const first = crawl(crawlArgs(data, KILLED));
    children.push(first);
    const firstDone = finish(first);
    const t0 = Date.now();
    while (visitParts(data).length === 0) {
      if (first.exitCode !== null) assert.fail(`the crawl ended before it could be killed: ${(await firstDone).stderr}`);
      assert.ok(Date.now() - t0 < 30_000, "no durable visits part within 30 s");
      await new Promise((r) => setTimeout(r, 50));
    }
    first.kill("SIGKILL");
    const killed = await firstDone;
    assert.equal(killed.code, null);
    const runs = readdirSync(join(data, "runs", "network=regtest"));
    assert.equal(runs.length, 1);
    const runDir = join(data, "runs", "network=regtest", runs[0]!);
    assert.equal((await readManifest(join(runDir, "manifest.json"))).state, "running");
    const connectionsBefore = new Map(network.connections);
    const durable = (await readParts(runDir, VISITS)).filter((v) => v.outcome === "ok").map((v) => `${v.address}:${v.port}`);
    assert.ok(durable.length >= 1 && durable.length < N, `durable ok visits at the kill: ${durable.length}`);

    // 2. resume to completion
    const resumed = await crawlHere(crawlArgs(data, KILLED, ["--resume"], [])); // no --network: the unfinished run is found in any network
    assert.equal(resumed.code, 0, resumed.stderr);
    const summary = JSON.parse(resumed.stdout) as { runId: string; state: string; resumed: boolean; runDir: string };
    assert.equal(summary.state, "succeeded");
    assert.equal(summary.resumed, true);
    assert.equal(`run_id=${summary.runId}`, runs[0]);

    // no node whose visit was durable at the kill was contacted again; every node was contacted by the resume or before
    for (const k of durable) assert.equal(network.connections.get(k), connectionsBefore.get(k), `${k} was revisited`);
    for (let i = 1; i <= N; i++) assert.ok((network.connections.get(hp(i, KILLED)) ?? 0) >= 1, `${hp(i, KILLED)} never visited`);

    // 3. the uninterrupted crawl, its addresses moved to the killed crawl's network
    const ref = await whole;
    assert.equal(ref.state, "succeeded");
    const moved = (lines: string[]) => lines.map((l) => l.replaceAll(`127.${REFERENCE}.0.`, `127.${KILLED}.0.`)).sort();

    const a = await readRun(summary.runDir);
    const b = await readRun(ref.runDir);
    assert.deepEqual(visitLines(a.visits), moved(visitLines(b.visits)));
    assert.deepEqual(edgeLines(a.addrs), moved(edgeLines(b.addrs)));
    assert.equal(a.visits.length, N + N * 10);
    assert.equal(a.visits.filter((v) => v.outcome === "ok").length, N);
    assert.equal(new Set(a.visits.map((v) => `${String(v.address)}:${String(v.port)}`)).size, a.visits.length); // no duplicate visit
    assert.equal(existsSync(join(summary.runDir, "parts")), false);
    assert.equal((await readManifest(join(summary.runDir, "manifest.json"))).state, "succeeded");
  });

  test("SIGINT mid-crawl seals the run as cancelled (exit 130, data kept); --max-duration does the same and exits 0", { timeout: 120_000 }, async (t) => {
    const network = await startPeerNetwork(specs(SIGNALLED));
    const data = await mkdtemp(join(tmpdir(), "fluxture-sigint-"));
    t.after(async () => {
      await network.close();
      await rm(data, { recursive: true, force: true });
    });
    const child = crawl(crawlArgs(data, SIGNALLED));
    const done = finish(child);
    const t0 = Date.now();
    while (visitParts(data).length === 0) {
      assert.ok(Date.now() - t0 < 30_000, "no durable visits part within 30 s");
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill("SIGINT");
    const r = await done;
    assert.equal(r.code, 130, r.stderr);
    assert.match(r.stderr, /^fluxture: run \d{8}T\d{6}Z cancelled \(SIGINT\); data kept in .*; continue with --resume \d{8}T\d{6}Z$/m);
    const s = JSON.parse(r.stdout) as { state: string; stoppedBy: string; runDir: string; visits: number; outcomes: Record<string, number> };
    assert.equal(s.state, "cancelled");
    assert.equal(s.stoppedBy, "cancelled");
    assert.ok(s.outcomes.ok! >= 1 && s.visits < N + N * 10);
    const manifest = await readManifest(join(s.runDir, "manifest.json"));
    assert.equal(manifest.state, "cancelled");
    const kept = await readRun(s.runDir);
    assert.equal(kept.visits.length, s.visits); // sealed, readable Parquet with everything gathered

    const budget = await crawlHere(crawlArgs(data, SIGNALLED, ["--max-duration", "1", "--no-previous-run"]));
    assert.equal(budget.code, 0, budget.stderr);
    const b = JSON.parse(budget.stdout) as { state: string; stoppedBy: string };
    assert.deepEqual([b.state, b.stoppedBy], ["cancelled", "max_duration"]);
  });
});
