// The version message. Decoding is tolerant of old peers: every field after the receiver address is
// optional and absent when the payload ends before it; a field that is only partly present is an error.
import { classifyIPv6Bytes, legacyAddressBytes } from "./address.ts";
import { Reader, Writer } from "./bytes.ts";
import { ProtocolError } from "./errors.ts";
import { MAX_USER_AGENT_BYTES } from "./limits.ts";
import type { VersionAddress, VersionMessage } from "./messages.ts";

const utf8 = new TextDecoder("utf-8", { fatal: false });
const utf8Encoder = new TextEncoder();

/**
 * The decoded user agent within MAX_USER_AGENT_BYTES of UTF-8: each invalid byte decodes to U+FFFD (3 bytes), so
 * 256 received bytes could otherwise become a 768-byte string. Whole code points are kept, the rest is cut.
 */
function boundedUserAgent(text: string): string {
  if (text.length * 3 <= MAX_USER_AGENT_BYTES) return text;
  let bytes = 0;
  let end = 0;
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    const size = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    if (bytes + size > MAX_USER_AGENT_BYTES) break;
    bytes += size;
    end += ch.length;
  }
  return text.slice(0, end);
}

function readVersionAddress(r: Reader, what: string): VersionAddress {
  r.need(26, what);
  const services = r.u64le(what);
  const c = classifyIPv6Bytes(r.buf, r.pos);
  r.pos += 16;
  const port = r.u16be(what);
  return { services, address: c.address, networkType: c.networkType, port };
}

function writeVersionAddress(w: Writer, a: VersionAddress): void {
  w.u64le(a.services);
  w.bytes(legacyAddressBytes(a.networkType, a.address));
  w.u16be(a.port);
}

type MutableVersion = { -readonly [K in keyof VersionMessage]: VersionMessage[K] };

/** Decodes a version payload (see the file comment for which fields may be missing). */
export function decodeVersion(payload: Uint8Array): VersionMessage {
  const r = new Reader(payload);
  const version = r.i32le("version.version");
  const services = r.u64le("version.services");
  const timestamp = r.i64le("version.timestamp");
  const receiver = readVersionAddress(r, "version.receiver");
  const msg: MutableVersion = { command: "version", version, services, timestamp, receiver };
  if (r.remaining === 0) return msg;
  msg.sender = readVersionAddress(r, "version.sender");
  if (r.remaining === 0) return msg;
  msg.nonce = r.u64le("version.nonce");
  if (r.remaining === 0) return msg;
  const len = r.compactSize("version.user_agent");
  if (len > MAX_USER_AGENT_BYTES) {
    throw new ProtocolError("malformed", `version.user_agent: ${len} bytes, limit ${MAX_USER_AGENT_BYTES}`);
  }
  const raw = r.bytes(len, "version.user_agent");
  msg.userAgentBytes = Uint8Array.from(raw); // a copy: the frame buffer it points into is reused
  msg.userAgent = boundedUserAgent(utf8.decode(raw));
  if (r.remaining === 0) return msg;
  msg.startHeight = r.i32le("version.start_height");
  if (r.remaining === 0) return msg;
  msg.relay = r.u8("version.relay") !== 0;
  return msg;
}

const OPTIONAL_ORDER = ["sender", "nonce", "userAgent", "startHeight", "relay"] as const;

/** Encodes a version payload; optional fields are written in order up to the first absent one (a
 * later field given after an absent one cannot be expressed: ProtocolError "malformed"). */
export function encodeVersion(msg: VersionMessage): Uint8Array {
  const w = new Writer(128);
  w.i32le(msg.version);
  w.u64le(msg.services);
  w.i64le(msg.timestamp);
  writeVersionAddress(w, msg.receiver);
  let stopped: string | undefined;
  for (const field of OPTIONAL_ORDER) {
    if (msg[field] === undefined && !(field === "userAgent" && msg.userAgentBytes !== undefined)) {
      stopped ??= field;
      continue;
    }
    if (stopped !== undefined) {
      throw new ProtocolError("malformed", `version.${field} given but earlier field ${stopped} is absent`);
    }
    switch (field) {
      case "sender":
        writeVersionAddress(w, msg.sender!);
        break;
      case "nonce":
        w.u64le(msg.nonce!);
        break;
      case "userAgent": {
        const ua = msg.userAgentBytes ?? utf8Encoder.encode(msg.userAgent!);
        if (ua.length > MAX_USER_AGENT_BYTES) {
          throw new ProtocolError("malformed", `version.user_agent: ${ua.length} bytes, limit ${MAX_USER_AGENT_BYTES}`);
        }
        w.compactSize(ua.length);
        w.bytes(ua);
        break;
      }
      case "startHeight":
        w.i32le(msg.startHeight!);
        break;
      case "relay":
        w.u8(msg.relay ? 1 : 0);
        break;
    }
  }
  return w.finish();
}
