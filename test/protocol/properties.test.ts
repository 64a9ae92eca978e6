// Property-based tests (fast-check): decode(encode(x)) = x for every message; random and mutated
// bytes, in random chunkings, only ever produce ProtocolError and never unbounded buffering.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  CHAINS,
  FrameParser,
  KNOWN_COMMANDS,
  MAX_MESSAGE_BYTES,
  ProtocolError,
  canonicalAddress,
  decodePayload,
  encodeFrame,
  encodePayload,
  formatHostPort,
  parseHostPort,
  type Message,
  type PeerAddress,
} from "../../lib/bitcoin/index.ts";
import { ALL_TYPES, chunking, cutAt, message, peerAddress } from "./arbitraries.ts";
import { commandBytes, concat, rawFrame } from "./helpers.ts";

const MAGIC = CHAINS.regtest.magic;
const RUNS = Number(process.env.FC_RUNS ?? 300);

test("decode(encode(x)) deep-equals x for every message type", () => {
  fc.assert(
    fc.property(message, (msg) => {
      assert.deepEqual(decodePayload(msg.command === "unknown" ? msg.rawCommand : msg.command, encodePayload(msg)), msg);
    }),
    { numRuns: RUNS * 5 },
  );
});

test("a stream of frames in random chunks parses back to the same messages", () => {
  fc.assert(
    fc.property(
      fc.array(message, { minLength: 1, maxLength: 6 }).chain((msgs) => {
        const bytes = concat(...msgs.map((m) => encodeFrame(MAGIC, m)));
        return fc.tuple(fc.constant(msgs), fc.constant(bytes), chunking(bytes.length));
      }),
      ([msgs, bytes, cuts]) => {
        const parser = new FrameParser(MAGIC);
        const got: Message[] = [];
        for (const chunk of cutAt(bytes, cuts)) got.push(...parser.push(chunk));
        assert.deepEqual(got, msgs);
        assert.equal(parser.bufferedBytes, 0);
      },
    ),
    { numRuns: RUNS },
  );
});

/** Feeds chunks; asserts that only ProtocolError escapes and that buffering stays bounded. */
function feedExpectingOnlyProtocolErrors(chunks: readonly Uint8Array[]): void {
  const parser = new FrameParser(MAGIC);
  let pushed = 0;
  for (const chunk of chunks) {
    pushed += chunk.length;
    try {
      parser.push(chunk);
    } catch (e) {
      if (!(e instanceof ProtocolError)) throw e;
      assert.equal(parser.bufferedBytes, 0);
      assert.throws(
        () => parser.push(new Uint8Array(1)),
        (again: unknown) => again === e,
      );
      return;
    }
    assert.ok(parser.bufferedBytes <= pushed, "never more than what arrived");
    assert.ok(parser.bufferedBytes <= 24 + MAX_MESSAGE_BYTES, "at most one header and one payload");
  }
}

test("random bytes in random chunks only ever throw ProtocolError", () => {
  const withMagic = fc.uint8Array({ maxLength: 600 }).map((b) => concat(Uint8Array.of(0xfa, 0xbf, 0xb5, 0xda), b));
  fc.assert(
    fc.property(
      fc.oneof(fc.uint8Array({ maxLength: 300 }), withMagic).chain((b) => fc.tuple(fc.constant(b), chunking(b.length))),
      ([bytes, cuts]) => feedExpectingOnlyProtocolErrors(cutAt(bytes, cuts)),
    ),
    { numRuns: RUNS * 3 },
  );
});

type Mutation = { kind: "flip" | "set" | "delete" | "insert" | "truncate"; at: number; value: number };

function mutate(bytes: Uint8Array, mutations: readonly Mutation[]): Uint8Array {
  let b = Array.from(bytes);
  for (const m of mutations) {
    if (b.length === 0) break;
    const at = m.at % b.length;
    if (m.kind === "flip") b[at] = b[at]! ^ (1 << (m.value & 7));
    else if (m.kind === "set") b[at] = m.value;
    else if (m.kind === "delete") b.splice(at, 1 + (m.value & 3));
    else if (m.kind === "insert") b.splice(at, 0, m.value);
    else b = b.slice(0, at);
  }
  return Uint8Array.from(b);
}

const mutation = fc.record({
  kind: fc.constantFrom<Mutation["kind"]>("flip", "set", "delete", "insert", "truncate"),
  at: fc.nat(),
  value: fc.integer({ min: 0, max: 255 }),
});

test("mutated valid frames (header or payload, checksum fixed or not) only ever throw ProtocolError", () => {
  fc.assert(
    fc.property(
      message,
      fc.array(mutation, { minLength: 1, maxLength: 4 }),
      fc.boolean(),
      fc.boolean(),
      fc.nat(),
      (msg, muts, fixChecksum, payloadOnly, seed) => {
        const frame = encodeFrame(MAGIC, msg);
        let bytes: Uint8Array;
        if (payloadOnly || fixChecksum) {
          // mutate the payload and re-frame it with a correct length and checksum, so the payload
          // decoders (not just the checksum) see the damage
          const payload = mutate(frame.subarray(24), muts);
          bytes = rawFrame(MAGIC, frame.subarray(4, 16), payload);
        } else {
          bytes = mutate(frame, muts);
        }
        const cuts = [seed % (bytes.length + 1), bytes.length].sort((a, b) => a - b);
        feedExpectingOnlyProtocolErrors(cutAt(bytes, cuts));
        feedExpectingOnlyProtocolErrors(Array.from(bytes, (x) => Uint8Array.of(x)));
      },
    ),
    { numRuns: RUNS * 3 },
  );
});

test("every decoder on random payloads: ProtocolError or canonical, re-encodable output", () => {
  const commands = [...KNOWN_COMMANDS, "mempool"];
  fc.assert(
    fc.property(fc.constantFrom(...commands), fc.uint8Array({ maxLength: 400 }), fc.nat(255), (command, payload, first) => {
      // bias counts towards small values so addr/addrv2/inv bodies actually get decoded
      const p = payload.length > 0 && command !== "version" ? concat(Uint8Array.of(first % 8), payload.subarray(1)) : payload;
      let msg: Message;
      try {
        msg = decodePayload(command, p);
      } catch (e) {
        if (e instanceof ProtocolError) return;
        throw e;
      }
      if (msg.command === "addr" || msg.command === "addrv2") {
        for (const e of msg.entries) assert.deepEqual(canonicalAddress(e.address), { networkType: e.networkType, address: e.address });
        const again = decodePayload(msg.command, encodePayload(msg)) as { entries: readonly PeerAddress[] };
        assert.deepEqual(again.entries, msg.entries);
      } else if (msg.command === "version" && !(msg.userAgent ?? "").includes("\ufffd")) {
        assert.deepEqual(decodePayload("version", encodePayload(msg)), msg);
      }
    }),
    { numRuns: RUNS * 10 },
  );
});

test("addrv2 entries: network type is a function of the canonical text", () => {
  fc.assert(
    fc.property(peerAddress(ALL_TYPES), (p) => {
      assert.deepEqual(canonicalAddress(p.address), { networkType: p.networkType, address: p.address });
      assert.deepEqual(parseHostPort(formatHostPort(p.address, p.port), 1), { networkType: p.networkType, address: p.address, port: p.port });
    }),
    { numRuns: RUNS * 3 },
  );
});

test("a header claiming a huge payload followed by a trickle never buffers more than arrived", () => {
  fc.assert(
    fc.property(fc.integer({ min: 65_537, max: MAX_MESSAGE_BYTES }), fc.array(fc.integer({ min: 1, max: 5000 }), { maxLength: 30 }), (len, sizes) => {
      const header = rawFrame(MAGIC, commandBytes("block"), new Uint8Array(0));
      new DataView(header.buffer).setUint32(16, len, true);
      const parser = new FrameParser(MAGIC);
      parser.push(header);
      let sent = 0;
      for (const s of sizes) {
        if (sent + s >= len) break;
        parser.push(new Uint8Array(s));
        sent += s;
        assert.equal(parser.bufferedBytes, 24 + sent);
      }
    }),
    { numRuns: RUNS },
  );
});
