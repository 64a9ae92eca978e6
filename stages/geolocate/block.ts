// The machinery of block lookups: record numbering (pointer → dense id and projected fields), the IPv4 cursor
// that skips walks for sorted addresses in one network, the radix sort and the scratch memory a Locator reuses.
import { GeoDatabaseError, howToGet, KIND_LABEL, type GeoDatabase } from "./database.ts";
import { RecordFormatError, type FieldReader } from "./fields.ts";
import { NOT_FOUND, type SearchTree } from "./tree.ts";

/**
 * pointer → dense id, open addressing over one typed array of (key, id) pairs (linear probing): a million
 * lookups against tens of thousands of records, where a Map's boxing and hashing showed in profiles. A key and
 * its id share a cache line. Keys are stored as int32 (a bijection on pointers < 2^32); 0 marks an empty slot,
 * which no pointer is (pointers exceed node_count ≥ 1).
 */
export class PointerIds {
  private table = new Int32Array(2 << 12);
  private count = 0;
  private mask = (1 << 12) - 1;

  /** Pair index of `key` (stored as int32), or of the empty slot where it would go. */
  private slot(key: number): number {
    const table = this.table;
    const mask = this.mask;
    let i = Math.imul(key, 0x9e3779b1) >>> 0;
    i = (i ^ (i >>> 16)) & mask;
    for (;;) {
      const k = table[i << 1]!;
      if (k === key || k === 0) return i;
      i = (i + 1) & mask;
    }
  }

  /** The id stored for `key`, or -1. */
  get(key: number): number {
    const k = key | 0;
    const i = this.slot(k) << 1;
    return this.table[i] === k ? this.table[i + 1]! : -1;
  }

  /** Stores `id` for a new `key`. */
  set(key: number, id: number): void {
    if ((this.count + 1) * 2 > this.mask + 1) this.grow();
    const k = key | 0;
    const i = this.slot(k) << 1;
    this.table[i] = k;
    this.table[i + 1] = id;
    this.count++;
  }

  private grow(): void {
    const old = this.table;
    this.table = new Int32Array(old.length * 2);
    this.mask = this.table.length / 2 - 1;
    for (let i = 0; i < old.length; i += 2) {
      if (old[i] === 0) continue;
      const j = this.slot(old[i]!) << 1;
      this.table[j] = old[i]!;
      this.table[j + 1] = old[i + 1]!;
    }
  }
}

/** Record numbering for one database: pointer → dense id, and the projected fields of each id. */
export class RecordTable<F> {
  private readonly ids = new PointerIds();
  readonly fields: F[] = [];
  constructor(
    readonly db: GeoDatabase,
    private readonly project: (reader: FieldReader, offset: number) => F,
  ) {}

  /** Dense id of the record at `pointer` (a search-tree value), reading its fields the first time. */
  idOf(pointer: number): number {
    let id = this.ids.get(pointer);
    if (id < 0) {
      let fields: F;
      try {
        fields = this.project(this.db.fields, this.db.recordOffset(pointer));
      } catch (err) {
        if (!(err instanceof RecordFormatError)) throw err;
        throw new GeoDatabaseError("not_mmdb", `${KIND_LABEL[this.db.kind]} database ${this.db.path} is corrupt (${err.message}); ${howToGet(this.db.kind)}`);
      }
      id = this.fields.length;
      this.fields.push(fields);
      this.ids.set(pointer, id);
    }
    return id;
  }
}

/** Remembers the network of the last IPv4 lookup in one tree, so sorted addresses in the same network skip the walk. */
export class V4Cursor {
  private net = 0;
  private depth = -1;
  private pointer = NOT_FOUND;
  constructor(private readonly tree: SearchTree) {}

  /** Same as tree.lookupV4(value), answered from the last network when `value` falls in it. */
  lookup(value: number): number {
    const d = this.depth;
    if (d >= 0 && (d === 0 || value >>> (32 - d) === this.net)) return this.pointer;
    this.pointer = this.tree.lookupV4(value);
    this.depth = this.tree.depth;
    this.net = this.depth === 0 ? 0 : value >>> (32 - this.depth);
    return this.pointer;
  }
}

/** Per-address results of Locator.locateBlock / locateText, parallel to its input. */
export interface BlockResults {
  readonly status: Int32Array;
  readonly city: Int32Array;
  readonly asn: Int32Array;
}

/** Most addresses one locateBlock / locateText call takes. */
export const MAX_BLOCK = 2 ** 21;

/**
 * Sorts `values[0…n)` (unsigned 32-bit keys) ascending with their `indexes`, by two 16-bit LSD radix passes
 * through the scratch arrays: a few times faster than sorting packed doubles, which showed in profiles. Stable.
 */
export function radixSort32(values: Uint32Array, indexes: Int32Array, n: number, tmpValues: Uint32Array, tmpIndexes: Int32Array): void {
  const counts = new Uint32Array(65537);
  for (let i = 0; i < n; i++) counts[(values[i]! & 0xffff) + 1]!++;
  for (let d = 0; d < 65536; d++) counts[d + 1]! += counts[d]!;
  for (let i = 0; i < n; i++) {
    const at = counts[values[i]! & 0xffff]!++;
    tmpValues[at] = values[i]!;
    tmpIndexes[at] = indexes[i]!;
  }
  counts.fill(0);
  for (let i = 0; i < n; i++) counts[(tmpValues[i]! >>> 16) + 1]!++;
  for (let d = 0; d < 65536; d++) counts[d + 1]! += counts[d]!;
  for (let i = 0; i < n; i++) {
    const at = counts[tmpValues[i]! >>> 16]!++;
    values[at] = tmpValues[i]!;
    indexes[at] = tmpIndexes[i]!;
  }
}

/** The big-endian 32-bit word at `bytes[at…at+4)`. */
export function word32(bytes: Uint8Array, at: number): number {
  return ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;
}

/**
 * Scratch memory of block lookups, kept by a Locator across blocks (a run looks up blocks of the same size) so a
 * block allocates only its results. `capacity` addresses fit.
 */
export class BlockScratch {
  readonly v4Values: Uint32Array;
  readonly v4Indexes: Int32Array;
  /** The IPv6 addresses to look up, 16 bytes each. */
  readonly v6Bytes: Uint8Array;
  readonly v6Indexes: Int32Array;
  /** 1 where the IPv6 address is loopback (labelled so when neither database has it). */
  readonly v6Loopback: Uint8Array;
  /** Sort keys and the order they put the IPv6 addresses in. */
  readonly keys: Uint32Array;
  readonly order: Int32Array;
  /** radixSort32's scratch. */
  readonly tmpValues: Uint32Array;
  readonly tmpIndexes: Int32Array;
  /** locateText: 1 where the index was met. */
  readonly seen: Uint8Array;
  constructor(readonly capacity: number) {
    this.seen = new Uint8Array(capacity);
    this.v4Values = new Uint32Array(capacity);
    this.v4Indexes = new Int32Array(capacity);
    this.v6Bytes = new Uint8Array(capacity * 16);
    this.v6Indexes = new Int32Array(capacity);
    this.v6Loopback = new Uint8Array(capacity);
    this.keys = new Uint32Array(capacity);
    this.order = new Int32Array(capacity);
    this.tmpValues = new Uint32Array(capacity);
    this.tmpIndexes = new Int32Array(capacity);
  }
}
