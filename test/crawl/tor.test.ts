// The SOCKS5 client against Debian's real tor (no network: its only bridge is 127.0.0.1:1): onion peers it
// cannot reach are classified promptly from tor's own replies, through per-session username/password auth
// (IsolateSOCKSAuth), under the per-proxy concurrency cap; a dead proxy next to it costs proxy_error, not a stall.
// Each test has a tor of its own, and they run side by side: most of their time is tor holding onion requests.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { addressFromBytes } from "../../lib/bitcoin/index.ts";
import { runCrawl } from "../../stages/crawl/index.ts";
import { runSession } from "../../stages/crawl/session.ts";
import { SIMNET_MAGIC } from "../../tools/simnet/index.ts";
import { freePort, startTor } from "../helpers/daemons.ts";
import { readRun } from "./helpers/read-run.ts";

/** Onion names of fresh ed25519 keys (tor checks that the name holds a valid curve point). */
const onions = (n: number) =>
  Array.from({ length: n }, () => {
    const jwk = generateKeyPairSync("ed25519").publicKey.export({ format: "jwk" });
    return addressFromBytes("onion_v3", Buffer.from(String(jwk.x), "base64url"));
  });

/** Captures log lines written to stderr while `fn` runs. */
async function withStderr<T>(fn: () => Promise<T>): Promise<{ value: T; lines: string[] }> {
  const lines: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  }) as typeof process.stderr.write;
  try {
    return { value: await fn(), lines };
  } finally {
    process.stderr.write = write;
  }
}

describe("real tor", { concurrency: true }, () => {
  test("a crawl of onion peers through real tor: each is classified from tor's reply, the cap holds, nothing stalls", async () => {
    const tor = await startTor(2); // tor gives up on an onion after SocksTimeout 2 s with reply 6 (TTL expired)
    const data = await mkdtemp(join(tmpdir(), "fluxture-tor-crawl-"));
    try {
      const names = onions(24);
      const t0 = performance.now();
      const summary = await runCrawl({
        dataDir: data,
        network: "simnet",
        seeds: names.map((n) => `${n}:8333`),
        dnsSeeds: false,
        previousRun: false,
        concurrency: 64,
        connectTimeoutMs: 1000,
        handshakeTimeoutMs: 1000,
        getaddrTimeoutMs: 1000,
        proxyConnectTimeoutMs: 60_000,
        proxyConcurrency: 8,
        dialAllow: [],
        dialDeny: [],
        proxy: `socks5://127.0.0.1:${tor.port}`,
        progress: false,
      });
      const seconds = (performance.now() - t0) / 1000;
      // every onion timed out, so nobody was reachable: the run is sealed failed (stages/crawl/README.md), visits kept
      assert.equal(summary.state, "failed");
      const { visits } = await readRun(summary.runDir);
      assert.equal(visits.length, 24);
      for (const v of visits) {
        assert.equal(v.network_type, "onion_v3");
        assert.equal(v.outcome, "timeout", String(v.error_detail));
        assert.match(String(v.error_detail), /SOCKS5 reply 0x06 TTL expired/);
      }
      // 24 onions, 8 at once, each held ~2 s by tor: at least 3 waves (the cap held), far below the 60 s deadline.
      assert.ok(seconds >= 5, `finished in ${seconds.toFixed(1)} s: more than 8 sessions ran through the proxy at once`);
      assert.ok(seconds < 45, `took ${seconds.toFixed(1)} s`);
      assert.match(await tor.log(), /Tried for 2 seconds to get a connection to \[scrubbed\]:8333\. Giving up/);
    } finally {
      await tor.stop();
      await rm(data, { recursive: true, force: true });
    }
  });

  test("our own proxy deadline ends an onion visit that tor holds longer (timeout in phase proxy)", async () => {
    const tor = await startTor(120);
    try {
      const [name] = onions(1);
      const t0 = performance.now();
      const r = await runSession(
        { address: name!, port: 8333, networkType: "onion_v3" },
        {
          magic: SIMNET_MAGIC,
          connectTimeoutMs: 1500,
          handshakeTimeoutMs: 1000,
          getaddrTimeoutMs: 1000,
          proxy: { host: "127.0.0.1", port: tor.port },
          socksAuth: { username: "fluxture-test-1", password: "x" },
        },
      );
      assert.equal(r.outcome, "timeout");
      assert.equal(r.detail, "proxy timeout");
      assert.ok(performance.now() - t0 < 10_000);
    } finally {
      await tor.stop();
    }
  });

  test("tor's extended error for a name that is no ed25519 key (0xF6) is a protocol_error", async () => {
    const tor = await startTor(120);
    try {
      let name = "";
      for (;;) {
        const bytes = randomBytes(32); // most 32-byte strings are not curve points; keep one tor rejects
        name = addressFromBytes("onion_v3", bytes);
        const r = await runSession(
          { address: name, port: 8333, networkType: "onion_v3" },
          { magic: SIMNET_MAGIC, connectTimeoutMs: 5000, handshakeTimeoutMs: 1000, getaddrTimeoutMs: 1000, proxy: { host: "127.0.0.1", port: tor.port } },
        );
        if (r.outcome === "timeout") continue; // a valid point after all: tor holds it; try another
        assert.equal(r.outcome, "protocol_error");
        assert.equal(r.detail, "SOCKS5 reply 0xf6 onion service invalid address");
        break;
      }
    } finally {
      await tor.stop();
    }
  });

  test("a dead proxy next to tor: its sessions end proxy_error with one log line, the rest go through tor", async () => {
    const tor = await startTor(1);
    const dead = await freePort(); // nothing listens there
    const data = await mkdtemp(join(tmpdir(), "fluxture-tor-dead-"));
    try {
      const names = onions(12);
      const { value: summary, lines } = await withStderr(() =>
        runCrawl({
          dataDir: data,
          network: "simnet",
          seeds: names.map((n) => `${n}:8333`),
          dnsSeeds: false,
          previousRun: false,
          concurrency: 4,
          connectTimeoutMs: 1000,
          handshakeTimeoutMs: 1000,
          getaddrTimeoutMs: 1000,
          proxyConnectTimeoutMs: 30_000,
          proxyConcurrency: 2,
          dialAllow: [],
          dialDeny: [],
          proxies: [`socks5://127.0.0.1:${dead}`, `socks5://127.0.0.1:${tor.port}`],
          progress: false,
        }),
      );
      const { visits } = await readRun(summary.runDir);
      const outcomes = visits.map((v) => String(v.outcome));
      assert.equal(visits.length, 12);
      const proxyErrors = visits.filter((v) => v.outcome === "proxy_error");
      assert.ok(proxyErrors.length >= 1 && proxyErrors.length <= 2, outcomes.join(","));
      for (const v of proxyErrors) assert.match(String(v.error_detail), new RegExp(`SOCKS5 proxy 127\\.0\\.0\\.1:${dead} unreachable`));
      assert.equal(outcomes.filter((o) => o === "timeout").length, 12 - proxyErrors.length);
      const warnings = lines.filter((l) => l.includes(`socks5://127.0.0.1:${dead} failed`));
      assert.equal(warnings.length, 1, lines.join(""));
    } finally {
      await tor.stop();
      await rm(data, { recursive: true, force: true });
    }
  });
});
