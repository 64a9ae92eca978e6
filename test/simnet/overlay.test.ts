// End to end over overlays: a mainnet-mixed simnet (IPv4, IPv6 on [::1], Tor v3 and I2P peers with no IP
// listener) crawled by the real crawler through the simnet's own SOCKS5 gateway and SAM v3.1 bridge: every
// onion and I2P peer reached (or failed by its gateway exactly as the ground truth says), versions recorded,
// per-network counts exact; plus the bridge's SAM protocol answers (NOVERSION, INVALID_ID, NAMING LOOKUP,
// STREAM CONNECT by full destination) and one SOCKS credential per session.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { quotedString } from "@duckdb/node-api";
import { openDuckDB, queryRows, type RowObject } from "../../pipeline/duckdb.ts";
import { runCrawl, type CrawlSummary } from "../../stages/crawl/index.ts";
import { parseSamAddress, parseSamReply, readSamLine, samHello, SamSession } from "../../stages/crawl/sam.ts";
import type { Behaviour } from "../../tools/simnet/behaviours.ts";
import { readGroundTruth, startSimnet, type GroundTruth, type GroundTruthPeer, type Simnet } from "../../tools/simnet/index.ts";
import { MAINNET_MIX, i2pBase64 } from "../../tools/simnet/overlay.ts";

const EXPECTED: Record<Behaviour, string> = {
  honest: "ok",
  slow: "ok",
  ping_flood: "ok",
  silent: "timeout",
  full: "reset",
  garbage: "protocol_error",
  wrong_magic: "protocol_error",
  oversized: "protocol_error",
  addr_flood: "protocol_error",
  close_mid_message: "protocol_error",
  spammer: "ok",
  frame_stall: "no_addr_reply",
};

/** What the crawler must record for a peer: its gateway's failure, else its behaviour's outcome. */
const expected = (p: GroundTruthPeer) => p.gateway_failure ?? EXPECTED[p.behaviour];

let dir: string;
let simnet: Simnet;
let truth: GroundTruth;
let summary: CrawlSummary;
let visits: Map<string, RowObject>;
const key = (address: string, port: number) => `${address}|${port}`;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "simnet-overlay-"));
  simnet = await startSimnet({
    nodes: 400,
    base: "127.81.0.0",
    seed: 33,
    epoch: 1_717_200_000,
    replyDelayMs: 100,
    slowMs: 1500,
    networks: MAINNET_MIX,
    overlayLatency: { torCircuitMs: 300, torRttMs: 60, i2pTunnelMs: 500, i2pRttMs: 120, i2pSessionMs: 300, failShare: 0.1 },
    torGateway: "127.0.0.1:0",
    i2pGateway: "127.0.0.1:0",
    out: join(dir, "simnet"),
  });
  truth = await readGroundTruth(simnet.groundTruthPath!);
  summary = await runCrawl({
    dataDir: join(dir, "data"),
    network: "simnet",
    seeds: simnet.seeds,
    dnsSeeds: false,
    concurrency: 300,
    connectTimeoutMs: 5000,
    handshakeTimeoutMs: 5000,
    getaddrTimeoutMs: 6000,
    proxyConnectTimeoutMs: 10_000,
    i2pConnectTimeoutMs: 10_000,
    i2pHandshakeTimeoutMs: 5000,
    proxyConcurrency: 64,
    proxy: `socks5://${simnet.torGateway}`,
    i2pSam: simnet.i2pGateway,
    maxDurationS: 240,
    dialAllow: ["127.0.0.0/8", "::1/128"],
    dialDeny: [],
    previousRun: false,
    progress: false,
  });
  const db = await openDuckDB({ threads: 2 });
  try {
    const v = await queryRows(db.connection, `select * from read_parquet(${quotedString(join(summary.runDir, "visits.parquet"))})`);
    visits = new Map(v.map((r) => [key(r.address as string, r.port as number), r]));
  } finally {
    db.close();
  }
});

after(async () => {
  await simnet?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

test("the simnet holds the mainnet mix, and overlay peers have no IP listener", () => {
  const count = (n: string) => truth.peers.filter((p) => p.network === n).length;
  assert.deepEqual([count("ipv4"), count("ipv6"), count("onion_v3"), count("i2p")], [120, 20, 240, 20]);
  for (const p of truth.peers) {
    if (p.network === "onion_v3") assert.match(p.address, /^[a-z2-7]{56}\.onion$/);
    if (p.network === "i2p") assert.deepEqual([/^[a-z2-7]{52}\.b32\.i2p$/.test(p.address), p.port], [true, 0]);
    if (p.network === "ipv6") assert.equal(p.address, "::1");
  }
  assert.ok(truth.peers.some((p) => p.gateway_failure === "unreachable") && truth.peers.some((p) => p.gateway_failure === "timeout"));
});

test("every peer on every network was visited with exactly the outcome the ground truth implies", () => {
  assert.equal(summary.state, "succeeded");
  assert.equal(summary.stoppedBy, "done");
  const wrong: string[] = [];
  for (const p of truth.peers) {
    const v = visits.get(key(p.address, p.port));
    if (!v) wrong.push(`${p.network} ${p.address}:${p.port} (${p.behaviour}) never visited`);
    else if (v.outcome !== expected(p))
      wrong.push(`${p.network} ${p.address}:${p.port} ${p.behaviour}/${p.gateway_failure ?? "-"}: ${String(v.outcome)} (${String(v.error_detail)})`);
    else if (v.network_type !== p.network) wrong.push(`${p.address}: network_type ${String(v.network_type)}`);
  }
  assert.deepEqual(wrong.slice(0, 20), [], `${wrong.length} peers wrong`);
});

test("reachable overlay peers' version records are exactly the ground truth's, on every network", () => {
  const perNetwork = new Map<string, number>();
  for (const p of truth.peers) {
    if (expected(p) !== "ok") continue;
    const v = visits.get(key(p.address, p.port))!;
    assert.deepEqual(
      [v.protocol_version, String(v.services), v.user_agent, v.start_height, v.relay],
      [p.version.protocol_version, p.version.services, p.version.user_agent, p.version.start_height, p.version.relay],
      `${p.address}`,
    );
    perNetwork.set(p.network, (perNetwork.get(p.network) ?? 0) + 1);
  }
  for (const n of ["ipv4", "ipv6", "onion_v3", "i2p"]) assert.ok((perNetwork.get(n) ?? 0) > 0, `no reachable ${n} peer`);
  // the crawl summary's per-network reachable counts are the ground truth's
  assert.deepEqual(Object.fromEntries(Object.entries(summary.reachable).filter(([, n]) => n > 0)), Object.fromEntries([...perNetwork].sort()));
});

test("names no simnet peer has are failed by the gateways as Tor and I2P would (reply 4 / CANT_REACH_PEER)", () => {
  const own = new Set(truth.peers.map((p) => key(p.address, p.port)));
  const strangers = [...visits.values()].filter(
    (v) => (v.network_type === "onion_v3" || v.network_type === "i2p") && !own.has(key(v.address as string, v.port as number)),
  );
  assert.ok(strangers.length > 0);
  for (const v of strangers) {
    assert.equal(v.outcome, v.network_type === "i2p" && v.port !== 0 ? "not_dialed" : "unreachable", String(v.error_detail));
  }
  const samples = strangers.map((v) => String(v.error_detail));
  assert.ok(samples.some((d) => d === "SOCKS5 reply 0x04 host unreachable"));
  assert.ok(samples.some((d) => /^SAM STREAM CONNECT: CANT_REACH_PEER/.test(d)));
});

test("one SOCKS credential per onion session (stream isolation), one SAM session for the whole crawl", () => {
  const stats = simnet.gatewayStats();
  const onionVisits = [...visits.values()].filter((v) => v.network_type === "onion_v3").length;
  assert.equal(stats.tor?.connections, onionVisits);
  assert.equal(stats.tor?.credentials, onionVisits);
  assert.ok((stats.tor?.peakStreams ?? 0) <= 64);
  assert.equal(stats.i2p?.credentials, 1);
});

test("the SAM bridge speaks SAM 3.1: NOVERSION, INVALID_ID, NAMING LOOKUP, and STREAM CONNECT by full destination", async () => {
  const bridge = parseSamAddress(simnet.i2pGateway!);
  const ask = async (socket: Socket, line: string) => {
    socket.write(`${line}\n`);
    return parseSamReply(await readSamLine(socket));
  };
  const { socket: a } = await samHello(bridge);
  const noSession = await ask(a, `STREAM CONNECT ID=nope DESTINATION=${truth.peers.find((p) => p.network === "i2p")!.address} SILENT=false`);
  assert.equal(noSession.keys.get("RESULT"), "INVALID_ID");
  a.destroy();

  const old = await new Promise<string>((resolve) => {
    const s = connect({ host: bridge.host, port: bridge.port });
    s.once("connect", () => {
      s.write("HELLO VERSION MIN=3.0 MAX=3.0\n");
      void readSamLine(s).then((l) => {
        s.destroy();
        resolve(l);
      });
    });
  });
  assert.equal(parseSamReply(old).keys.get("RESULT"), "NOVERSION");

  const session = new SamSession(bridge);
  try {
    await session.ensure();
    const peer = truth.peers.find((p) => p.network === "i2p" && expected(p) === "ok")!;
    const { socket: n } = await samHello(bridge);
    const lookup = await ask(n, `NAMING LOOKUP NAME=${peer.address}`);
    n.destroy();
    assert.equal(lookup.keys.get("RESULT"), "OK");
    const dest = lookup.keys.get("VALUE")!;
    assert.equal(dest, i2pBase64(simnet.model.destination(peer.index)));
    const stream = await session.connect(dest, 10_000); // a full Base64 destination, as Core sends after its lookup
    stream.destroy();
    const missing = await (async () => {
      const { socket } = await samHello(bridge);
      const r = await ask(socket, "NAMING LOOKUP NAME=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.b32.i2p");
      socket.destroy();
      return r;
    })();
    assert.equal(missing.keys.get("RESULT"), "KEY_NOT_FOUND");
  } finally {
    session.close();
  }
});
