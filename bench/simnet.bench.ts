// Simnet benchmarks (issue 4). (1) Throughput of the simnet alone on one core: one worker process serves
// 5,000 fast-profile peers while this process hammers it with pipelined crawler conversations, measured per
// CPU-second of the worker's single thread (on a shared 2-core machine the client caps the wall-clock rate,
// printed too): handshakes (version/verack; target ≥ 5,000/s), full sessions (connect, version, sendaddrv2,
// verack, getaddr → handshake, self-announcement, the real reply, close) from a warm reply cache (the steady
// state: the simnet prewarms it after start; target ≥ 5,000/s) and cold (cache off: every reply generated and
// encoded; no target, printed for reference). (2) 25,000 peers: time until all listen (< 10 s) and total RSS
// over the worker processes once their reply caches are full (< 1.5 GB); also the start time with --out.
// Medians of several runs. Run: bash scripts/run-bench.sh bench/simnet.bench.ts (BENCH_ONLY=sessions|start,
// BENCH_RUNS, BENCH_SECONDS, BENCH_CONCURRENCY to narrow it).
import { connect } from "node:net";
import { mkdtemp, rm } from "node:fs/promises";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { report } from "./harness.ts";
import { PROTOCOL_VERSION, encodeFrame, type Message } from "../lib/bitcoin/index.ts";
import { SIMNET_MAGIC, startSimnet, type Simnet } from "../tools/simnet/index.ts";

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 200);

const VERSION: Message = {
  command: "version",
  version: PROTOCOL_VERSION,
  services: 0n,
  timestamp: BigInt(Math.floor(Date.now() / 1000)),
  receiver: { services: 0n, address: "0.0.0.0", networkType: "ipv4", port: 0 },
  sender: { services: 0n, address: "0.0.0.0", networkType: "ipv4", port: 0 },
  nonce: 1n,
  userAgent: "/simnet-bench/",
  startHeight: 0,
  relay: false,
};
const frames = (msgs: Message[]) => Buffer.concat(msgs.map((m) => encodeFrame(SIMNET_MAGIC, m)));
/** What a crawler sends, pipelined: a full session asks for addresses, a handshake stops at verack. */
const OPENING = {
  full: frames([VERSION, { command: "sendaddrv2" }, { command: "verack" }, { command: "getaddr" }]),
  handshake: frames([VERSION, { command: "sendaddrv2" }, { command: "verack" }]),
};
type Mode = keyof typeof OPENING;
const ADDR = Buffer.from("addr\0\0\0\0\0\0\0\0", "latin1");
const ADDRV2 = Buffer.from("addrv2\0\0\0\0\0\0", "latin1");
const VERACK = Buffer.from("verack\0\0\0\0\0\0", "latin1");

/** One pipelined session. "full" resolves true once the second addr/addrv2 frame (the reply) is complete
 * (pre-70016 peers answer in legacy addr whatever the client asked for); "handshake" once the peer's
 * verack arrived. */
function session(host: string, port: number, mode: Mode): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port });
    let buf: Buffer = Buffer.alloc(0);
    let addrSeen = 0;
    let done = false;
    const finish = (ok: boolean) => {
      if (done) return;
      done = true;
      s.destroy();
      resolve(ok);
    };
    s.setNoDelay(true);
    s.once("connect", () => s.write(OPENING[mode]));
    s.on("data", (chunk: Buffer) => {
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      // Walk whole frames without checksumming them: the client must stay cheaper than the server.
      let off = 0;
      while (buf.length - off >= 24) {
        const len = buf.readUInt32LE(off + 16);
        if (buf.length - off < 24 + len) break;
        if (mode === "handshake") {
          if (buf.compare(VERACK, 0, 12, off + 4, off + 16) === 0) return finish(true);
        } else {
          const isAddr = buf.compare(ADDRV2, 0, 12, off + 4, off + 16) === 0 || buf.compare(ADDR, 0, 12, off + 4, off + 16) === 0;
          if (isAddr && ++addrSeen === 2) return finish(true);
        }
        off += 24 + len;
      }
      buf = buf.subarray(off);
    });
    s.on("error", () => finish(false));
    s.on("close", () => finish(false));
  });
}

async function hammer(net: Simnet, seconds: number, mode: Mode): Promise<{ ok: number; failed: number; wallS: number; cpuS: number }> {
  const { model } = net;
  const before = await net.stats();
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  let ok = 0;
  let failed = 0;
  let next = 0;
  const loop = async () => {
    while (performance.now() < end) {
      const i = next++ % model.config.nodes;
      if (await session(model.address(i), model.port(i), mode)) ok++;
      else failed++;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, loop));
  const wallS = (performance.now() - t0) / 1000;
  const after = await net.stats();
  const cpuS = after.processes.reduce((s, p) => s + p.cpuS, 0) - before.processes.reduce((s, p) => s + p.cpuS, 0);
  return { ok, failed, wallS, cpuS };
}

/** Handshakes ("handshake"), or full sessions with the reply cache off ("cold") or filled ("warm"). */
async function sessionsBench(kind: "handshake" | "cold" | "warm"): Promise<void> {
  const nodes = 5000;
  const mode: Mode = kind === "handshake" ? "handshake" : "full";
  const net = await startSimnet({ nodes, base: "127.90.0.0", profile: "fast", replyDelayMs: 0, workers: 1, seed: 1, replyCacheMB: kind === "cold" ? 0 : 64 });
  try {
    if (kind === "warm") {
      // Every peer answered once, so each reply is cached (the background prewarm would get there too).
      let next = 0;
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          for (let i = next++; i < nodes; i = next++) await session(net.model.address(i), net.model.port(i), "full");
        }),
      );
    } else await hammer(net, 1, mode); // JIT warm-up
    const perCore: number[] = [];
    const wall: number[] = [];
    for (let r = 0; r < RUNS; r++) {
      const { ok, failed, wallS, cpuS } = await hammer(net, SECONDS, mode);
      if (failed > 0) console.log(`  run ${r + 1}: ${failed} sessions failed`);
      perCore.push(ok / cpuS);
      wall.push(ok / wallS);
      console.log(`  run ${r + 1}: ${ok} ${mode === "full" ? "sessions" : "handshakes"} in ${wallS.toFixed(2)} s wall, simnet CPU ${cpuS.toFixed(2)} s`);
    }
    const label = {
      handshake: "handshakes (version/verack) per simnet CPU-second, one core",
      cold: "full sessions (handshake + getaddr reply, every reply generated and encoded) per simnet CPU-second, one core",
      warm: "full sessions (handshake + getaddr reply from the warm reply cache) per simnet CPU-second, one core",
    }[kind];
    report(label, perCore, "/s", kind === "cold" ? undefined : { min: 5000 });
    report(`  same, wall clock (the client in this process caps it on a shared 2-core box)`, wall, "/s");
  } finally {
    await net.stop();
  }
}

async function startBench(withOut: boolean): Promise<void> {
  const times: number[] = [];
  const rss: number[] = [];
  for (let r = 0; r < Math.min(RUNS, 3); r++) {
    const out = withOut ? await mkdtemp(join(tmpdir(), "simnet-bench-")) : undefined;
    const t0 = performance.now();
    const net = await startSimnet({ nodes: 25_000, base: "127.100.0.0", profile: "realistic", seed: 1 + r, ...(out ? { out } : {}) });
    const seconds = (performance.now() - t0) / 1000;
    const atStart = await net.stats();
    // Steady state: wait until every process has filled its reply cache in the background.
    let steady = atStart;
    const deadline = performance.now() + 120_000;
    while (steady.prewarmed < steady.processes.length && performance.now() < deadline) {
      await new Promise((res) => setTimeout(res, 500));
      steady = await net.stats();
    }
    const mib = (s: typeof atStart) => s.processes.reduce((sum, p) => sum + p.rssBytes, 0) / 1048576;
    times.push(seconds);
    rss.push(mib(steady));
    console.log(
      `  run ${r + 1}: ${seconds.toFixed(2)} s, ${net.workers} workers, worker RSS ${mib(atStart).toFixed(0)} MiB at start, ` +
        `${mib(steady).toFixed(0)} MiB (${steady.processes.map((p) => (p.rssBytes / 1048576).toFixed(0)).join(" + ")}) with ` +
        `${(steady.cacheBytes / 1048576).toFixed(0)} MiB of replies cached${steady.prewarmed < steady.processes.length ? " (prewarm unfinished)" : ""}`,
    );
    await net.stop();
    if (out) await rm(out, { recursive: true, force: true });
  }
  if (withOut) {
    report("25,000 peers start incl. --out (ground truth + mmdbs written by the parent; no target)", times, "s");
  } else {
    report("25,000 peers start (all listening)", times, "s", { max: 10 });
    report("25,000 peers total RSS (sum over worker processes, reply caches full)", rss, "MiB", { max: 1536 });
  }
}

console.log(
  `load average at start: ${loadavg()
    .map((l) => l.toFixed(1))
    .join(" ")} on ${availableParallelism()} cores`,
);
const only = process.env.BENCH_ONLY; // "sessions" or "start" to run one part
if (only === undefined || only === "sessions") {
  await sessionsBench("handshake");
  await sessionsBench("warm");
  await sessionsBench("cold");
}
if (only === undefined || only === "start") {
  await startBench(false);
  await startBench(true);
}
