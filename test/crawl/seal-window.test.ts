// The seal window: the crawler is SIGKILLed before every file-system step of its seal (pipeline/fault.ts numbers
// them), then `crawl --resume` runs. Every time, the resumed run must equal an uninterrupted crawl (same visits,
// outcomes and edges), dial nobody again (every visit was durable before the seal began), and leave no part files.
// Every step is tried on the seal of a resumed crawl (started from a copy of a run killed just before its seal, so
// each try costs no crawling); a fresh crawl's own seal is killed in each of its phases.
// Every crawl that is killed is the real CLI in a child process; the scripted network lives in this process and
// survives the kills. The resumes that finish a killed run need no process of their own: they run in this one,
// through the program object (test/helpers/cli.ts), one at a time. Tries that dial nobody run STEPS_AT_ONCE at a time
// (each in its own copy): a resume that dialled anyone would still raise the network's connection count during its
// own try and fail it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { once } from "node:events";
import PQueue from "p-queue";
import { startPeerNetwork, type PeerSpec } from "./helpers/peer-network.ts";
import { edgeLines, readRun, visitLines } from "./helpers/read-run.ts";
import { readManifest } from "../../pipeline/manifest.ts";
import { cli } from "../helpers/cli.ts";

const N = 6;
const host = (i: number) => `127.33.0.${i}`;
const hp = (i: number) => `${host(i)}:18444`;
// not_dialed; 10 of them make every reply larger than a small one (≤ 10 entries), complete at once (no 2 s grace)
const fillers = (i: number) => Array.from({ length: 10 }, (_, k) => `198.18.${i}.${k + 1}:8333`);

/** A chain (i → i+1, i+2, one link back) four visits deep, each reply 1 s late: the crawl spans two checkpoints
 * (every 2 s), so ≥ 2 parts per dataset. */
const SPECS: PeerSpec[] = Array.from({ length: N }, (_, j) => {
  const i = j + 1;
  const links = [i + 1, i + 2, Math.max(1, i - 3)].filter((k) => k <= N && k !== i);
  return { host: host(i), port: 18444, reply: [...links.map(hp), ...fillers(i)], replyDelayMs: 1000 };
});

const CLI = join(process.cwd(), "bin", "fluxture.js");
/** Kill-and-resume tries in flight at once: they mostly wait on child processes starting and sealing. */
const STEPS_AT_ONCE = 4;

interface Result {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

async function crawl(data: string, extra: string[], env: Record<string, string> = {}): Promise<Result> {
  const args = [CLI, "crawl", "bitcoin", "--data", data, "--json", ...extra];
  const fresh = [
    "--network",
    "regtest",
    "--no-dns-seeds",
    "--no-previous-run",
    "--seed",
    hp(1),
    "--dial-allow",
    "127.0.0.0/8",
    "--concurrency",
    "2",
    "--handshake-timeout",
    "2000",
    "--getaddr-timeout",
    "5000",
  ];
  const child = spawn(process.execPath, extra.includes("--resume") ? args : [...args, ...fresh], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, FLUXTURE_DEBUG: "0", ...env },
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  const [code, signal] = (await once(child, "exit")) as [number | null, NodeJS.Signals | null];
  return { code, signal, stdout, stderr };
}

const total = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);

/** The one run folder of a data folder. */
function onlyRun(data: string): string {
  const runs = join(data, "runs", "network=regtest");
  const names = readdirSync(runs);
  assert.equal(names.length, 1, `runs in ${data}: ${names.join(", ")}`);
  return join(runs, names[0]!);
}

/**
 * After a kill labelled `label` in `data`: resume when the run is still running (dialling nobody: every visit was
 * durable before the seal began), then the run must equal the reference, with no part or temp file left.
 */
async function resumeAndCompare(
  network: { connections: Map<string, number> },
  data: string,
  label: string,
  lastStep: boolean,
  ref: Awaited<ReturnType<typeof readRun>>,
): Promise<void> {
  const runDir = onlyRun(data);
  if ((await readManifest(join(runDir, "manifest.json"))).state === "running") {
    const dialled = total(network.connections);
    const resumed = await cli(["crawl", "bitcoin", "--data", data, "--json", "--resume"]);
    assert.equal(resumed.status, 0, `${label}: ${resumed.stderr}`);
    const summary = JSON.parse(resumed.stdout) as { state: string; runDir: string };
    assert.equal(summary.state, "succeeded", label);
    assert.equal(summary.runDir, runDir, label);
    assert.equal(total(network.connections), dialled, `${label}: the resume dialled peers whose visits were durable`);
  } else {
    assert.ok(lastStep, `${label}: the run left 'running' before the seal's last step`);
  }
  const got = await readRun(runDir);
  assert.deepEqual(visitLines(got.visits), visitLines(ref.visits), label);
  assert.deepEqual(edgeLines(got.addrs), edgeLines(ref.addrs), label);
  assert.equal(existsSync(join(runDir, "parts")), false, label);
  assert.deepEqual(
    readdirSync(runDir).filter((f) => f.endsWith(".tmp")),
    [],
    label,
  );
  const manifest = await readManifest(join(runDir, "manifest.json"));
  assert.equal(manifest.state, "succeeded", label);
  assert.deepEqual(manifest.counts.visits, ref.visits.length, label);
}

const readSteps = (trace: string) => readFileSync(trace, "utf8").trim().split("\n");

/** Runs `fn` over `items`, `width` at a time; waits for every one, then throws the first failure in item order. */
async function eachAtOnce<T>(items: readonly T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  const queue = new PQueue({ concurrency: width });
  const settled = await Promise.allSettled(items.map((item) => queue.add(() => fn(item))));
  const failed = settled.find((s) => s.status === "rejected");
  if (failed !== undefined) throw failed.reason;
}

test("SIGKILL at every file-system step of the seal, then --resume: nothing lost, nobody re-dialled", { timeout: 900_000 }, async (t) => {
  const network = await startPeerNetwork(SPECS);
  const root = await mkdtemp(join(tmpdir(), "fluxture-seal-window-"));
  t.after(async () => {
    await network.close();
    await rm(root, { recursive: true, force: true });
  });

  // 1. the uninterrupted reference, with its seal's steps traced, and 2. a crawl killed just before its seal's
  //    first step (every visit durable in parts, the run still running), side by side
  const trace = join(root, "trace.txt");
  const before = join(root, "before-seal");
  const [whole, atSeal] = await Promise.all([
    crawl(join(root, "reference"), [], { FLUXTURE_FAULT_TRACE: trace }),
    crawl(before, [], { FLUXTURE_FAULT_KILL_AT: "1" }),
  ]);
  assert.equal(whole.code, 0, whole.stderr);
  const ref = await readRun((JSON.parse(whole.stdout) as { runDir: string }).runDir);
  assert.equal(ref.visits.filter((v) => v.outcome === "ok").length, N);
  const steps = readSteps(trace);
  for (const dataset of ["visits", "addrs"]) {
    const unlinks = steps.filter((s) => s.includes(`unlink ${dataset} `)).length;
    assert.ok(unlinks >= 2, `the reference seal deleted ${unlinks} ${dataset} part(s); the test needs ≥ 2:\n${steps.join("\n")}`);
  }
  assert.equal(atSeal.signal, "SIGKILL", atSeal.stderr);
  assert.ok(existsSync(join(onlyRun(before), "parts", "addrs")));

  // 3. from that state, a resume (which seals with compaction) killed before each of its seal's steps, then resumed again
  const resumeTrace = join(root, "resume-trace.txt");
  const probe = join(root, "probe");
  await cp(before, probe, { recursive: true });
  // in this process (it is killed nowhere): the only call here that traces, so its steps count from 1 as a process's do
  const traced = await cli(["crawl", "bitcoin", "--data", probe, "--json", "--resume"], { env: { FLUXTURE_FAULT_TRACE: resumeTrace } });
  assert.equal(traced.status, 0, traced.stderr);
  await resumeAndCompare(network, probe, "resume without a kill", true, ref);
  const resumeSteps = readSteps(resumeTrace);
  assert.match(resumeSteps[0] ?? "", /^1 /, resumeSteps.join("\n"));
  assert.ok(resumeSteps.length >= steps.length - 2, resumeSteps.join("\n"));
  const ks = Array.from({ length: resumeSteps.length }, (_, i) => i + 1);
  await eachAtOnce(ks, STEPS_AT_ONCE, async (k) => {
    const data = join(root, `resume-kill-${k}`);
    await cp(before, data, { recursive: true });
    const killed = await crawl(data, ["--resume"], { FLUXTURE_FAULT_KILL_AT: String(k) });
    assert.equal(killed.signal, "SIGKILL", `step ${resumeSteps[k - 1]}: the crawler was not killed: ${killed.stderr}`);
    await resumeAndCompare(network, data, `resume killed before step ${resumeSteps[k - 1]}`, k === resumeSteps.length, ref);
    await rm(data, { recursive: true, force: true });
  });

  // 4. a fresh crawl's own seal (no compaction), killed with its sealed files published but not yet confirmed, and
  //    mid-deletion at the second addrs part (the reported loss: 70,124 of 180,422 edges kept)
  const picks = [steps.find((s) => s.endsWith(" manifest: published")), steps.filter((s) => s.includes(" unlink addrs "))[1]];
  const fresh = await Promise.all(
    picks.map(async (step) => {
      assert.ok(step !== undefined, steps.join("\n"));
      const data = join(root, `fresh-kill-${step.split(" ")[0]}`);
      return { step, data, killed: await crawl(data, [], { FLUXTURE_FAULT_KILL_AT: step.split(" ")[0]! }) };
    }),
  );
  // one at a time: these resumes must dial nobody while no other crawl is dialling either
  for (const { step, data, killed } of fresh) {
    assert.equal(killed.signal, "SIGKILL", `step ${step}: the crawler was not killed: ${killed.stderr}`);
    await resumeAndCompare(network, data, `fresh crawl killed before step ${step}`, false, ref);
  }
});
