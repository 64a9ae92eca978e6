// The SAM v3.1 client against Debian's real i2pd (SAM bridge only, no transports, no reseed).
//
// Why the session itself is not created here: i2pd answers `HELLO VERSION MIN=3.1 MAX=3.1` at once, but it
// replies to `SESSION CREATE … DESTINATION=TRANSIENT` only once the new destination has inbound and outbound
// tunnels, and tunnels need other routers ("Tunnels: Can't create outbound tunnel, no peers available" in its
// log). Offline, that reply never comes (measured: nothing within 90 s). So this file proves the handshake and
// that a bridge which cannot build tunnels ends I2P visits promptly as proxy_error; the stream path (STREAM
// CONNECT and the Bitcoin conversation after it) is tested against the simnet's SAM bridge
// (test/simnet/overlay.test.ts), which implements the same protocol.
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { addressFromBytes } from "../../lib/bitcoin/index.ts";
import { runCrawl } from "../../stages/crawl/index.ts";
import { samHello, SamSession } from "../../stages/crawl/sam.ts";
import { startI2pd } from "../helpers/daemons.ts";
import { readRun } from "./helpers/read-run.ts";

test("i2pd answers our HELLO with SAM 3.1", async () => {
  const i2pd = await startI2pd();
  try {
    const { socket, reply } = await samHello({ host: "127.0.0.1", port: i2pd.port });
    socket.destroy();
    assert.equal(reply.topic, "HELLO");
    assert.equal(reply.verb, "REPLY");
    assert.equal(reply.keys.get("RESULT"), "OK");
    assert.equal(reply.keys.get("VERSION"), "3.1");
  } finally {
    await i2pd.stop();
  }
});

test("offline i2pd never finishes SESSION CREATE: I2P visits end proxy_error within their deadline, with one log line", async () => {
  const i2pd = await startI2pd();
  const data = await mkdtemp(join(tmpdir(), "fluxture-i2pd-crawl-"));
  const lines: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string | Uint8Array) => lines.push(String(chunk)) > 0) as typeof process.stderr.write;
  try {
    const names = Array.from({ length: 6 }, () => addressFromBytes("i2p", randomBytes(32)));
    const t0 = performance.now();
    const summary = await runCrawl({
      dataDir: data,
      network: "simnet",
      seeds: names.map((n) => `${n}:0`),
      dnsSeeds: false,
      previousRun: false,
      concurrency: 8,
      connectTimeoutMs: 1000,
      handshakeTimeoutMs: 1000,
      getaddrTimeoutMs: 1000,
      i2pConnectTimeoutMs: 3000,
      dialAllow: [],
      dialDeny: [],
      i2pSam: `127.0.0.1:${i2pd.port}`,
      progress: false,
    });
    const seconds = (performance.now() - t0) / 1000;
    const { visits } = await readRun(summary.runDir);
    assert.equal(visits.length, 6);
    for (const v of visits) {
      assert.equal(v.network_type, "i2p");
      assert.equal(v.outcome, "proxy_error");
      assert.equal(v.error_detail, "SAM session not ready within 3000 ms");
    }
    assert.ok(seconds < 20, `took ${seconds.toFixed(1)} s`);
    const log = await i2pd.log();
    // i2pd took our SESSION CREATE (one inbound and one outbound tunnel, as Core asks) and could not build them
    assert.match(log, /Parameters for tunnel set to: 1 inbound \(3 hops\), 1 outbound \(3 hops\)/);
    for (let i = 0; i < 100 && !/no peers available/.test(await i2pd.log()); i++) await new Promise((r) => setTimeout(r, 100));
    assert.match(await i2pd.log(), /Can't create (outbound|inbound) tunnel, no peers available/);
    const warnings = lines.filter((l) => /warn SAM 127\.0\.0\.1:\d+ failed \(SAM session not ready within 3000 ms\)/.test(l));
    assert.equal(warnings.length, 1, lines.join(""));
    assert.equal(lines.filter((l) => / warn /.test(l)).length, 1, lines.join(""));
  } finally {
    process.stderr.write = write;
    await i2pd.stop();
    await rm(data, { recursive: true, force: true });
  }
});

test("a SAM bridge that is not there: proxy_error at once, not a stall", async () => {
  const session = new SamSession({ host: "127.0.0.1", port: 1 });
  const t0 = performance.now();
  await assert.rejects(session.connect(addressFromBytes("i2p", randomBytes(32)), 10_000), /SAM bridge 127\.0\.0\.1:1 unreachable/);
  assert.ok(performance.now() - t0 < 2000);
  session.close();
});
