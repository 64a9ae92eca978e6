// Test helper: a second, independent MaxMind DB reader that keeps what the `maxmind` package hides —
// each value's MMDB type, its byte range, whether it was reached through a pointer (and that pointer's
// size) — plus a search-tree walker that lists every network with data. Written from the spec, sharing
// no code with the writer under test.
import { bytes, double, float, int32, uint128, uint16, uint32, uint64, type MmdbValue } from "../../tools/simnet/mmdb/index.ts";

const TYPE_NAMES = [
  "extended",
  "pointer",
  "utf8_string",
  "double",
  "bytes",
  "uint16",
  "uint32",
  "map",
  "int32",
  "uint64",
  "uint128",
  "array",
  "container",
  "end_marker",
  "boolean",
  "float",
];
const MARKER = Buffer.from("abcdef4d61784d696e642e636f6d", "hex");

/** A decoded value with its type and where its bytes are (`start` = control byte, `end` = one past the payload). */
export interface TypedValue {
  readonly type: string;
  readonly start: number;
  readonly end: number;
  /** Set when this value was reached through a pointer: the pointer's own size in bytes. */
  readonly pointerSize?: number;
  readonly value: string | number | bigint | boolean | Uint8Array | TypedValue[] | [TypedValue, TypedValue][];
}

/** The parsed layout of a database file. */
export interface Layout {
  readonly buf: Buffer;
  readonly metadata: Record<string, unknown>;
  readonly metadataTyped: TypedValue;
  readonly nodeCount: number;
  readonly recordSize: number;
  readonly treeSize: number;
  readonly dataStart: number;
  readonly metadataStart: number;
}

function uintBE(buf: Buffer, at: number, size: number): bigint {
  let v = 0n;
  for (let i = 0; i < size; i++) v = (v << 8n) | BigInt(buf[at + i] as number);
  return v;
}

/** Decodes the value at absolute `at`; pointers are relative to `base`. Returns the value and the offset after it. */
export function decodeTyped(buf: Buffer, base: number, at: number): { v: TypedValue; next: number } {
  const ctrl = buf[at] as number;
  let pos = at + 1;
  let type = ctrl >> 5;
  if (type === 1) {
    const ss = (ctrl >> 3) & 3;
    const vvv = ctrl & 7;
    let target: number;
    if (ss === 0) target = (vvv << 8) | (buf[pos] as number);
    else if (ss === 1) target = ((vvv << 16) | buf.readUInt16BE(pos)) + 2048;
    else if (ss === 2) target = ((vvv << 24) | buf.readUIntBE(pos, 3)) + 526336;
    else target = buf.readUInt32BE(pos);
    const size = ss + 2;
    const inner = decodeTyped(buf, base, base + target);
    if (inner.v.pointerSize !== undefined) throw new Error(`pointer to pointer at ${at}`);
    return { v: { ...inner.v, pointerSize: size }, next: at + size };
  }
  if (type === 0) {
    type = 7 + (buf[pos] as number);
    pos++;
  }
  let size = ctrl & 0x1f;
  if (size === 29) size = 29 + (buf[pos++] as number);
  else if (size === 30) {
    size = 285 + buf.readUInt16BE(pos);
    pos += 2;
  } else if (size === 31) {
    size = 65821 + buf.readUIntBE(pos, 3);
    pos += 3;
  }
  const name = TYPE_NAMES[type] ?? `type${type}`;
  switch (name) {
    case "utf8_string":
      return { v: { type: name, start: at, end: pos + size, value: buf.toString("utf8", pos, pos + size) }, next: pos + size };
    case "double":
      if (size !== 8) throw new Error(`double of size ${size}`);
      return { v: { type: name, start: at, end: pos + 8, value: buf.readDoubleBE(pos) }, next: pos + 8 };
    case "float":
      if (size !== 4) throw new Error(`float of size ${size}`);
      return { v: { type: name, start: at, end: pos + 4, value: buf.readFloatBE(pos) }, next: pos + 4 };
    case "bytes":
      return { v: { type: name, start: at, end: pos + size, value: Uint8Array.from(buf.subarray(pos, pos + size)) }, next: pos + size };
    case "uint16":
    case "uint32":
      return { v: { type: name, start: at, end: pos + size, value: Number(uintBE(buf, pos, size)) }, next: pos + size };
    case "int32": {
      const raw = Number(uintBE(buf, pos, size));
      const value = size === 4 ? raw | 0 : raw;
      return { v: { type: name, start: at, end: pos + size, value }, next: pos + size };
    }
    case "uint64":
    case "uint128":
      return { v: { type: name, start: at, end: pos + size, value: uintBE(buf, pos, size) }, next: pos + size };
    case "boolean":
      return { v: { type: name, start: at, end: pos, value: size === 1 }, next: pos };
    case "map": {
      const entries: [TypedValue, TypedValue][] = [];
      let p = pos;
      for (let i = 0; i < size; i++) {
        const k = decodeTyped(buf, base, p);
        if (k.v.type !== "utf8_string") throw new Error(`map key of type ${k.v.type} at ${p}`);
        const val = decodeTyped(buf, base, k.next);
        entries.push([k.v, val.v]);
        p = val.next;
      }
      return { v: { type: name, start: at, end: p, value: entries }, next: p };
    }
    case "array": {
      const items: TypedValue[] = [];
      let p = pos;
      for (let i = 0; i < size; i++) {
        const item = decodeTyped(buf, base, p);
        items.push(item.v);
        p = item.next;
      }
      return { v: { type: name, start: at, end: p, value: items }, next: p };
    }
    default:
      throw new Error(`unexpected type ${name} at ${at}`);
  }
}

/** Plain JS view of a typed value (numbers stay numbers, 64/128-bit stay bigint). */
export function plain(v: TypedValue): unknown {
  if (v.type === "map") return Object.fromEntries((v.value as [TypedValue, TypedValue][]).map(([k, x]) => [k.value as string, plain(x)]));
  if (v.type === "array") return (v.value as TypedValue[]).map(plain);
  return v.value;
}

/** Rebuilds a writer input from a typed value, keeping every MMDB type exactly. */
export function toWriterValue(v: TypedValue): MmdbValue {
  switch (v.type) {
    case "map":
      return Object.fromEntries((v.value as [TypedValue, TypedValue][]).map(([k, x]) => [k.value as string, toWriterValue(x)]));
    case "array":
      return (v.value as TypedValue[]).map(toWriterValue);
    case "utf8_string":
      return v.value as string;
    case "boolean":
      return v.value as boolean;
    case "double":
      return double(v.value as number);
    case "float":
      return float(v.value as number);
    case "uint16":
      return uint16(v.value as number);
    case "uint32":
      return uint32(v.value as number);
    case "int32":
      return int32(v.value as number);
    case "uint64":
      return uint64(v.value as bigint);
    case "uint128":
      return uint128(v.value as bigint);
    case "bytes":
      return bytes(v.value as Uint8Array);
    default:
      throw new Error(`cannot rebuild type ${v.type}`);
  }
}

/** Finds the metadata, decodes it and derives the section offsets. */
export function layout(input: Uint8Array): Layout {
  const buf = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  const markerAt = buf.lastIndexOf(MARKER);
  if (markerAt < 0) throw new Error("no metadata marker");
  const metadataStart = markerAt + MARKER.length;
  const { v } = decodeTyped(buf, metadataStart, metadataStart);
  const metadata = plain(v) as Record<string, unknown>;
  const nodeCount = metadata.node_count as number;
  const recordSize = metadata.record_size as number;
  const treeSize = (nodeCount * recordSize * 2) / 8;
  return { buf, metadata, metadataTyped: v, nodeCount, recordSize, treeSize, dataStart: treeSize + 16, metadataStart: markerAt };
}

/** The two records of `node`. */
export function readNode(l: Layout, node: number): [number, number] {
  const at = node * ((l.recordSize * 2) / 8);
  const b = l.buf;
  if (l.recordSize === 24) return [b.readUIntBE(at, 3), b.readUIntBE(at + 3, 3)];
  if (l.recordSize === 28) {
    const mid = b[at + 3] as number;
    return [((mid & 0xf0) << 20) | b.readUIntBE(at, 3), ((mid & 0x0f) << 24) | b.readUIntBE(at + 4, 3)];
  }
  return [b.readUInt32BE(at), b.readUInt32BE(at + 4)];
}

/** The record of the data at tree record value `record`, decoded with types. */
export function recordAt(l: Layout, record: number): TypedValue {
  const offset = record - l.nodeCount - 16;
  return decodeTyped(l.buf, l.dataStart, l.dataStart + offset).v;
}

/** A network found in the tree: 16 address bytes, prefix length (IPv6 terms) and its record value. */
export interface WalkedNetwork {
  readonly bytes: Uint8Array;
  readonly prefixLength: number;
  readonly record: number;
}

/** Every network whose record points to data; `skip` prunes subtrees (e.g. the IPv4 alias networks). */
export function walkNetworks(l: Layout, skip: (bytes: Uint8Array, prefixLength: number) => boolean = () => false): WalkedNetwork[] {
  const depthMax = l.metadata.ip_version === 6 ? 128 : 32;
  const out: WalkedNetwork[] = [];
  const visit = (node: number, bits: Uint8Array, depth: number): void => {
    const records = readNode(l, node);
    for (const side of [0, 1] as const) {
      const next = new Uint8Array(bits);
      if (side === 1) next[depth >> 3] = (next[depth >> 3] as number) | (0x80 >> (depth & 7));
      const rec = records[side];
      if (skip(next, depth + 1)) continue;
      if (rec < l.nodeCount) {
        if (depth + 1 >= depthMax) throw new Error("tree deeper than the address");
        visit(rec, next, depth + 1);
      } else if (rec > l.nodeCount) out.push({ bytes: next, prefixLength: depth + 1, record: rec });
    }
  };
  visit(0, new Uint8Array(depthMax / 8), 0);
  return out;
}

/** Network text for a walked IPv6-tree network: IPv4 under ::/96 as `a.b.c.d/n`, else IPv6. */
export function networkText(n: WalkedNetwork): string {
  const isV4 = n.prefixLength >= 96 && n.bytes.subarray(0, 12).every((b) => b === 0);
  if (isV4) return `${Array.from(n.bytes.subarray(12)).join(".")}/${n.prefixLength - 96}`;
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((((n.bytes[i] as number) << 8) | (n.bytes[i + 1] as number)).toString(16));
  return `${groups.join(":")}/${n.prefixLength}`;
}

/** Every value reachable in `v` (itself included), depth first. */
export function allValues(v: TypedValue): TypedValue[] {
  const out = [v];
  if (v.type === "map") for (const [k, x] of v.value as [TypedValue, TypedValue][]) out.push(k, ...allValues(x));
  if (v.type === "array") for (const x of v.value as TypedValue[]) out.push(...allValues(x));
  return out;
}
