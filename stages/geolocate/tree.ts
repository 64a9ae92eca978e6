// Walks a MaxMind DB search tree ("MaxMind DB File Format 2.0", Search Tree Section) from integers/bytes instead of
// text: the maxmind reader re-parses the address string on every call, which dominates a million lookups. The walk
// only finds *which* record an address points to; fields.ts then reads the record's columns from the data section
// (constants from lib/mmdb/format.ts), and the test suite checks both against the maxmind reader's own lookup.

/** What the walk needs from a database's metadata. */
export interface TreeShape {
  readonly nodeCount: number;
  readonly recordSize: number; // 24, 28 or 32 bits
  readonly ipVersion: number; // 4 or 6
}

/** Record value meaning "no data for this address" (the spec's `node_count`); data pointers are greater. */
export const NOT_FOUND = -1;

const PREFIX_BITS = 16;

/** A search-tree walker over one database file's bytes; `lookupV4`/`lookupV6` return a record pointer or NOT_FOUND. */
export class SearchTree {
  private readonly db: Uint8Array;
  private readonly nodeCount: number;
  private readonly nodeBytes: number;
  private readonly recordSize: number;
  readonly ipVersion: number;
  private readonly ipv4Root: number;
  /** Node reached after the first 16 bits of an IPv4 address (or a terminal value), filled lazily; -1 = unknown. */
  private readonly v4Prefix = new Float64Array(1 << PREFIX_BITS).fill(-1);
  /** Bits consumed to reach each v4Prefix entry (< 16 when the walk ended early). */
  private readonly v4PrefixDepth = new Uint8Array(1 << PREFIX_BITS);
  /**
   * Prefix length of the last lookupV4 (or walkV6): every address sharing its first `depth` bits with the last one
   * looked up gets the same result (the walk's path is fixed by those bits).
   */
  depth = 0;

  constructor(db: Uint8Array, shape: TreeShape) {
    if (![24, 28, 32].includes(shape.recordSize)) throw new Error(`unsupported record size ${shape.recordSize}`);
    this.db = db;
    this.nodeCount = shape.nodeCount;
    this.recordSize = shape.recordSize;
    this.nodeBytes = shape.recordSize / 4;
    this.ipVersion = shape.ipVersion;
    if (shape.nodeCount * this.nodeBytes > db.length) throw new Error("search tree larger than the file");
    let node = 0;
    if (shape.ipVersion === 6) {
      // IPv4 addresses live at ::/96 in an IPv6 tree: follow 96 left branches.
      for (let i = 0; i < 96 && node < this.nodeCount; i++) node = this.record(node, 0);
    }
    this.ipv4Root = node;
  }

  /** One of a node's two records (bit 0 = left, 1 = right). */
  private record(node: number, bit: number): number {
    const db = this.db;
    const o = node * this.nodeBytes;
    switch (this.recordSize) {
      case 24: {
        const p = o + bit * 3;
        return (db[p]! << 16) | (db[p + 1]! << 8) | db[p + 2]!;
      }
      case 28: {
        if (bit === 0) return ((db[o + 3]! & 0xf0) << 20) | (db[o]! << 16) | (db[o + 1]! << 8) | db[o + 2]!;
        return ((db[o + 3]! & 0x0f) << 24) | (db[o + 4]! << 16) | (db[o + 5]! << 8) | db[o + 6]!;
      }
      default: {
        const p = o + bit * 4;
        return ((db[p]! << 24) | (db[p + 1]! << 16) | (db[p + 2]! << 8) | db[p + 3]!) >>> 0;
      }
    }
  }

  private terminal(node: number): number {
    return node > this.nodeCount ? node : NOT_FOUND; // == nodeCount means "no data"
  }

  /** The record pointer for an IPv4 address given as an unsigned 32-bit integer. */
  lookupV4(value: number): number {
    const hi = value >>> (32 - PREFIX_BITS);
    let node = this.v4Prefix[hi]!;
    if (node < 0) {
      node = this.walk(this.ipv4Root, value, 0, PREFIX_BITS);
      this.v4Prefix[hi] = node;
      this.v4PrefixDepth[hi] = this.depth;
    } else {
      this.depth = this.v4PrefixDepth[hi]!;
    }
    if (node < this.nodeCount) node = this.walk(node, value, PREFIX_BITS, 32);
    return node < this.nodeCount ? NOT_FOUND : this.terminal(node);
  }

  /** Follows bits [from, to) of `value` (MSB first) from `node`; stops early at a terminal record; sets `depth`. */
  private walk(node: number, value: number, from: number, to: number): number {
    const db = this.db;
    const nodeCount = this.nodeCount;
    let depth = from;
    if (this.recordSize === 24) {
      // the common GeoLite2 layout, inlined: 6 bytes per node, left then right, 3 bytes each
      while (depth < to && node < nodeCount) {
        const p = node * 6 + ((value >>> (31 - depth)) & 1) * 3;
        node = (db[p]! << 16) | (db[p + 1]! << 8) | db[p + 2]!;
        depth++;
      }
    } else {
      while (depth < to && node < nodeCount) {
        node = this.record(node, (value >>> (31 - depth)) & 1);
        depth++;
      }
    }
    this.depth = depth;
    return node;
  }

  /**
   * Continues an IPv6 walk at `node`, which bits [0, depth) of the 16 bytes at `bytes[at…]` led to, and returns
   * the record pointer (or NOT_FOUND) as lookupV6 would; `path[d]` receives the node entered before reading bit d,
   * and `depth` the bits read. Callers keep `path` to resume a later walk that shares a prefix (V6Cursor).
   */
  walkV6(bytes: Uint8Array, at: number, node: number, depth: number, path: Uint32Array): number {
    const nodeCount = this.nodeCount;
    if (this.recordSize === 24) {
      const db = this.db;
      while (depth < 128 && node < nodeCount) {
        path[depth] = node;
        const p = node * 6 + ((bytes[at + (depth >>> 3)]! >>> (7 - (depth & 7))) & 1) * 3;
        node = (db[p]! << 16) | (db[p + 1]! << 8) | db[p + 2]!;
        depth++;
      }
    } else {
      while (depth < 128 && node < nodeCount) {
        path[depth] = node;
        node = this.record(node, (bytes[at + (depth >>> 3)]! >>> (7 - (depth & 7))) & 1);
        depth++;
      }
    }
    this.depth = depth;
    return node < nodeCount ? NOT_FOUND : this.terminal(node);
  }

  /** The record pointer for an IPv6 address given as 16 bytes; NOT_FOUND in an IPv4-only database. */
  lookupV6(bytes: Uint8Array): number {
    if (this.ipVersion !== 6) return NOT_FOUND;
    let node = 0;
    for (let depth = 0; depth < 128 && node < this.nodeCount; depth++) {
      node = this.record(node, (bytes[depth >>> 3]! >>> (7 - (depth & 7))) & 1);
    }
    return node < this.nodeCount ? NOT_FOUND : this.terminal(node);
  }
}

/**
 * IPv6 lookups in one tree that resume each walk at the first bit where the address parts from the previous one
 * (the nodes above it are the same), and skip the walk when the address shares every bit the previous walk read.
 * Sorted addresses share long prefixes, so most walks are short or skipped. Same results as tree.lookupV6.
 */
export class V6Cursor {
  /** path[d]: node the walks entered before reading bit d of `last`, valid for d < depth. */
  private readonly path = new Uint32Array(128);
  private readonly last = new Uint8Array(16);
  /** Bits the last walk read; -1 before the first. */
  private depth = -1;
  private pointer = NOT_FOUND;
  constructor(private readonly tree: SearchTree) {}

  /** Same as tree.lookupV6 on the 16 bytes at `bytes[at…]`. */
  lookup(bytes: Uint8Array, at: number): number {
    if (this.tree.ipVersion !== 6) return NOT_FOUND;
    const last = this.last;
    let from = 0;
    if (this.depth >= 0) {
      let b = 0;
      while (b < 16 && bytes[at + b] === last[b]) b++;
      from = b === 16 ? 128 : b * 8 + Math.clz32(bytes[at + b]! ^ last[b]!) - 24;
      if (from >= this.depth) return this.pointer;
    }
    for (let b = 0; b < 16; b++) last[b] = bytes[at + b]!;
    this.pointer = this.tree.walkV6(bytes, at, this.path[from]!, from, this.path);
    this.depth = this.tree.depth;
    return this.pointer;
  }
}
