// MaxMind DB data-section encoder (MaxMind DB File Format 2.0, "Output Data Section"): control bytes,
// extended types, the four size encodings, the four pointer sizes, and dedup of repeated values.
import { MmdbTyped, MmdbWriteError, type MmdbMap, type MmdbValue } from "./values.ts";

/** Type numbers of the spec (1-7 fit in the control byte; 8-15 are "extended" types). */
export const MMDB_TYPE = {
  pointer: 1,
  utf8_string: 2,
  double: 3,
  bytes: 4,
  uint16: 5,
  uint32: 6,
  map: 7,
  int32: 8,
  uint64: 9,
  uint128: 10,
  array: 11,
  boolean: 14,
  float: 15,
} as const;

const MAX_PAYLOAD_SIZE = 65821 + 0xffffff; // largest size the 3-byte size encoding reaches
const MAX_DEPTH = 512; // libmaxminddb refuses deeper nesting
const MAX_POINTER = 0xffffffff;

/** One already-written (inline, never pointer) encoding of a value, for dedup. */
interface Seen {
  readonly offset: number;
  readonly size: number;
}

/** Bytes a pointer to `offset` takes (2, 3, 4 or 5). */
export function pointerSize(offset: number): number {
  if (offset < 2048) return 2;
  if (offset < 526336) return 3;
  if (offset < 134744064) return 4;
  return 5;
}

/**
 * Appends values to a growing data section. Identical values (by content, map key order ignored) are
 * written once: `add` returns the existing offset for a repeated record, and nested repeats (map keys,
 * strings, sub-maps) become pointers whenever a pointer is shorter than the value. Deterministic:
 * the same sequence of `add` calls always yields the same bytes.
 */
export class DataSectionEncoder {
  private buf = new Uint8Array(4096);
  private len = 0;
  private readonly seen = new Map<string, Seen>();
  private readonly keys = new WeakMap<object, string>();
  private readonly usePointers: boolean;
  private readonly scratch = new DataView(new ArrayBuffer(8));

  /** `pointers: false` writes every value inline (no dedup). */
  constructor(opts: { pointers?: boolean } = {}) {
    this.usePointers = opts.pointers ?? true;
  }

  /** Bytes written so far. */
  get size(): number {
    return this.len;
  }

  /** Writes a record (or finds an identical one) and returns its offset from the section start. */
  add(value: MmdbValue): number {
    const key = this.keyOf(value, "", 0);
    const prior = this.seen.get(key);
    if (prior !== undefined) return prior.offset;
    const offset = this.len;
    this.writeInline(value, key);
    return offset;
  }

  /** The section's bytes (a copy, so later `add` calls cannot change it). */
  bytes(): Uint8Array {
    return this.buf.slice(0, this.len);
  }

  /** A canonical content key: equal keys ⇔ equal encodings (modulo pointers). Validates as it goes. */
  private keyOf(value: MmdbValue, path: string, depth: number): string {
    if (depth > MAX_DEPTH) throw new MmdbWriteError("bad_value", `value nested deeper than ${MAX_DEPTH} at ${path || "/"}`);
    switch (typeof value) {
      case "string":
        return "s" + JSON.stringify(value);
      case "boolean":
        return value ? "T" : "F";
      case "number":
        return this.numberKey(value);
      case "bigint":
        if (value < 0n || value >= 1n << 128n) throw new MmdbWriteError("bad_value", `bigint out of uint128 range at ${path || "/"}`);
        return (value < 1n << 64n ? "u64:" : "u128:") + value.toString();
      case "object": {
        if (value === null) throw new MmdbWriteError("bad_value", `null is not an MMDB value (leave the key out) at ${path || "/"}`);
        const cached = this.keys.get(value);
        if (cached !== undefined) return cached;
        let key: string;
        if (value instanceof MmdbTyped) key = typedKey(value);
        else if (value instanceof Uint8Array) key = "b" + Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("hex");
        else if (Array.isArray(value)) {
          const items = value as readonly MmdbValue[];
          key = "a[" + items.map((v, i) => this.keyOf(v, `${path}/${i}`, depth + 1)).join(",") + "]";
        } else {
          const map = value as MmdbMap;
          const parts: string[] = [];
          for (const k of sortedKeys(map)) {
            const v = map[k];
            if (v === undefined) throw new MmdbWriteError("bad_value", `undefined is not an MMDB value at ${path}/${k}`);
            parts.push(JSON.stringify(k) + ":" + this.keyOf(v, `${path}/${k}`, depth + 1));
          }
          key = "m{" + parts.join(",") + "}";
        }
        this.keys.set(value, key);
        return key;
      }
      default:
        throw new MmdbWriteError("bad_value", `${typeof value} is not an MMDB value at ${path || "/"}`);
    }
  }

  private numberKey(value: number): string {
    if (Number.isInteger(value)) {
      if (value >= 0 && value <= 0xffffffff) return "u32:" + value;
      if (value < 0 && value >= -0x80000000) return "i32:" + value;
      if (value > 0 && Number.isSafeInteger(value)) return "u64:" + value;
    }
    return "d:" + doubleHex(value);
  }

  /** Writes `value` as a pointer to an earlier identical value when that is shorter, else inline. */
  private write(value: MmdbValue, key: string): void {
    if (this.usePointers) {
      const prior = this.seen.get(key);
      if (prior !== undefined && pointerSize(prior.offset) < prior.size) {
        this.writePointer(prior.offset);
        return;
      }
    }
    this.writeInline(value, key);
  }

  private writeInline(value: MmdbValue, key: string): void {
    const start = this.len;
    this.encode(value);
    if (this.usePointers && !this.seen.has(key)) this.seen.set(key, { offset: start, size: this.len - start });
  }

  private encode(value: MmdbValue): void {
    switch (typeof value) {
      case "string": {
        const data = Buffer.from(value, "utf8");
        this.control(MMDB_TYPE.utf8_string, data.length);
        this.append(data);
        return;
      }
      case "boolean":
        this.control(MMDB_TYPE.boolean, value ? 1 : 0);
        return;
      case "number":
        this.encodeNumber(value);
        return;
      case "bigint":
        this.unsigned(value < 1n << 64n ? MMDB_TYPE.uint64 : MMDB_TYPE.uint128, value);
        return;
      default:
        break;
    }
    if (value instanceof MmdbTyped) return this.encodeTyped(value);
    if (value instanceof Uint8Array) {
      this.control(MMDB_TYPE.bytes, value.length);
      this.append(value);
      return;
    }
    if (Array.isArray(value)) {
      const items = value as readonly MmdbValue[];
      this.control(MMDB_TYPE.array, items.length);
      for (const item of items) this.write(item, this.keyOf(item, "", 0));
      return;
    }
    const map = value as MmdbMap;
    const keys = sortedKeys(map);
    this.control(MMDB_TYPE.map, keys.length);
    for (const k of keys) {
      this.write(k, "s" + JSON.stringify(k));
      const v = map[k] as MmdbValue;
      this.write(v, this.keyOf(v, "", 0));
    }
  }

  private encodeNumber(value: number): void {
    if (Number.isInteger(value)) {
      if (value >= 0 && value <= 0xffffffff) return this.unsigned(MMDB_TYPE.uint32, BigInt(value));
      if (value < 0 && value >= -0x80000000) return this.int32(value);
      if (value > 0 && Number.isSafeInteger(value)) return this.unsigned(MMDB_TYPE.uint64, BigInt(value));
    }
    this.scratch.setFloat64(0, value);
    this.control(MMDB_TYPE.double, 8);
    this.append(new Uint8Array(this.scratch.buffer, 0, 8));
  }

  private encodeTyped(t: MmdbTyped): void {
    switch (t.type) {
      case "uint16":
      case "uint32":
      case "uint64":
      case "uint128":
        return this.unsigned(MMDB_TYPE[t.type], BigInt(t.value as number | bigint));
      case "int32":
        return this.int32(t.value as number);
      case "double":
        this.scratch.setFloat64(0, t.value as number);
        this.control(MMDB_TYPE.double, 8);
        return this.append(new Uint8Array(this.scratch.buffer, 0, 8));
      case "float":
        this.scratch.setFloat32(0, t.value as number);
        this.control(MMDB_TYPE.float, 4);
        return this.append(new Uint8Array(this.scratch.buffer, 0, 4));
      case "bytes": {
        const b = t.value as Uint8Array;
        this.control(MMDB_TYPE.bytes, b.length);
        return this.append(b);
      }
    }
  }

  /** Unsigned ints are big-endian with leading zero bytes dropped (0 has an empty payload). */
  private unsigned(type: number, value: bigint): void {
    const out: number[] = [];
    for (let v = value; v > 0n; v >>= 8n) out.push(Number(v & 0xffn));
    out.reverse();
    this.control(type, out.length);
    this.append(out);
  }

  /** Non-negative int32s are shortened like unsigned ints; negative ones take all 4 bytes (two's complement). */
  private int32(value: number): void {
    if (value >= 0) return this.unsigned(MMDB_TYPE.int32, BigInt(value));
    this.scratch.setInt32(0, value);
    this.control(MMDB_TYPE.int32, 4);
    this.append(new Uint8Array(this.scratch.buffer, 0, 4));
  }

  private control(type: number, size: number): void {
    this.append(controlBytes(type, size));
  }

  private writePointer(offset: number): void {
    this.append(pointerBytes(offset));
  }

  private append(data: ArrayLike<number>): void {
    const need = this.len + data.length;
    if (need > this.buf.length) {
      let cap = this.buf.length * 2;
      while (cap < need) cap *= 2;
      const grown = new Uint8Array(cap);
      grown.set(this.buf.subarray(0, this.len));
      this.buf = grown;
    }
    this.buf.set(data, this.len);
    this.len = need;
  }
}

/** Control byte (type in the top 3 bits, or 0 + an extended-type byte), then the 0-3 size bytes. */
export function controlBytes(type: number, size: number): number[] {
  if (!Number.isInteger(size) || size < 0 || size > MAX_PAYLOAD_SIZE) {
    throw new MmdbWriteError("too_large", `value of ${size} bytes/entries exceeds the format's ${MAX_PAYLOAD_SIZE}`);
  }
  const head = type <= 7 ? type << 5 : 0;
  const ext = type <= 7 ? [] : [type - 7];
  if (size < 29) return [head | size, ...ext];
  if (size < 285) return [head | 29, ...ext, size - 29];
  if (size < 65821) {
    const s = size - 285;
    return [head | 30, ...ext, s >> 8, s & 0xff];
  }
  const s = size - 65821;
  return [head | 31, ...ext, (s >> 16) & 0xff, (s >> 8) & 0xff, s & 0xff];
}

/** Pointer `001SSVVV` + 1-4 bytes: 11-bit, 19-bit (+2048), 27-bit (+526336) or 32-bit data-section offsets. */
export function pointerBytes(offset: number): number[] {
  if (!Number.isInteger(offset) || offset < 0 || offset > MAX_POINTER) {
    throw new MmdbWriteError("too_large", `pointer offset ${offset} exceeds 32 bits`);
  }
  if (offset < 2048) return [0x20 | (offset >> 8), offset & 0xff];
  if (offset < 526336) {
    const v = offset - 2048;
    return [0x28 | (v >> 16), (v >> 8) & 0xff, v & 0xff];
  }
  if (offset < 134744064) {
    const v = offset - 526336;
    return [0x30 | (v >> 24), (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff];
  }
  return [0x38, (offset >>> 24) & 0xff, (offset >> 16) & 0xff, (offset >> 8) & 0xff, offset & 0xff];
}

/** Encodes one value on its own; its pointers (if any) are relative to the value's first byte. */
export function encodeStandalone(value: MmdbValue, opts: { pointers?: boolean } = {}): Uint8Array {
  const enc = new DataSectionEncoder({ pointers: opts.pointers ?? false });
  enc.add(value);
  return enc.bytes();
}

function sortedKeys(map: MmdbMap): string[] {
  return Object.keys(map).sort();
}

function doubleHex(value: number): string {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, value);
  return view.getBigUint64(0).toString(16);
}

function typedKey(t: MmdbTyped): string {
  if (t.type === "bytes") {
    const b = t.value as Uint8Array;
    return "b" + Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("hex");
  }
  if (t.type === "double") return "d:" + doubleHex(t.value as number);
  if (t.type === "float") {
    const view = new DataView(new ArrayBuffer(4));
    view.setFloat32(0, t.value as number);
    return "f:" + view.getUint32(0).toString(16);
  }
  const prefix = { uint16: "u16:", uint32: "u32:", int32: "i32:", uint64: "u64:", uint128: "u128:" }[t.type];
  return prefix + String(t.value);
}
