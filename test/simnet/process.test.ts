// The simnet as a process: worker processes serving slices, the `fluxture simnet` command (--out files,
// printed seeds, ready marker, clean exit on SIGTERM), one-line errors for bad flags and busy addresses.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import maxmind, { type AsnResponse, type CityResponse } from "maxmind";
import { readGroundTruth, startSimnet } from "../../tools/simnet/index.ts";
import { handshake, TestClient } from "./client.ts";

const BIN = join(import.meta.dirname, "../../bin/fluxture.js");

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function getaddr(host: string, port: number): Promise<number> {
  const c = await TestClient.open(host, port);
  try {
    await handshake(c, { addrv2: true });
    c.send({ command: "getaddr" });
    await c.until((t) => t.messages.filter((m) => m.command === "addrv2").length >= 2);
    const reply = c.of("addrv2")[1]!;
    return reply.entries.length;
  } finally {
    c.close();
  }
}

test("worker processes serve their slices; stats add up; stop ends every worker", async () => {
  const net = await startSimnet({ nodes: 600, base: "127.64.0.0", profile: "fast", workers: 2, seed: 3 });
  let pids: number[] = [];
  try {
    assert.equal(net.workers, 2);
    const { model } = net;
    for (const i of [0, 599]) {
      const n = await getaddr(model.address(i), model.port(i));
      assert.ok(n > 0);
    }
    const stats = await net.stats();
    assert.equal(stats.processes.length, 2);
    assert.equal(stats.accepted, 2);
    assert.equal(stats.replies, 2);
    pids = stats.processes.map((p) => p.pid);
    assert.ok(pids.every((p) => p !== process.pid && alive(p)));
  } finally {
    await net.stop();
  }
  assert.ok(
    pids.every((p) => !alive(p)),
    "workers are gone after stop()",
  );
});

test("a second simnet on the same addresses fails with a one-line error naming the address", async () => {
  const a = await startSimnet({ nodes: 20, base: "127.66.0.0" });
  try {
    await assert.rejects(startSimnet({ nodes: 20, base: "127.66.0.0" }), /cannot listen on 127\.66\.0\.\d+:1844\d: already in use/);
  } finally {
    await a.stop();
  }
});

test("fluxture simnet --out: prints the seeds, writes ground truth, mmdbs, seeds.txt and ready; SIGTERM exits 0", async () => {
  const out = await mkdtemp(join(tmpdir(), "simnet-cli-"));
  const child = spawn(process.execPath, [BIN, "simnet", "--nodes", "300", "--base", "127.65.0.0", "--out", out, "--seed", "9", "--reply-delay-ms", "0"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  try {
    const deadline = Date.now() + 60_000;
    while (!existsSync(join(out, "ready"))) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`no ready marker; stderr: ${stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    while (!stdout.endsWith("\n")) await once(child.stdout, "data");
    const seeds = stdout.trim().split("\n");
    assert.equal(seeds.length, 8);
    assert.deepEqual((await readFile(join(out, "seeds.txt"), "utf8")).trim().split("\n"), seeds);
    const truth = await readGroundTruth(join(out, "ground-truth.json"));
    assert.equal(truth.peers.length, 300);
    assert.deepEqual(truth.seeds, seeds);
    assert.equal(truth.magic, "fabfb5da");
    // The peers answer what the ground truth says, over the command's real sockets.
    const [host, port] = seeds[0]!.split(":");
    const seedPeer = truth.peers.find((p) => p.address === host)!;
    assert.equal(await getaddr(host!, Number(port)), seedPeer.advertises.length);
    // The databases place every peer where the ground truth says.
    const city = await maxmind.open<CityResponse>(join(out, "simnet-city.mmdb"));
    const asn = await maxmind.open<AsnResponse>(join(out, "simnet-asn.mmdb"));
    for (const p of truth.peers.slice(0, 50)) {
      assert.equal(city.get(p.address)?.country?.iso_code, p.geo!.country);
      assert.equal(asn.get(p.address)?.autonomous_system_number, p.geo!.asn);
    }
    assert.ok(asn.get(truth.unlistened.ipv4[0])?.autonomous_system_number, "nothing-listens addresses locate too");
    const countries = new Set(truth.peers.map((p) => p.geo!.country));
    assert.ok(countries.has("US") && countries.has("DE") && countries.size >= 8, [...countries].join(","));
    child.kill("SIGTERM");
    assert.equal(await exited, 0);
    assert.ok(!existsSync(join(out, "ready")), "the ready marker is removed on shutdown");
    assert.match(stderr, /stopped after \d+ connections/);
  } finally {
    if (child.exitCode === null) child.kill("SIGKILL");
    await rm(out, { recursive: true, force: true });
  }
});

test("bad flags: one line, exit 2", async () => {
  for (const args of [
    ["--base", "10.0.0.0"],
    ["--behaviours", "honest=0.5,evil=0.5"],
    ["--nodes", "0"],
  ]) {
    const child = spawn(process.execPath, [BIN, "simnet", ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.once("exit", (c) => resolve(c)));
    assert.equal(code, 2, `${args.join(" ")}: ${stderr}`);
    const lines = stderr
      .trim()
      .split("\n")
      .filter((l) => !l.startsWith("(run with --help"));
    assert.equal(lines.length, 1, stderr);
  }
});
