// Reads just the columns geo.parquet needs out of a MaxMind DB record ("MaxMind DB File Format 2.0", Output Data
// Section), skipping everything else without decoding it. A full decode of a City record (names in eight languages,
// geoname ids, postal, registered country…) costs several times more and dominated a million-address run.
// What to read is data, not code: the paths of pipeline/schema/geo.ts's GEO_RECORD_FIELDS, merged into one tree
// (FieldPlan) so a record is walked once; what a path finds in a map or array shared through a pointer (a country,
// a continent, a city's names) is remembered, since the first block of a run decodes tens of thousands of records.
// The test suite checks every declared field against the maxmind reader's full decode.
import { fieldValue, type GeoRecordField } from "../../pipeline/schema/geo.ts";

import { MAX_DEPTH, MMDB_TYPE, POINTER_BASE_1, POINTER_BASE_2, SIZE_BASE_1, SIZE_BASE_2, SIZE_BASE_3 } from "../../lib/mmdb/format.ts";

const T_POINTER = MMDB_TYPE.pointer;
const T_STRING = MMDB_TYPE.utf8_string;
const T_DOUBLE = MMDB_TYPE.double;
const T_UINT16 = MMDB_TYPE.uint16;
const T_UINT32 = MMDB_TYPE.uint32;
const T_MAP = MMDB_TYPE.map;
const T_INT32 = MMDB_TYPE.int32;
const T_UINT64 = MMDB_TYPE.uint64;
const T_UINT128 = MMDB_TYPE.uint128;
const T_ARRAY = MMDB_TYPE.array;
const T_BOOLEAN = MMDB_TYPE.boolean;
const T_FLOAT = MMDB_TYPE.float;

/** A malformed data section (bad type, pointer out of range, a pointer to a pointer). */
export class RecordFormatError extends Error {}

/** One step of a FieldPlan: the keys (or `0`, an array's first element) to follow from here, or the field found here. */
class PlanNode {
  readonly children = new Map<string | 0, PlanNode>();
  /** Index of the field whose value is here, or -1. */
  field = -1;
  /** Fields found at or below this node. */
  readonly fields: number[] = [];
  /** Index of this node in its plan (a FieldReader's memory of shared maps is kept per node). */
  constructor(readonly id: number) {}
}

/**
 * The declared fields of one database as a tree of their paths, each shared prefix walked once per record. A plan
 * holds no state of a database: the same plan serves every FieldReader (each remembers its own shared maps).
 */
export class FieldPlan {
  readonly root: PlanNode;
  /** Nodes in the tree. */
  readonly size: number;
  /** Indexes of the fields with a `together` rule. */
  readonly grouped: readonly number[];
  constructor(readonly fields: readonly GeoRecordField[]) {
    let nodes = 0;
    this.root = new PlanNode(nodes++);
    fields.forEach((f, i) => {
      if (f.path.length === 0) throw new Error(`geo field ${f.name}: empty path`);
      let node = this.root;
      node.fields.push(i);
      for (const key of f.path) {
        if (node.field >= 0) throw new Error(`geo field ${f.name}: its path goes through field ${fields[node.field]!.name}`);
        let next = node.children.get(key);
        if (next === undefined) {
          next = new PlanNode(nodes++);
          node.children.set(key, next);
        }
        node = next;
        node.fields.push(i);
      }
      if (node.field >= 0 || node.children.size > 0) throw new Error(`geo field ${f.name}: path shared with another field`);
      node.field = i;
    });
    this.size = nodes;
    this.grouped = fields.flatMap((f, i) => (f.together === undefined ? [] : [i]));
  }
}

/** Selective reader over one database's data section; offsets are absolute file offsets. */
export class FieldReader {
  private readonly db: Buffer;
  private readonly dataStart: number;
  private readonly dataEnd: number;
  /** Decoded strings by offset: map keys and shared names are stored once and pointed to many times. */
  private readonly strings = new Map<number, string>();
  /** Per plan, per node id: a shared (pointed-to) map or array's payload offset → value offsets of the node's fields found in it (-1: missing). */
  private readonly memory = new Map<FieldPlan, Map<number, Int32Array>[]>();
  /** The memory of the plan being projected. */
  private shared: Map<number, Int32Array>[] = [];
  /** Value offsets of the record being projected, by field (-1: missing), one array per plan. */
  private readonly scratch = new Map<FieldPlan, Int32Array>();
  // state of the last header() call
  private type = 0;
  private size = 0;
  private payload = 0;
  private next = 0;
  constructor(db: Buffer, dataStart: number, dataEnd: number) {
    this.db = db;
    this.dataStart = dataStart;
    this.dataEnd = dataEnd;
  }

  /** Reads the control byte(s) at `offset`, following one pointer; sets type/size/payload and `next` (after the value at `offset`). Bounded recursion: one pointer, never a pointer to a pointer. */
  private header(offset: number, followed = false): void {
    const db = this.db;
    if (offset < this.dataStart || offset >= this.dataEnd) throw new RecordFormatError(`data offset ${offset} out of range`);
    const ctrl = db[offset]!;
    let type = ctrl >> 5;
    let p = offset + 1;
    if (type === T_POINTER) {
      if (followed) throw new RecordFormatError(`pointer to a pointer at ${offset}`);
      const ss = (ctrl >> 3) & 3;
      const vvv = ctrl & 7;
      let target: number;
      if (ss === 0) target = (vvv << 8) | db[p]!;
      else if (ss === 1) target = ((vvv << 16) | (db[p]! << 8) | db[p + 1]!) + POINTER_BASE_1;
      else if (ss === 2) target = ((vvv << 24) | (db[p]! << 16) | (db[p + 1]! << 8) | db[p + 2]!) + POINTER_BASE_2;
      else target = ((db[p]! << 24) | (db[p + 1]! << 16) | (db[p + 2]! << 8) | db[p + 3]!) >>> 0;
      const after = p + ss + 1;
      this.header(this.dataStart + target, true);
      this.next = after;
      return;
    }
    if (type === 0) type = 7 + db[p++]!;
    let size = ctrl & 0x1f;
    if (size === 29) size = SIZE_BASE_1 + db[p++]!;
    else if (size === 30) {
      size = SIZE_BASE_2 + ((db[p]! << 8) | db[p + 1]!);
      p += 2;
    } else if (size === 31) {
      size = SIZE_BASE_3 + ((db[p]! << 16) | (db[p + 1]! << 8) | db[p + 2]!);
      p += 3;
    }
    this.type = type;
    this.size = size;
    this.payload = p;
    this.next = type === T_MAP || type === T_ARRAY ? -1 : type === T_BOOLEAN ? p : p + size;
  }

  /**
   * Offset just after the value at `offset` (maps and arrays are walked, nothing is decoded). Bounded recursion:
   * nesting deeper than MAX_DEPTH (libmaxminddb's limit) is a RecordFormatError, not a stack overflow.
   */
  private skip(offset: number, depth = 0): number {
    if (depth > MAX_DEPTH) throw new RecordFormatError(`data nested deeper than ${MAX_DEPTH} at ${offset}`);
    this.header(offset);
    if (this.next >= 0) return this.next;
    const count = this.type === T_MAP ? this.size * 2 : this.size;
    let p = this.payload;
    for (let i = 0; i < count; i++) p = this.skip(p, depth + 1);
    return p;
  }

  /** The string at `offset` (following a pointer), or null if the value is not a string. */
  private string(offset: number): string | null {
    this.header(offset);
    if (this.type !== T_STRING) return null;
    const at = this.payload;
    let s = this.strings.get(at);
    if (s === undefined) {
      s = this.db.toString("utf8", at, at + this.size);
      if (this.size <= 64) this.strings.set(at, s);
    }
    return s;
  }

  /** A number value (double, float, unsigned/signed ints up to 32 bits) at `offset`, or null. */
  private number(offset: number): number | null {
    this.header(offset);
    const db = this.db;
    const p = this.payload;
    switch (this.type) {
      case T_DOUBLE:
        return this.size === 8 ? db.readDoubleBE(p) : null;
      case T_FLOAT:
        return this.size === 4 ? db.readFloatBE(p) : null;
      case T_UINT16:
      case T_UINT32:
      case T_UINT64:
      case T_UINT128: {
        if (this.size > 6) return null;
        return this.size === 0 ? 0 : db.readUIntBE(p, this.size);
      }
      case T_INT32:
        if (this.size === 0) return 0;
        return this.size < 4 ? db.readUIntBE(p, this.size) : db.readInt32BE(p);
      default:
        return null;
    }
  }

  /** Offset just after the value at `offset`, given that header(offset) just ran (`after` = its `next`). */
  private end(offset: number, after: number): number {
    return after >= 0 ? after : this.skip(offset);
  }

  /**
   * Walks the value at `offset` once, following `node`'s keys: sets `found[i]` to the offset of field i's value for
   * every field found below `node`, and returns the offset just after the value. A map or array reached through a
   * pointer is shared by many records: what it holds for `node` is remembered by its offset, so the next record
   * pointing to it neither walks nor skips it. Bounded recursion: one level per key of the longest declared path
   * (skip() bounds the rest).
   */
  private walk(offset: number, node: PlanNode, found: Int32Array): number {
    if (node.field >= 0) {
      found[node.field] = offset;
      return this.skip(offset);
    }
    this.header(offset);
    const after = this.next;
    const type = this.type;
    const first = node.children.get(0);
    if (!(type === T_MAP || (type === T_ARRAY && first !== undefined))) return this.end(offset, after);
    const payload = this.payload;
    const size = this.size;
    if (after >= 0) {
      const memory = this.shared[node.id]!;
      let known = memory.get(payload);
      const fields = node.fields;
      if (known === undefined) {
        const inside = new Int32Array(found.length).fill(-1);
        this.walkInside(type, payload, size, node, inside);
        known = new Int32Array(fields.length);
        for (let j = 0; j < fields.length; j++) known[j] = inside[fields[j]!]!;
        memory.set(payload, known);
      }
      for (let j = 0; j < fields.length; j++) found[fields[j]!] = known[j]!;
      return after;
    }
    return this.walkInside(type, payload, size, node, found);
  }

  /** walk() over the entries of a map (or the elements of an array) of `size` starting at `p`; returns the offset after them. */
  private walkInside(type: number, p: number, size: number, node: PlanNode, found: Int32Array): number {
    if (type === T_ARRAY) {
      for (let i = 0; i < size; i++) p = i === 0 ? this.walk(p, node.children.get(0)!, found) : this.skip(p);
      return p;
    }
    for (let i = 0; i < size; i++) {
      const k = this.string(p);
      const v = this.next;
      const child = k === null ? undefined : node.children.get(k);
      p = child === undefined ? this.skip(v) : this.walk(v, child, found);
    }
    return p;
  }

  /**
   * The declared fields of the record at `offset`, keyed by column name, each value kept only if it fits its
   * declaration (pipeline/schema/geo.ts fieldValue and `together`). One pass over the record.
   */
  project(offset: number, plan: FieldPlan): Record<string, string | number | null> {
    let shared = this.memory.get(plan);
    let found = this.scratch.get(plan);
    if (shared === undefined || found === undefined) {
      shared = Array.from({ length: plan.size }, () => new Map<number, Int32Array>());
      found = new Int32Array(plan.fields.length);
      this.memory.set(plan, shared);
      this.scratch.set(plan, found);
    }
    this.shared = shared;
    found.fill(-1);
    this.walk(offset, plan.root, found);
    const fields = plan.fields;
    const out: Record<string, string | number | null> = {};
    for (let i = 0; i < fields.length; i++) {
      const f = fields[i]!;
      const at = found[i]!;
      out[f.name] = at < 0 ? null : fieldValue(f, f.type === "VARCHAR" ? this.string(at) : this.number(at));
    }
    for (const i of plan.grouped) {
      const f = fields[i]!;
      if (f.together!.some((other) => out[other] === null)) out[f.name] = null;
    }
    return out;
  }
}
