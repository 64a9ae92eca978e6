// Bounds-checked little-endian reader and growable writer for payloads, with canonical CompactSize.
import { ProtocolError } from "./errors.ts";
import { MAX_COMPACT_SIZE } from "./limits.ts";

/** A cursor over one payload; every read past the end throws ProtocolError("truncated_payload"). */
export class Reader {
  readonly buf: Uint8Array;
  readonly view: DataView;
  pos: number;
  readonly end: number;
  constructor(buf: Uint8Array) {
    this.buf = buf;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    this.pos = 0;
    this.end = buf.byteLength;
  }

  /** Bytes not yet read. */
  get remaining(): number {
    return this.end - this.pos;
  }

  /** Throws truncated_payload unless `n` more bytes are available. */
  need(n: number, what: string): void {
    if (this.end - this.pos < n) {
      throw new ProtocolError("truncated_payload", `${what}: need ${n} bytes, ${this.end - this.pos} left`);
    }
  }

  u8(what: string): number {
    this.need(1, what);
    return this.buf[this.pos++]!;
  }

  u16be(what: string): number {
    this.need(2, what);
    const v = this.view.getUint16(this.pos, false);
    this.pos += 2;
    return v;
  }

  u32le(what: string): number {
    this.need(4, what);
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }

  i32le(what: string): number {
    this.need(4, what);
    const v = this.view.getInt32(this.pos, true);
    this.pos += 4;
    return v;
  }

  u64le(what: string): bigint {
    this.need(8, what);
    const v = this.view.getBigUint64(this.pos, true);
    this.pos += 8;
    return v;
  }

  i64le(what: string): bigint {
    this.need(8, what);
    const v = this.view.getBigInt64(this.pos, true);
    this.pos += 8;
    return v;
  }

  /** A view (not a copy) of the next `n` bytes. */
  bytes(n: number, what: string): Uint8Array {
    this.need(n, what);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** A CompactSize as bigint (full 64-bit range); non-canonical encodings are malformed. */
  compactSizeBig(what: string): bigint {
    const first = this.u8(what);
    if (first < 0xfd) return BigInt(first);
    if (first === 0xfd) {
      const v = this.u16le(what);
      if (v < 0xfd) throw nonCanonical(what);
      return BigInt(v);
    }
    if (first === 0xfe) {
      const v = this.u32le(what);
      if (v < 0x10000) throw nonCanonical(what);
      return BigInt(v);
    }
    const v = this.u64le(what);
    if (v < 0x100000000n) throw nonCanonical(what);
    return v;
  }

  /** A CompactSize used as a count or length: canonical and at most MAX_SIZE (0x02000000), else malformed. */
  compactSize(what: string): number {
    const first = this.u8(what);
    let v: number;
    if (first < 0xfd) return first;
    if (first === 0xfd) {
      v = this.u16le(what);
      if (v < 0xfd) throw nonCanonical(what);
    } else if (first === 0xfe) {
      v = this.u32le(what);
      if (v < 0x10000) throw nonCanonical(what);
    } else {
      const big = this.u64le(what);
      if (big < 0x100000000n) throw nonCanonical(what);
      throw new ProtocolError("malformed", `${what}: size ${big} above ${MAX_COMPACT_SIZE}`);
    }
    if (v > MAX_COMPACT_SIZE) throw new ProtocolError("malformed", `${what}: size ${v} above ${MAX_COMPACT_SIZE}`);
    return v;
  }

  private u16le(what: string): number {
    this.need(2, what);
    const v = this.view.getUint16(this.pos, true);
    this.pos += 2;
    return v;
  }
}

function nonCanonical(what: string): ProtocolError {
  return new ProtocolError("malformed", `${what}: non-canonical CompactSize`);
}

/** Bytes a CompactSize encoding of `n` takes. */
export function compactSizeLength(n: number | bigint): number {
  const v = BigInt(n);
  if (v < 0xfdn) return 1;
  if (v <= 0xffffn) return 3;
  if (v <= 0xffffffffn) return 5;
  return 9;
}

/** An append-only byte buffer for encoding; grows by doubling. */
export class Writer {
  private buf: Uint8Array;
  private view: DataView;
  private len = 0;
  constructor(initial = 256) {
    this.buf = new Uint8Array(initial);
    this.view = new DataView(this.buf.buffer);
  }

  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u8(v: number): void {
    this.ensure(1);
    this.buf[this.len++] = v & 0xff;
  }

  u16be(v: number): void {
    this.ensure(2);
    this.view.setUint16(this.len, v, false);
    this.len += 2;
  }

  u16le(v: number): void {
    this.ensure(2);
    this.view.setUint16(this.len, v, true);
    this.len += 2;
  }

  u32le(v: number): void {
    this.ensure(4);
    this.view.setUint32(this.len, v >>> 0, true);
    this.len += 4;
  }

  i32le(v: number): void {
    this.ensure(4);
    this.view.setInt32(this.len, v | 0, true);
    this.len += 4;
  }

  u64le(v: bigint): void {
    this.ensure(8);
    this.view.setBigUint64(this.len, BigInt.asUintN(64, v), true);
    this.len += 8;
  }

  i64le(v: bigint): void {
    this.ensure(8);
    this.view.setBigInt64(this.len, BigInt.asIntN(64, v), true);
    this.len += 8;
  }

  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }

  /** Canonical (shortest) CompactSize. */
  compactSize(n: number | bigint): void {
    const v = BigInt.asUintN(64, BigInt(n));
    if (v < 0xfdn) this.u8(Number(v));
    else if (v <= 0xffffn) {
      this.u8(0xfd);
      this.u16le(Number(v));
    } else if (v <= 0xffffffffn) {
      this.u8(0xfe);
      this.u32le(Number(v));
    } else {
      this.u8(0xff);
      this.u64le(v);
    }
  }

  /** The bytes written so far (a copy sized exactly). */
  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}
