// Framing: magic · command (12, NUL padded) · length (u32 LE) · checksum (SHA256d[0..4]) · payload.
// FrameParser takes arbitrary chunks (down to one byte), validates each header before it holds any
// payload, never holds more than one header and one declared payload, and dies on the first error.
import { hash } from "node:crypto";
import { ProtocolError } from "./errors.ts";
import { HEADER_BYTES, MAX_MESSAGE_BYTES } from "./limits.ts";
import type { Message } from "./messages.ts";
import { decodePayload, encodePayload } from "./payload.ts";

/** First 4 bytes of SHA256(SHA256(payload)) as a big-endian u32 (wire order). */
export function checksum(payload: Uint8Array): number {
  // one-shot crypto.hash: several times cheaper than createHash for the small payloads most messages have
  const once = hash("sha256", payload, "buffer");
  return hash("sha256", once, "buffer").readUInt32BE(0);
}

function commandOf(msg: Message): string {
  return msg.command === "unknown" ? msg.rawCommand : msg.command;
}

/** Frame header + payload for `msg` on the network with `magic`. ProtocolError "bad_command" for a
 * raw command that is not ≤ 12 printable ASCII characters, "oversized" above 4,000,000 bytes. */
export function encodeFrame(magic: number, msg: Message): Uint8Array {
  const command = commandOf(msg);
  if (command.length > 12) throw new ProtocolError("bad_command", `command ${JSON.stringify(command)} longer than 12 bytes`);
  const payload = encodePayload(msg);
  if (payload.length > MAX_MESSAGE_BYTES) {
    throw new ProtocolError("oversized", `${command}: payload of ${payload.length} bytes, limit ${MAX_MESSAGE_BYTES}`);
  }
  const out = new Uint8Array(HEADER_BYTES + payload.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, magic >>> 0, false);
  for (let i = 0; i < command.length; i++) {
    const c = command.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) throw new ProtocolError("bad_command", `command ${JSON.stringify(command)} is not printable ASCII`);
    out[4 + i] = c;
  }
  view.setUint32(16, payload.length, true);
  view.setUint32(20, checksum(payload), false);
  out.set(payload, HEADER_BYTES);
  return out;
}

/** Command text of the 12 command bytes at `off`: printable ASCII, then only NULs; else bad_command. */
export function parseCommand(b: Uint8Array, off: number): string {
  let end = 12;
  for (let i = 0; i < 12; i++) {
    const c = b[off + i]!;
    if (c === 0) {
      end = i;
      break;
    }
    if (c < 0x20 || c > 0x7e) throw new ProtocolError("bad_command", `command byte 0x${c.toString(16)} is not printable ASCII`);
  }
  for (let i = end + 1; i < 12; i++) {
    if (b[off + i] !== 0) throw new ProtocolError("bad_command", "non-NUL byte after the command's NUL padding");
  }
  let s = "";
  for (let i = 0; i < end; i++) s += String.fromCharCode(b[off + i]!);
  return s;
}

const SMALL_PAYLOAD = 64 * 1024; // payloads up to this size get their exact buffer at once

/** Streaming frame decoder for one connection. */
export class FrameParser {
  private readonly magic: number;
  private readonly maxPayloadBytes: number;
  private readonly header = new Uint8Array(HEADER_BYTES);
  private headerFilled = 0;
  private command = "";
  private payloadLength = 0;
  private expectedChecksum = 0;
  private payload: Uint8Array | undefined;
  private payloadFilled = 0;
  private error: ProtocolError | undefined;

  constructor(magic: number, opts?: { maxPayloadBytes?: number }) {
    this.magic = magic >>> 0;
    this.maxPayloadBytes = Math.min(opts?.maxPayloadBytes ?? MAX_MESSAGE_BYTES, MAX_MESSAGE_BYTES);
  }

  /** Bytes received but not yet returned as messages (≤ 24 + the current frame's declared length). */
  get bufferedBytes(): number {
    return this.headerFilled + this.payloadFilled;
  }

  /** Bytes of memory this parser holds now: the header bytes and the payload buffer's capacity (which grows with the
   * bytes that arrived, doubling, so it can exceed bufferedBytes by up to 2×). What a crawl-wide budget counts. */
  get heldBytes(): number {
    return this.headerFilled + (this.payload?.length ?? 0);
  }

  /** The error that killed this parser, if any. */
  get failure(): ProtocolError | undefined {
    return this.error;
  }

  /** Feeds bytes; returns the messages this chunk completed. Throws ProtocolError, after which the
   * parser is dead (every later push throws the same error) and holds nothing. */
  push(chunk: Uint8Array): Message[] {
    if (this.error) throw this.error;
    try {
      return this.consume(chunk);
    } catch (err) {
      // Anything else would be a codec bug: rethrown as is (the fuzz tests look for exactly that).
      this.error = err instanceof ProtocolError ? err : new ProtocolError("malformed", `decoder failure: ${String(err)}`);
      this.payload = undefined;
      this.headerFilled = 0;
      this.payloadFilled = 0;
      throw err;
    }
  }

  private consume(chunk: Uint8Array): Message[] {
    const out: Message[] = [];
    let pos = 0;
    const n = chunk.length;
    while (pos < n) {
      if (this.headerFilled < HEADER_BYTES) {
        const before = this.headerFilled;
        const take = Math.min(HEADER_BYTES - before, n - pos);
        this.header.set(chunk.subarray(pos, pos + take), before);
        this.headerFilled += take;
        pos += take;
        if (before < 4 && this.headerFilled >= 4) this.checkMagic();
        if (this.headerFilled < HEADER_BYTES) break;
        this.parseHeader();
        if (this.payloadLength === 0) {
          out.push(this.finish(chunk.subarray(0, 0)));
          continue;
        }
        if (n - pos >= this.payloadLength) {
          // Whole payload in this chunk: decode in place, no copy.
          const payload = chunk.subarray(pos, pos + this.payloadLength);
          pos += this.payloadLength;
          out.push(this.finish(payload));
          continue;
        }
        if (pos === n) break;
      }
      const take = Math.min(this.payloadLength - this.payloadFilled, n - pos);
      this.append(chunk.subarray(pos, pos + take));
      pos += take;
      if (this.payloadFilled === this.payloadLength) {
        const payload = this.payload!.subarray(0, this.payloadLength);
        out.push(this.finish(payload));
      }
    }
    return out;
  }

  private checkMagic(): void {
    const got = ((this.header[0]! << 24) | (this.header[1]! << 16) | (this.header[2]! << 8) | this.header[3]!) >>> 0;
    if (got !== this.magic) {
      throw new ProtocolError("bad_magic", `magic ${got.toString(16).padStart(8, "0")}, expected ${this.magic.toString(16).padStart(8, "0")}`);
    }
  }

  private parseHeader(): void {
    const h = this.header;
    this.command = parseCommand(h, 4);
    const length = (h[16]! | (h[17]! << 8) | (h[18]! << 16) | (h[19]! << 24)) >>> 0;
    if (length > this.maxPayloadBytes) {
      throw new ProtocolError("oversized", `${this.command}: declared payload of ${length} bytes, limit ${this.maxPayloadBytes}`);
    }
    this.payloadLength = length;
    this.expectedChecksum = ((h[20]! << 24) | (h[21]! << 16) | (h[22]! << 8) | h[23]!) >>> 0;
    this.payloadFilled = 0;
  }

  private append(part: Uint8Array): void {
    const need = this.payloadFilled + part.length;
    if (!this.payload || this.payload.length < need) {
      // Grow with the bytes that actually arrived (never to the declared size up front for big
      // frames), so a header alone cannot make us allocate megabytes.
      const cap =
        this.payloadLength <= SMALL_PAYLOAD ? this.payloadLength : Math.min(this.payloadLength, Math.max(need, (this.payload?.length ?? 0) * 2, SMALL_PAYLOAD));
      const next = new Uint8Array(cap);
      if (this.payload) next.set(this.payload.subarray(0, this.payloadFilled));
      this.payload = next;
    }
    this.payload.set(part, this.payloadFilled);
    this.payloadFilled = need;
  }

  private finish(payload: Uint8Array): Message {
    if (checksum(payload) !== this.expectedChecksum) {
      throw new ProtocolError("bad_checksum", `${this.command}: payload checksum mismatch`);
    }
    const command = this.command;
    this.headerFilled = 0;
    this.payloadFilled = 0;
    this.payload = undefined;
    return decodePayload(command, payload);
  }
}
