// Byte-level pieces a simnet peer sends: constant frames encoded once per process, the version message,
// getaddr replies, and the deliberately broken frames of hostile peers (garbage, wrong magic, a header
// declaring an oversized payload, an addr message over the 1000-entry limit, a frame cut in half).
import { CHAINS, HEADER_BYTES, MAX_MESSAGE_BYTES, checksum, encodeFrame, encodePayload, type Message, type PeerAddress } from "../../lib/bitcoin/index.ts";
import type { Rng } from "../../lib/random.ts";
import type { VersionRecord } from "./versions.ts";

/** The simnet's message start: regtest's fabfb5da (documented in docs/CONTRACTS.md "Network simnet"). */
export const SIMNET_MAGIC = CHAINS.regtest.magic;
/** The simnet's default port: regtest's 18444. */
export const SIMNET_PORT = CHAINS.regtest.defaultPort;
/** The magic `wrong_magic` peers use: mainnet's, so the bytes are a valid frame of the wrong network. */
export const WRONG_MAGIC = CHAINS.mainnet.magic;
/** Payload length `oversized` peers declare (32 MiB, eight times the 4,000,000-byte limit). */
export const OVERSIZED_LENGTH = 32 * 1024 * 1024;

/** A Buffer view of encoded bytes (no copy: the frame is written to a socket as is). */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Frames that never change, encoded once per process. */
export class ConstantFrames {
  readonly verack: Buffer;
  readonly wtxidrelay: Buffer;
  readonly sendaddrv2: Buffer;
  /** What a modern Core peer sends right after the handshake: sendheaders, sendcmpct, ping, feefilter. */
  readonly afterHandshake: Buffer;
  /** The burst a `ping_flood` peer sends after the handshake. */
  readonly pingFlood: Buffer;

  constructor(magic: number, pingFloodCount: number) {
    const f = (m: Message) => Buffer.from(encodeFrame(magic, m));
    this.verack = f({ command: "verack" });
    this.wtxidrelay = f({ command: "wtxidrelay" });
    this.sendaddrv2 = f({ command: "sendaddrv2" });
    this.afterHandshake = Buffer.concat([
      f({ command: "sendheaders" }),
      f({ command: "sendcmpct", announce: false, version: 2n }),
      f({ command: "ping", nonce: 0x5157_4e45_545f_5049n }),
      f({ command: "feefilter", feeRate: 1000n }),
    ]);
    const pings: Buffer[] = [];
    for (let k = 0; k < pingFloodCount; k++) pings.push(f({ command: "ping", nonce: BigInt(k + 1) }));
    this.pingFlood = Buffer.concat(pings);
  }
}

/** The endpoint a peer saw the connection come from (the version message's receiver field). */
export interface Remote {
  readonly address: string;
  readonly port: number;
}

/** A version frame for `record`, stamped with `now` (unix seconds, already skewed). */
export function versionFrame(magic: number, record: VersionRecord, remote: Remote, now: number, nonce: bigint): Buffer {
  const msg: Message = {
    command: "version",
    version: record.protocolVersion,
    services: record.services,
    timestamp: BigInt(now),
    receiver: { services: 0n, address: remote.address, networkType: "ipv4", port: remote.port },
    sender: { services: record.services, address: "0.0.0.0", networkType: "ipv4", port: 0 },
    nonce,
    userAgent: record.userAgent,
    startHeight: record.startHeight,
    ...(record.relay === undefined ? {} : { relay: record.relay }),
  };
  return asBuffer(encodeFrame(magic, msg));
}

/** An addr (or addrv2) frame with `entries` (≤ 1000). */
export function addrFrame(magic: number, entries: readonly PeerAddress[], v2: boolean): Buffer {
  return asBuffer(encodeFrame(magic, v2 ? { command: "addrv2", entries, skipped: 0 } : { command: "addr", entries }));
}

function frameOf(magic: number, command: string, payload: Uint8Array): Buffer {
  const out = Buffer.alloc(HEADER_BYTES + payload.length);
  out.writeUInt32BE(magic >>> 0, 0);
  out.write(command, 4, "ascii");
  out.writeUInt32LE(payload.length, 16);
  out.writeUInt32BE(checksum(payload), 20);
  out.set(payload, HEADER_BYTES);
  return out;
}

/** A well-formed frame whose addr/addrv2 payload holds more than 1000 entries (the codec refuses to
 * encode that, so the entries are encoded in two legal halves and spliced under one count). */
export function floodFrame(magic: number, entries: readonly PeerAddress[], v2: boolean): Buffer {
  const half = Math.ceil(entries.length / 2);
  const body = (part: readonly PeerAddress[]): Uint8Array => {
    const p = encodePayload(v2 ? { command: "addrv2", entries: part, skipped: 0 } : { command: "addr", entries: part });
    return p.subarray(part.length < 0xfd ? 1 : 3); // strip the CompactSize count
  };
  const a = body(entries.slice(0, half));
  const b = body(entries.slice(half));
  const count = Buffer.alloc(3);
  count[0] = 0xfd;
  count.writeUInt16LE(entries.length, 1);
  return frameOf(magic, v2 ? "addrv2" : "addr", Buffer.concat([count, a, b]));
}

/** Random bytes that cannot be mistaken for a frame of `magic` (first four bytes differ from it). */
export function garbageBytes(magic: number, rng: Rng): Buffer {
  const out = Buffer.from(rng.fill(new Uint8Array(64 + rng.below(192))));
  if (out.readUInt32BE(0) === magic >>> 0) out[0] = (out[0]! ^ 0xff) & 0xff;
  return out;
}

/** A frame header (with a correct magic and command) declaring a payload far above the 4 MB limit,
 * followed by a few bytes of the promised payload. */
export function oversizedHeader(magic: number): Buffer {
  const out = Buffer.alloc(HEADER_BYTES + 16);
  out.writeUInt32BE(magic >>> 0, 0);
  out.write("version", 4, "ascii");
  out.writeUInt32LE(OVERSIZED_LENGTH, 16);
  out.writeUInt32BE(0xdeadbeef, 20);
  if (OVERSIZED_LENGTH <= MAX_MESSAGE_BYTES) throw new Error("oversized length must exceed the limit");
  return out;
}

/** Payload length a `frame_stall` peer declares: the largest a peer may send (4,000,000 bytes). */
export const STALL_LENGTH = MAX_MESSAGE_BYTES;

const stallFrames = new Map<number, Buffer>();

/** What a `frame_stall` peer sends: a `block` header declaring STALL_LENGTH bytes and all of that payload but its
 * last byte, so the receiver holds ~4 MB of a frame that never completes. Built once per process and shared by
 * every connection (the socket writes reference it, never copy it). */
export function stallFrame(magic: number): Buffer {
  let frame = stallFrames.get(magic);
  if (frame === undefined) {
    frame = Buffer.alloc(HEADER_BYTES + STALL_LENGTH - 1);
    frame.writeUInt32BE(magic >>> 0, 0);
    frame.write("block", 4, "ascii");
    frame.writeUInt32LE(STALL_LENGTH, 16);
    frame.writeUInt32BE(0x5741_4c4c, 20); // never checked: the payload never completes
    stallFrames.set(magic, frame);
  }
  return frame;
}

/** The first part of `frame`: its header and half of its payload (what `close_mid_message` sends). */
export function cutFrame(frame: Buffer): Buffer {
  const payload = frame.length - HEADER_BYTES;
  return frame.subarray(0, HEADER_BYTES + Math.max(1, Math.floor(payload / 2)));
}
