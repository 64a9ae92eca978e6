// Wire codec throughput: decoding 1000-entry addr and addrv2 messages (payload decoder alone, and the
// full FrameParser path with SHA256d checksum), version encode/decode. Target (issue 2): ≥ 100 MB/s
// addr decoding on one core. Medians of several runs via bench/harness.ts.
import { report, timeRuns } from "./harness.ts";
import { availableParallelism, loadavg } from "node:os";
import {
  CHAINS,
  FrameParser,
  addressFromBytes,
  decodePayload,
  encodeFrame,
  encodePayload,
  type Message,
  type PeerAddress,
  type VersionMessage,
} from "../lib/bitcoin/index.ts";

const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const MAGIC = CHAINS.mainnet.magic;
const TARGET_MBPS = 100;

// Deterministic pseudo-random numbers (xorshift32), so every run decodes the same bytes.
let state = 0x9e3779b9;
function rand(): number {
  state ^= state << 13;
  state ^= state >>> 17;
  state ^= state << 5;
  return (state >>> 0) / 0x100000000;
}
const randBytes = (n: number) => Uint8Array.from({ length: n }, () => Math.floor(rand() * 256));
const SERVICES = [0x409n, 0x40dn, 0xc09n, 0x1n, 0x0n, 0x809n, 0x449n];

function entry(networkType: PeerAddress["networkType"]): PeerAddress {
  let address: string;
  switch (networkType) {
    case "ipv4":
      address = addressFromBytes("ipv4", randBytes(4));
      break;
    case "ipv6":
      address = addressFromBytes("ipv6", Uint8Array.of(0x20, 0x01, ...randBytes(14)));
      break;
    case "cjdns":
      address = addressFromBytes("cjdns", Uint8Array.of(0xfc, ...randBytes(15)));
      break;
    default:
      address = addressFromBytes(networkType, randBytes(networkType === "onion_v2" ? 10 : 32));
  }
  const services = SERVICES[Math.floor(rand() * SERVICES.length)]!;
  return { networkType, address, port: rand() < 0.9 ? 8333 : Math.floor(rand() * 65536), services, time: 1_767_000_000 + Math.floor(rand() * 86_400 * 10) };
}

function pick(weights: [PeerAddress["networkType"], number][]): PeerAddress["networkType"] {
  let r = rand();
  for (const [t, w] of weights) if ((r -= w) < 0) return t;
  return weights[0]![0];
}

// addr as mainnet peers send it: mostly IPv4, a fifth IPv6.
const addrMsg: Message = {
  command: "addr",
  entries: Array.from({ length: 1000 }, () =>
    entry(
      pick([
        ["ipv4", 0.8],
        ["ipv6", 0.2],
      ]),
    ),
  ),
};
// addrv2 with every network: IPv4, IPv6, TorV3, I2P, CJDNS.
const addrv2Msg: Message = {
  command: "addrv2",
  skipped: 0,
  entries: Array.from({ length: 1000 }, () =>
    entry(
      pick([
        ["ipv4", 0.5],
        ["ipv6", 0.2],
        ["onion_v3", 0.2],
        ["i2p", 0.05],
        ["cjdns", 0.05],
      ]),
    ),
  ),
};
const addrIPv4Msg: Message = { command: "addr", entries: Array.from({ length: 1000 }, () => entry("ipv4")) };

const versionMsg: VersionMessage = {
  command: "version",
  version: 70016,
  services: 0xc09n,
  timestamp: 1_767_225_600n,
  receiver: { services: 0n, address: "203.0.113.7", networkType: "ipv4", port: 8333 },
  sender: { services: 0xc09n, address: "::", networkType: "ipv6", port: 0 },
  nonce: 0x1234567890abcdefn,
  userAgent: "/Satoshi:27.0.0/",
  startHeight: 925_000,
  relay: true,
};

let sink = 0; // keeps results alive so the JIT cannot drop the work

/** Runs `fn` RUNS times after one warm-up; wall-clock and CPU (user + system) seconds of each run.
 * CPU time is what "one core" means when other processes share the machine. */
function timeWallAndCpu(fn: () => void): { wall: number[]; cpu: number[] } {
  fn();
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    (globalThis as { gc?: () => void }).gc?.();
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    fn();
    wall.push(Number(process.hrtime.bigint() - t0) / 1e9);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1e6);
  }
  return { wall, cpu };
}

function decodeBench(name: string, msg: Message, iterations: number, target: boolean): void {
  const payload = encodePayload(msg);
  const frame = encodeFrame(MAGIC, msg);
  const goal = target ? { min: TARGET_MBPS } : undefined;
  const mbps = (secs: number[], bytes: number) => secs.map((s) => (iterations * bytes) / s / 1e6);
  const dec = timeWallAndCpu(() => {
    for (let i = 0; i < iterations; i++) sink += (decodePayload(msg.command, payload) as { entries: readonly PeerAddress[] }).entries.length;
  });
  report(
    `${name} decodePayload`,
    dec.wall.map((s) => iterations / s),
    "messages/s",
  );
  report(`${name} decodePayload, wall clock`, mbps(dec.wall, payload.length), "MB/s", goal);
  report(`${name} decodePayload, per CPU second`, mbps(dec.cpu, payload.length), "MB/s", goal);
  const parser = new FrameParser(MAGIC);
  const fr = timeWallAndCpu(() => {
    for (let i = 0; i < iterations; i++) sink += parser.push(frame).length;
  });
  report(`${name} FrameParser (SHA256d checksum + decode), wall clock`, mbps(fr.wall, frame.length), "MB/s", goal);
  report(`${name} FrameParser (SHA256d checksum + decode), per CPU second`, mbps(fr.cpu, frame.length), "MB/s", goal);
}

async function main(): Promise<void> {
  console.log(`codec bench: ${RUNS} runs each, node ${process.version}`);
  console.log(`addr payload ${encodePayload(addrMsg).length} bytes, addrv2 payload ${encodePayload(addrv2Msg).length} bytes`);
  console.log(`load average ${loadavg()[0]!.toFixed(2)} on ${availableParallelism()} cores (other processes share them: see the per-CPU-second lines)`);
  decodeBench("addr 1000 entries (80% IPv4, 20% IPv6)", addrMsg, 2000, true);
  decodeBench("addr 1000 entries (all IPv4)", addrIPv4Msg, 2000, true);
  decodeBench("addrv2 1000 entries (IPv4, IPv6, TorV3, I2P, CJDNS)", addrv2Msg, 300, false);

  const versionPayload = encodePayload(versionMsg);
  const n = 200_000;
  const enc = await timeRuns(() => {
    for (let i = 0; i < n; i++) sink += encodePayload(versionMsg).length;
  }, RUNS);
  report(
    "version encodePayload",
    enc.map((s) => n / s),
    "messages/s",
  );
  const dec = await timeRuns(() => {
    for (let i = 0; i < n; i++) sink += (decodePayload("version", versionPayload) as VersionMessage).version;
  }, RUNS);
  report(
    "version decodePayload",
    dec.map((s) => n / s),
    "messages/s",
  );
  if (sink === 42) console.log("");
}

await main();
