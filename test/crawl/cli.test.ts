// `fluxture crawl` and `fluxture node` as a user runs them: JSON and text output, env twins, one-line errors with their
// exit codes, the data lock, the dial policy. In-process through the program object (test/helpers/cli.ts), but for
// the locked data folder, where the bin runs as a real process beside the one that holds the lock.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { acquireLock } from "../../pipeline/lock.ts";
import { cli, FLUXTURE_BIN } from "../helpers/cli.ts";
import { startPeerNetwork } from "./helpers/peer-network.ts";

const A = "127.34.0.1:18444";
const B = "127.34.0.2:18444";

/** `fluxture ...args` in-process, its exit status as `code`. */
async function fluxture(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const r = await cli(args, { env });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** `fluxture ...args` as a child process of bin/fluxture.js (asynchronous: the network it dials lives in this process). */
async function fluxtureProcess(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [FLUXTURE_BIN, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  const [code] = (await once(child, "exit")) as [number | null];
  return { code, stdout, stderr };
}

/** Documentation-range addresses both peers advertise (outside the dial policy: not_dialed). */
const FILLERS = Array.from({ length: 10 }, (_, i) => `198.51.100.${i + 1}:8333`);
const FAST = ["--handshake-timeout", "1000", "--getaddr-timeout", "3000", "--connect-timeout", "1000"];

test("crawl and node from the command line", { timeout: 120_000 }, async (t) => {
  const network = await startPeerNetwork([
    { host: "127.34.0.1", port: 18444, reply: [B, "10.9.9.9:8333", ...FILLERS] },
    // A and the same fillers: 11 entries, a reply complete at once (a small one would wait out a 2 s grace)
    { host: "127.34.0.2", port: 18444, reply: [A, ...FILLERS], userAgent: "/Satoshi:26.1.0/" },
  ]);
  const data = await mkdtemp(join(tmpdir(), "fluxture-cli-"));
  t.after(async () => {
    await network.close();
    await rm(data, { recursive: true, force: true });
  });

  await t.test("crawl --json prints the summary as JSON and exits 0", async () => {
    const r = await fluxture(["crawl", "bitcoin", "--network", "regtest", "--data", data, "--seed", A, "--dial-allow", "127.0.0.0/8,::1", ...FAST, "--json"]);
    assert.equal(r.code, 0, r.stderr);
    const s = JSON.parse(r.stdout) as Record<string, unknown>;
    assert.equal(s.state, "succeeded");
    assert.equal(s.discovered, 13);
    assert.equal(s.attempted, 2);
    assert.deepEqual(s.reachable, { ipv4: 2, ipv6: 0, onion_v3: 0, i2p: 0, cjdns: 0 }); // every headline network type
    assert.equal((s.outcomes as Record<string, number>).not_dialed, 11);
    assert.match(String(s.runId), /^\d{8}T\d{6}Z$/);
  });

  await t.test("flags have per-command env twins (old unambiguous names still read); the text summary names the run", async () => {
    const r = await fluxture(["crawl", "--data", data, ...FAST], {
      FLUXTURE_NETWORK: "regtest",
      FLUXTURE_CRAWL_SEED: A,
      FLUXTURE_SEED: "127.34.0.99:1", // ambiguous (topology's --seed is a number): ignored
      FLUXTURE_DIAL_ALLOW: "127.34.0.0/16",
      FLUXTURE_NO_PREVIOUS_RUN: "1",
      FLUXTURE_CONCURRENCY: "3",
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^run \d{8}T\d{6}Z \(succeeded\)$/m);
    assert.match(r.stdout, /discovered {2}13/);
    assert.match(r.stdout, /reachable {3}2 \(ipv4 2, ipv6 0, onion_v3 0, i2p 0, cjdns 0\)/);
    assert.match(r.stdout, /outcomes {4}ok 2, not_dialed 11/);
    assert.match(r.stderr, /seeds: 1 seed_arg, 0 dns_seed, 0 previous_run/);
  });

  await t.test("bad flags fail with one line and exit 2", async () => {
    for (const [args, pattern] of [
      [["crawl", "--concurrency", "abc"], /^fluxture: --concurrency must be an integer/],
      [
        ["crawl", "--data", data, "--network", "regtest", "--dial-allow", "300.0.0.0/8"],
        /^fluxture: --dial-allow: '300\.0\.0\.0\/8' is not an IPv4 or IPv6 CIDR/,
      ],
      [["crawl", "--network", "moonnet"], /^fluxture: --network must be one of/],
      [["crawl", "ethereum"], /^fluxture: unknown protocol 'ethereum'/],
      [["crawl", "--data", data, "--network", "regtest", "--proxy", "http://127.0.0.1:8080"], /^fluxture: --proxy must be socks5:\/\/IP:PORT/],
      [["crawl", "--data", data, "--network", "regtest", "--resume", "yesterday"], /^fluxture: --resume takes an optional run id/],
    ] as const) {
      const r = await fluxture([...args]);
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, pattern);
      assert.equal(
        r.stderr
          .trim()
          .split("\n")
          .filter((l) => l.startsWith("fluxture:")).length,
        1,
      );
    }
  });

  await t.test("--resume with nothing to resume is a one-line data error", async () => {
    const r = await fluxture(["crawl", "--data", data, "--network", "regtest", "--resume"]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /^fluxture: no running\/cancelled\/failed run in /m);
  });

  await t.test("a locked data folder is refused (exit 75) naming the holder", async () => {
    const lock = await acquireLock(data, "test holder");
    try {
      const r = await fluxtureProcess(["crawl", "--data", data, "--network", "regtest", "--seed", A, "--dial-allow", "127.0.0.0/8"]);
      assert.equal(r.code, 75, r.stderr);
      assert.match(r.stderr, /^fluxture: data folder .* is locked by pid \d+ \(test holder\)/m);
    } finally {
      await lock.release();
    }
  });

  await t.test("node prints the version record and the reply, as text and as JSON", async () => {
    const text = await fluxture(["node", "bitcoin", B, "--network", "regtest", ...FAST]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^node 127\.34\.0\.2:18444 \(ipv4\): ok$/m);
    assert.match(text.stdout, /user_agent +\/Satoshi:26\.1\.0\//);
    assert.match(text.stdout, /^addresses: 11 \(11 entries in 1 messages\)$/m);
    assert.match(text.stdout, /^ {2}127\.34\.0\.1:18444 {2}ipv4 {2}services 0x409 {2}2023-11-14T22:13:20\.000Z {2}addrv2$/m);
    const json = await fluxture(["node", A, "--network", "regtest", "--json", ...FAST]);
    assert.equal(json.code, 0, json.stderr);
    const j = JSON.parse(json.stdout) as { outcome: string; version: { user_agent: string; services: string }; addresses: { address: string }[] };
    assert.equal(j.outcome, "ok");
    assert.equal(j.version.user_agent, "/Satoshi:27.0.0/");
    assert.equal(j.version.services, "1033");
    assert.equal(j.addresses.length, 12);
  });

  await t.test("node honours the dial policy and reports failures with exit 1", async () => {
    const denied = await fluxture(["node", "10.9.9.9:8333", "--network", "regtest"]);
    assert.equal(denied.code, 1);
    assert.match(denied.stderr, /^fluxture: node 10\.9\.9\.9:8333: not_dialed: outside the dial policy \(allow 127\.0\.0\.0\/8,::1\/128 deny -\)$/m);
    const refused = await fluxture(["node", "127.34.0.9:18444", "--network", "regtest"]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /^fluxture: node 127\.34\.0\.9:18444: refused: connect ECONNREFUSED/m);
    const onion = await fluxture(["node", "pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd.onion", "--network", "regtest"]);
    assert.equal(onion.code, 1);
    assert.match(onion.stderr, /unsupported_network: onion addresses need --proxy/);
  });
});

test("a crawl with no seed at all fails with one line and leaves no run behind", async () => {
  const data = await mkdtemp(join(tmpdir(), "fluxture-noseed-"));
  const r = await fluxture(["crawl", "--network", "simnet", "--data", data, "--dial-allow", "127.0.0.0/8,::1/128"]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^fluxture: no seeds for simnet: no address from DNS seeds, --seed, --seed-file, or reachable nodes of a previous run in /m);
  assert.equal(existsSync(join(data, "runs")), false);
});
