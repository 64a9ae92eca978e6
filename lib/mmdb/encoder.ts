// MaxMind DB data-section encoder (MaxMind DB File Format 2.0, "Output Data Section"): values → bytes,
// with identical values stored once and repeats written as pointers, as MaxMind's mmdbwriter does.
import { MAX_DEPTH, MMDB_TYPE, controlBytes, pointerBytes, pointerSize } from "./format.ts";
import { MmdbTyped, MmdbWriteError, type MmdbMap, type MmdbValue } from "./values.ts";

/** Kinds of content ids (each kind has its own id map). */
const K = { s: 0, bool: 1, u16: 2, u32: 3, i32: 4, u64: 5, u128: 6, d: 7, dneg0: 8, f: 9, fneg0: 10, bytes: 11, array: 12, map: 13 } as const;
const KIND_COUNT = 14;

/**
 * Appends values to a growing data section. Identical values (by content, map key order ignored) are
 * written once: `add` returns the existing offset for a repeated record, and nested repeats (map keys,
 * strings, sub-maps) become pointers whenever a pointer is shorter than the value. Deterministic:
 * the same sequence of `add` calls always yields the same bytes. Values are treated as immutable: an
 * object must not change after it was added (its content id is remembered by identity).
 */
export class DataSectionEncoder {
  private buf = new Uint8Array(4096);
  private len = 0;
  /** Offset and size of the first inline encoding of each content id (-1: not written yet). */
  private seenOffset = new Float64Array(1024).fill(-1);
  private seenSize = new Uint32Array(1024);
  private nextId = 0;
  /** Content ids by kind: equal ids ⇔ equal encodings. One map per kind avoids key strings for scalars. */
  private readonly scalarIds: Map<string | number | bigint, number>[] = Array.from({ length: KIND_COUNT }, () => new Map());
  private readonly containers = new Map<object, Container>(); // a strong map: cheaper for the GC than a WeakMap, and the encoder is short-lived
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
    let id: number;
    try {
      id = this.idOf(value, 0);
    } catch (err) {
      if (err instanceof ValuePathError) throw new MmdbWriteError("bad_value", `${err.message} at /${err.path.join("/")}`);
      throw err;
    }
    const prior = this.seenOffset[id] ?? -1;
    if (prior >= 0) return prior;
    const offset = this.len;
    this.writeInline(value, id);
    return offset;
  }

  /** The section's bytes (a copy, so later `add` calls cannot change it). */
  bytes(): Uint8Array {
    return this.buf.slice(0, this.len);
  }

  private scalarId(kind: number, key: string | number | bigint): number {
    const ids = this.scalarIds[kind] as Map<string | number | bigint, number>;
    let id = ids.get(key);
    if (id === undefined) {
      id = this.nextId++;
      ids.set(key, id);
      if (id >= this.seenOffset.length) {
        const offsets = new Float64Array(this.seenOffset.length * 2).fill(-1);
        offsets.set(this.seenOffset);
        this.seenOffset = offsets;
        const sizes = new Uint32Array(this.seenSize.length * 2);
        sizes.set(this.seenSize);
        this.seenSize = sizes;
      }
    }
    return id;
  }

  /**
   * Content id (hash-consing): equal ids ⇔ equal values, map key order ignored. A container's key is
   * built from its children's ids, so the work is linear in the value's size; containers remember their
   * children's ids for the write. Validates as it goes.
   */
  private idOf(value: MmdbValue, depth: number): number {
    switch (typeof value) {
      case "string":
        return this.scalarId(K.s, value);
      case "boolean":
        return this.scalarId(K.bool, value ? 1 : 0);
      case "number":
        return this.numberId(value);
      case "bigint":
        if (value < 0n || value >= 1n << 128n) throw new ValuePathError("bigint out of uint128 range");
        return this.scalarId(value < 1n << 64n ? K.u64 : K.u128, value);
      case "object": {
        if (value === null) throw new ValuePathError("null is not an MMDB value (leave the key out)");
        const cached = this.containers.get(value);
        if (cached !== undefined) return cached.id;
        if (value instanceof MmdbTyped) return this.typedId(value);
        if (value instanceof Uint8Array) return this.scalarId(K.bytes, Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("latin1"));
        if (depth >= MAX_DEPTH) throw new ValuePathError(`value nested deeper than ${MAX_DEPTH}`);
        let info: Container;
        if (Array.isArray(value)) {
          const items = value as readonly MmdbValue[];
          const childIds = items.map((item, i) => this.childId(item, depth, i));
          info = { id: this.scalarId(K.array, childIds.join(",")), childIds };
        } else {
          const map = value as MmdbMap;
          const keys = Object.keys(map).sort();
          const keyIds = keys.map((k) => this.scalarId(K.s, k));
          const childIds = keys.map((k) => this.childId(map[k], depth, k));
          let key = "";
          for (let i = 0; i < keys.length; i++) key += `${i === 0 ? "" : ","}${keyIds[i]}:${childIds[i]}`;
          info = { id: this.scalarId(K.map, key), childIds, keys, keyIds };
        }
        this.containers.set(value, info);
        return info.id;
      }
      default:
        throw new ValuePathError(`${typeof value} is not an MMDB value`);
    }
  }

  /** Plain numbers: the same ids as the typed value they are written as. */
  private numberId(value: number): number {
    if (Number.isInteger(value)) {
      if (value >= 0 && value <= 0xffffffff) return this.scalarId(K.u32, value);
      if (value < 0 && value >= -0x80000000) return this.scalarId(K.i32, value);
      if (value > 0 && Number.isSafeInteger(value)) return this.scalarId(K.u64, BigInt(value));
    }
    return Object.is(value, -0) ? this.scalarId(K.dneg0, 0) : this.scalarId(K.d, value);
  }

  private typedId(t: MmdbTyped): number {
    switch (t.type) {
      case "uint16":
        return this.scalarId(K.u16, t.value as number);
      case "uint32":
      case "int32":
        return this.scalarId(t.type === "uint32" ? K.u32 : K.i32, t.value as number);
      case "uint64":
      case "uint128":
        return this.scalarId(t.type === "uint64" ? K.u64 : K.u128, BigInt(t.value as number | bigint));
      case "double":
        return Object.is(t.value, -0) ? this.scalarId(K.dneg0, 0) : this.scalarId(K.d, t.value as number);
      case "float": {
        const f = Math.fround(t.value as number);
        return Object.is(f, -0) ? this.scalarId(K.fneg0, 0) : this.scalarId(K.f, f);
      }
      case "bytes": {
        const b = t.value as Uint8Array;
        return this.scalarId(K.bytes, Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("latin1"));
      }
    }
  }

  private childId(value: MmdbValue | undefined, depth: number, segment: string | number): number {
    try {
      if (value === undefined) throw new ValuePathError("undefined is not an MMDB value");
      return this.idOf(value, depth + 1);
    } catch (err) {
      if (err instanceof ValuePathError) err.path.unshift(String(segment));
      throw err;
    }
  }

  /** Writes `value` as a pointer to an earlier identical value when that is shorter, else inline. */
  private write(value: MmdbValue, id: number): void {
    if (this.usePointers) {
      const prior = this.seenOffset[id] as number;
      if (prior >= 0 && pointerSize(prior) < (this.seenSize[id] as number)) {
        this.writePointer(prior);
        return;
      }
    }
    this.writeInline(value, id);
  }

  private writeInline(value: MmdbValue, id: number): void {
    const start = this.len;
    this.encode(value);
    if (this.usePointers && (this.seenOffset[id] as number) < 0) {
      this.seenOffset[id] = start;
      this.seenSize[id] = this.len - start;
    }
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
    const info = this.containers.get(value) as Container; // idOf ran on every value before it is written
    if (Array.isArray(value)) {
      const items = value as readonly MmdbValue[];
      this.control(MMDB_TYPE.array, items.length);
      for (let i = 0; i < items.length; i++) this.write(items[i] as MmdbValue, info.childIds[i] as number);
      return;
    }
    const map = value as MmdbMap;
    const keys = info.keys as string[];
    this.control(MMDB_TYPE.map, keys.length);
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i] as string;
      this.write(k, (info.keyIds as number[])[i] as number);
      this.write(map[k] as MmdbValue, info.childIds[i] as number);
    }
  }

  private encodeNumber(value: number): void {
    if (Number.isInteger(value)) {
      if (value >= 0 && value <= 0xffffffff) return this.unsigned(MMDB_TYPE.uint32, value);
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
        return this.unsigned(MMDB_TYPE[t.type], t.value as number | bigint);
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
  private unsigned(type: number, value: bigint | number): void {
    if (typeof value === "number" || value <= 0xffffffffn) {
      const v = Number(value);
      const n = v === 0 ? 0 : v < 0x100 ? 1 : v < 0x10000 ? 2 : v < 0x1000000 ? 3 : 4;
      this.control(type, n);
      for (let i = n - 1; i >= 0; i--) this.append1((v >>> (8 * i)) & 0xff);
      return;
    }
    const out: number[] = [];
    for (let v = value; v > 0n; v >>= 8n) out.push(Number(v & 0xffn));
    out.reverse();
    this.control(type, out.length);
    this.append(out);
  }

  /** Non-negative int32s are shortened like unsigned ints; negative ones take all 4 bytes (two's complement). */
  private int32(value: number): void {
    if (value >= 0) return this.unsigned(MMDB_TYPE.int32, value);
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

  private append1(byte: number): void {
    if (this.len === this.buf.length) this.append([byte]);
    else this.buf[this.len++] = byte;
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

/** Encodes one value on its own; its pointers (if any) are relative to the value's first byte. */
export function encodeStandalone(value: MmdbValue, opts: { pointers?: boolean } = {}): Uint8Array {
  const enc = new DataSectionEncoder({ pointers: opts.pointers ?? false });
  enc.add(value);
  return enc.bytes();
}

/** A bad value found while walking a record; `path` is filled in on the way back up. */
class ValuePathError extends Error {
  readonly path: string[] = [];
}

/** What the encoder remembers about a map or array: its content id and its children's ids. */
interface Container {
  readonly id: number;
  readonly childIds: readonly number[];
  readonly keys?: readonly string[];
  readonly keyIds?: readonly number[];
}
