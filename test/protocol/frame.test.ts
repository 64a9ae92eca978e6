// Framing: streaming in any chunking (down to one byte), magic, size limit before allocation,
// checksum, command names, and a parser that stays dead after its first error.
import { test } from "node:test";
import assert from "node:assert/strict";
import { CHAINS, FrameParser, MAX_MESSAGE_BYTES, ProtocolError, encodeFrame, type Message, type ProtocolErrorCode } from "../../lib/bitcoin/index.ts";
import { commandBytes, concat, hex, rawFrame } from "./helpers.ts";

const MAGIC = CHAINS.mainnet.magic;

function isCode(code: ProtocolErrorCode): (e: unknown) => boolean {
  return (e: unknown) => e instanceof ProtocolError && e.code === code;
}

const entries = Array.from({ length: 1000 }, (_, i) => ({
  networkType: "ipv4" as const,
  address: `10.${i >> 8}.${i & 255}.1`,
  port: 8333,
  services: 0x409n,
  time: 1_700_000_000 + i,
}));

const STREAM: Message[] = [
  { command: "verack" },
  { command: "ping", nonce: 42n },
  { command: "addr", entries },
  { command: "unknown", rawCommand: "mempool", payload: new Uint8Array(0) },
  { command: "unknown", rawCommand: "x", payload: hex("00ff") },
  { command: "sendaddrv2" },
];
const BYTES = concat(...STREAM.map((m) => encodeFrame(MAGIC, m)));

test("one byte at a time yields every message, in order, exactly when its last byte arrives", () => {
  const parser = new FrameParser(MAGIC);
  const got: Message[] = [];
  let maxBuffered = 0;
  for (let i = 0; i < BYTES.length; i++) {
    const out = parser.push(BYTES.subarray(i, i + 1));
    got.push(...out);
    maxBuffered = Math.max(maxBuffered, parser.bufferedBytes);
  }
  assert.deepEqual(got, STREAM);
  assert.equal(parser.bufferedBytes, 0);
  assert.ok(maxBuffered <= 24 + 30_003, `buffered at most one header + one payload (${maxBuffered})`);
});

test("all at once, and in chunks of every size from 2 to 64", () => {
  assert.deepEqual(new FrameParser(MAGIC).push(BYTES), STREAM);
  for (let size = 2; size <= 64; size++) {
    const parser = new FrameParser(MAGIC);
    const got: Message[] = [];
    for (let i = 0; i < BYTES.length; i += size) got.push(...parser.push(BYTES.subarray(i, i + size)));
    assert.deepEqual(got, STREAM, `chunk size ${size}`);
  }
});

test("wrong magic is bad_magic as soon as 4 bytes are in", () => {
  const parser = new FrameParser(CHAINS.testnet.magic);
  const frame = encodeFrame(MAGIC, { command: "verack" });
  assert.deepEqual(parser.push(frame.subarray(0, 3)), []);
  assert.throws(() => parser.push(frame.subarray(3, 4)), isCode("bad_magic"));
});

test("oversized length is rejected from the header alone, before any payload is held", () => {
  const header = rawFrame(MAGIC, commandBytes("addr"), new Uint8Array(0));
  new DataView(header.buffer).setUint32(16, MAX_MESSAGE_BYTES + 1, true);
  const parser = new FrameParser(MAGIC);
  for (let i = 0; i < 23; i++) {
    parser.push(header.subarray(i, i + 1));
    assert.ok(parser.bufferedBytes <= 24);
  }
  assert.throws(() => parser.push(header.subarray(23, 24)), isCode("oversized"));
  assert.equal(parser.bufferedBytes, 0);
  // exactly the limit is fine as a header; 0xffffffff is not
  const atLimit = new FrameParser(MAGIC);
  new DataView(header.buffer).setUint32(16, MAX_MESSAGE_BYTES, true);
  assert.deepEqual(atLimit.push(header), []);
  assert.equal(atLimit.bufferedBytes, 24);
  new DataView(header.buffer).setUint32(16, 0xffffffff, true);
  assert.throws(() => new FrameParser(MAGIC).push(header), isCode("oversized"));
});

test("a header declaring a large payload holds only the bytes that actually arrived", () => {
  const header = rawFrame(MAGIC, commandBytes("block"), new Uint8Array(0));
  new DataView(header.buffer).setUint32(16, MAX_MESSAGE_BYTES, true);
  const parser = new FrameParser(MAGIC);
  parser.push(header);
  parser.push(new Uint8Array(1000));
  assert.equal(parser.bufferedBytes, 1024);
});

test("maxPayloadBytes lowers the limit", () => {
  const frame = encodeFrame(MAGIC, { command: "ping", nonce: 1n });
  assert.throws(() => new FrameParser(MAGIC, { maxPayloadBytes: 7 }).push(frame), isCode("oversized"));
  assert.equal(new FrameParser(MAGIC, { maxPayloadBytes: 8 }).push(frame).length, 1);
});

test("a flipped payload bit is bad_checksum", () => {
  const frame = encodeFrame(MAGIC, { command: "ping", nonce: 1n });
  frame[frame.length - 1]! ^= 1;
  assert.throws(() => new FrameParser(MAGIC).push(frame), isCode("bad_checksum"));
  const header = encodeFrame(MAGIC, { command: "verack" });
  header[20]! ^= 0x80;
  assert.throws(() => new FrameParser(MAGIC).push(header), isCode("bad_checksum"));
});

test("command names: printable ASCII then NUL padding, else bad_command", () => {
  const payload = new Uint8Array(0);
  const bad = [
    Uint8Array.of(0x76, 0, 0x61, 0, 0, 0, 0, 0, 0, 0, 0, 0), // non-NUL after NUL
    Uint8Array.of(0x76, 0x65, 0x72, 0x0a, 0, 0, 0, 0, 0, 0, 0, 0), // control character
    Uint8Array.of(0x76, 0xe9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), // not ASCII
    Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1),
  ];
  for (const cmd of bad) assert.throws(() => new FrameParser(MAGIC).push(rawFrame(MAGIC, cmd, payload)), isCode("bad_command"));
  const twelve = rawFrame(MAGIC, commandBytes("abcdefghijkl"), hex("01"));
  assert.deepEqual(new FrameParser(MAGIC).push(twelve), [{ command: "unknown", rawCommand: "abcdefghijkl", payload: hex("01") }]);
  assert.throws(() => encodeFrame(MAGIC, { command: "unknown", rawCommand: "abcdefghijklm", payload }), isCode("bad_command"));
  assert.throws(() => encodeFrame(MAGIC, { command: "unknown", rawCommand: "a\nb", payload }), isCode("bad_command"));
});

test("after an error the parser is dead: later pushes rethrow the same error and hold nothing", () => {
  const parser = new FrameParser(MAGIC);
  const good = encodeFrame(MAGIC, { command: "verack" });
  assert.equal(parser.push(good).length, 1);
  const bad = encodeFrame(MAGIC, { command: "ping", nonce: 7n });
  bad[30]! ^= 1;
  let first: unknown;
  try {
    parser.push(concat(good.subarray(0, 10), good.subarray(10), bad));
  } catch (e) {
    first = e;
  }
  assert.ok(first instanceof ProtocolError && first.code === "bad_checksum");
  assert.equal(parser.failure, first);
  assert.equal(parser.bufferedBytes, 0);
  assert.throws(
    () => parser.push(good),
    (e: unknown) => e === first,
  );
});

test("a payload decoder error kills the parser with the decoder's code", () => {
  const frame = rawFrame(MAGIC, commandBytes("addr"), hex("fde903"));
  assert.throws(() => new FrameParser(MAGIC).push(frame), isCode("too_many_entries"));
});

test("encodeFrame writes the 24-byte header: magic, NUL-padded command, length, SHA256d checksum", () => {
  // verack on mainnet: checksum of the empty payload is 5df6e0e2 (Bitcoin wiki)
  assert.equal(Buffer.from(encodeFrame(MAGIC, { command: "verack" })).toString("hex"), "f9beb4d976657261636b000000000000000000005df6e0e2");
  assert.equal(
    Buffer.from(encodeFrame(CHAINS.testnet4.magic, { command: "getaddr" }))
      .toString("hex")
      .slice(0, 8),
    "1c163f28",
  );
});

test("Node Buffer chunks (as sockets deliver them): retained bytes are plain Uint8Array copies", () => {
  const frames = Buffer.concat([
    encodeFrame(MAGIC, { command: "unknown", rawCommand: "mempool", payload: hex("0102") }),
    encodeFrame(MAGIC, { command: "inv", items: [{ type: 1, hash: new Uint8Array(32).fill(5) }] }),
  ]);
  const [unknown, inv] = new FrameParser(MAGIC).push(frames) as [Extract<Message, { command: "unknown" }>, Extract<Message, { command: "inv" }>];
  assert.equal(Object.getPrototypeOf(unknown.payload), Uint8Array.prototype);
  assert.equal(Object.getPrototypeOf(inv.items[0]!.hash), Uint8Array.prototype);
  frames.fill(0);
  assert.deepEqual(unknown.payload, hex("0102"));
  assert.deepEqual(inv.items[0]!.hash, new Uint8Array(32).fill(5));
});
