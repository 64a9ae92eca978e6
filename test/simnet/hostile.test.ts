// Each hostile behaviour observed on the wire with a hand-rolled client: silent, full, garbage, wrong
// magic, oversized length header, ping flood, addr flood, closes mid-message, slow.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { CHAINS, FrameParser, HEADER_BYTES, type PeerAddress } from "../../lib/bitcoin/index.ts";
import type { Behaviour } from "../../tools/simnet/behaviours.ts";
import { OVERSIZED_LENGTH } from "../../tools/simnet/frames.ts";
import { groundTruthPeer } from "../../tools/simnet/ground-truth.ts";
import { SimnetModel } from "../../tools/simnet/model.ts";
import { resolveConfig } from "../../tools/simnet/options.ts";
import { SIMNET_MAGIC } from "../../tools/simnet/index.ts";
import { type TestClient, clientVersion, handshake, parseBytewise } from "./client.ts";
import { dialPeer, findPeer, hostPeers } from "./helpers.ts";

const SLOW_MS = 400;
const PINGS = 300;
const model = new SimnetModel(
  resolveConfig({ nodes: 600, seed: 5, base: "127.63.0.0", profile: "hostile", replyDelayMs: 0, slowMs: SLOW_MS, pingFlood: PINGS, epoch: 1_717_200_000 }),
);
const peerOf = (b: Behaviour) => findPeer(model, (i) => model.behaviour(i) === b && model.version(i).protocolVersion === 70016);
const peers = {
  silent: peerOf("silent"),
  full: peerOf("full"),
  garbage: peerOf("garbage"),
  wrong_magic: peerOf("wrong_magic"),
  oversized: peerOf("oversized"),
  ping_flood: peerOf("ping_flood"),
  addr_flood: peerOf("addr_flood"),
  close_mid_message: peerOf("close_mid_message"),
  slow: peerOf("slow"),
};
const tuple = (e: PeerAddress) => [e.networkType, e.address, e.port, e.services.toString(), e.time];
let served: { close(): Promise<void> };

before(async () => {
  served = await hostPeers(model, Object.values(peers));
});
after(async () => {
  await served.close();
});

/** Whether `bytes` are whole frames, end to end (whatever their magic): a peer's last write has fully arrived. */
function wholeFrames(bytes: Buffer): boolean {
  let at = 0;
  while (at + HEADER_BYTES <= bytes.length) at += HEADER_BYTES + bytes.readUInt32LE(at + 16);
  return at === bytes.length && at > 0;
}

test("silent: accepts the connection and never sends a byte", async () => {
  const c = await dialPeer(model, peers.silent);
  try {
    c.send(clientVersion());
    await c.idle(300);
    assert.equal(c.transcript.rawBytes, 0);
    assert.equal(c.transcript.ending, "open");
  } finally {
    c.close();
  }
});

test("full: accepts, then drops the connection with a reset", async () => {
  let c: TestClient;
  try {
    c = await dialPeer(model, peers.full);
  } catch (err) {
    // On loopback the reset often lands before connect() returns: the dialler sees ECONNRESET at once.
    assert.equal((err as NodeJS.ErrnoException).code, "ECONNRESET");
    return;
  }
  try {
    c.send(clientVersion());
    await c.until((t) => t.ending !== "open");
    assert.equal(c.transcript.ending, "reset");
    assert.equal(c.transcript.rawBytes, 0);
  } finally {
    c.close();
  }
});

test("garbage: answers the version with random bytes that are no frame of this network", async () => {
  const c = await dialPeer(model, peers.garbage);
  try {
    c.send(clientVersion());
    await c.until((t) => t.ending !== "open");
    assert.equal(c.transcript.protocolError, "bad_magic");
    await c.idle(50);
    assert.ok(c.transcript.rawBytes >= 64 && c.transcript.rawBytes < 256, `${c.transcript.rawBytes} bytes`);
  } finally {
    c.close();
  }
});

test("wrong_magic: a well-formed version frame of mainnet", async () => {
  const c = await dialPeer(model, peers.wrong_magic);
  try {
    c.send(clientVersion());
    await c.until((t) => t.ending !== "open");
    assert.equal(c.transcript.protocolError, "bad_magic");
    await c.until((t) => wholeFrames(Buffer.concat(t.chunks))); // the rest of the frame (one write) has arrived
    const bytes = Buffer.concat(c.transcript.chunks);
    assert.equal(bytes.readUInt32BE(0), CHAINS.mainnet.magic);
    const [version] = new FrameParser(CHAINS.mainnet.magic).push(bytes);
    assert.equal(version?.command, "version");
    if (version?.command === "version") assert.equal(version.userAgent, model.version(peers.wrong_magic).userAgent);
  } finally {
    c.close();
  }
});

test("oversized: a header with the right magic declaring a 32 MiB payload", async () => {
  const c = await dialPeer(model, peers.oversized);
  try {
    c.send(clientVersion());
    await c.until((t) => t.ending !== "open");
    assert.equal(c.transcript.protocolError, "oversized");
    const bytes = Buffer.concat(c.transcript.chunks);
    assert.equal(bytes.readUInt32BE(0), CHAINS.regtest.magic);
    assert.equal(bytes.readUInt32LE(16), OVERSIZED_LENGTH);
    assert.ok(OVERSIZED_LENGTH > 4_000_000);
  } finally {
    c.close();
  }
});

test("ping_flood: hundreds of pings after the handshake, then the ground-truth reply", async () => {
  const truth = groundTruthPeer(model, peers.ping_flood);
  const c = await dialPeer(model, peers.ping_flood);
  try {
    await handshake(c, { addrv2: true });
    c.send({ command: "getaddr" });
    await c.until((t) => t.messages.filter((m) => m.command === "addrv2").length >= 2);
    assert.equal(c.of("ping").length, PINGS + 1); // the flood plus Core's own post-handshake ping
    assert.deepEqual(c.of("addrv2")[1]!.entries.map(tuple), truth.advertises);
  } finally {
    c.close();
  }
});

test("addr_flood: after the self-announcement, one addr message with more than 1000 entries", async () => {
  const truth = groundTruthPeer(model, peers.addr_flood);
  const c = await dialPeer(model, peers.addr_flood);
  try {
    await handshake(c);
    c.send({ command: "getaddr" });
    await c.until((t) => t.ending !== "open");
    assert.equal(c.transcript.protocolError, "too_many_entries");
    await c.until((t) => wholeFrames(Buffer.concat(t.chunks))); // the self-announcement and the whole flood frame
    const bytes = Buffer.concat(c.transcript.chunks);
    const parsed = parseBytewise(SIMNET_MAGIC, bytes);
    assert.equal(parsed.error, "too_many_entries");
    const addrs = parsed.messages.filter((m) => m.command === "addr");
    assert.equal(addrs.length, 1, "the self-announcement parsed fine");
    assert.equal(addrs[0]?.command === "addr" && addrs[0].entries[0]?.address, model.address(peers.addr_flood));
    // Find the flood frame's header and read its CompactSize count.
    const at = bytes.lastIndexOf(Buffer.from("addr\0\0\0\0\0\0\0\0", "latin1")) - 4;
    const length = bytes.readUInt32LE(at + 16);
    assert.equal(bytes.length, at + HEADER_BYTES + length, "the flood frame arrived whole");
    assert.equal(bytes[at + HEADER_BYTES], 0xfd);
    const count = bytes.readUInt16LE(at + HEADER_BYTES + 1);
    assert.equal(count, truth.flood_entries);
    assert.ok(count > 1000);
    assert.equal(length, 3 + count * 30);
  } finally {
    c.close();
  }
});

test("close_mid_message: self-announcement, half a reply frame, then FIN", async () => {
  const c = await dialPeer(model, peers.close_mid_message);
  try {
    await handshake(c, { addrv2: true });
    c.send({ command: "getaddr" });
    await c.until((t) => t.ending !== "open");
    assert.equal(c.transcript.ending, "fin");
    assert.equal(c.of("addrv2").length, 1, "only the self-announcement is complete");
    assert.ok(c.buffered() > HEADER_BYTES, `a partial frame is left over (${c.buffered()} bytes)`);
  } finally {
    c.close();
  }
});

test("slow: the self-announcement at once, the ground-truth reply only after --slow-ms", async () => {
  const truth = groundTruthPeer(model, peers.slow);
  assert.equal(truth.replies, true);
  const c = await dialPeer(model, peers.slow);
  try {
    await handshake(c, { addrv2: true });
    const t0 = performance.now();
    c.send({ command: "getaddr" });
    await c.until((t) => t.messages.filter((m) => m.command === "addrv2").length >= 1);
    assert.equal(c.of("addrv2")[0]!.entries.length, 1);
    await c.until((t) => t.messages.filter((m) => m.command === "addrv2").length >= 2, SLOW_MS + 5000);
    assert.ok(performance.now() - t0 >= SLOW_MS - 20, "the reply waited for the slow delay");
    assert.deepEqual(c.of("addrv2")[1]!.entries.map(tuple), truth.advertises);
  } finally {
    c.close();
  }
});
