// Binary search tree of a MaxMind DB ("Search Tree Section"): insertion with more-specific-wins
// overlap, merging of sibling records that point to the same data, IPv4 aliases in IPv6 trees, and
// serialisation to 24/28/32-bit records.
import { DATA_SECTION_SEPARATOR } from "./format.ts";
import { bitAt, formatNetwork, type TreeNetwork } from "./network.ts";
import { MmdbWriteError } from "./values.ts";

const EMPTY = -1; // "no data" (serialised as node_count)
const dataCode = (offset: number): number => -2 - offset; // data offsets are stored as codes ≤ -2
const isNode = (code: number): boolean => code >= 0;

/** The IPv4 alias networks MaxMind's writers add to IPv6 trees: IPv4-mapped, Teredo, 6to4. */
export const IPV4_ALIASES: readonly { readonly cidr: string; readonly bytes: readonly number[]; readonly prefixLength: number }[] = [
  { cidr: "::ffff:0:0/96", bytes: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff], prefixLength: 96 },
  { cidr: "2001::/32", bytes: [0x20, 0x01, 0, 0], prefixLength: 32 },
  { cidr: "2002::/16", bytes: [0x20, 0x02], prefixLength: 16 },
];

/** A search tree ready to serialise. */
export interface SerializedTree {
  readonly nodeCount: number;
  readonly recordSize: 24 | 28 | 32;
  readonly bytes: Uint8Array;
}

/**
 * A mutable search tree over 128-bit (ipVersion 6) or 32-bit (ipVersion 4) addresses. Callers insert
 * networks sorted by prefix length (shortest first) so a more specific network always overrides the
 * part of a less specific one it covers, whatever order the user listed them in.
 */
export class SearchTreeBuilder {
  private left = new Int32Array(1024);
  private right = new Int32Array(1024);
  private count = 0;
  private readonly ipVersion: 4 | 6;
  private readonly aliases: boolean;

  constructor(ipVersion: 4 | 6, opts: { ipv4Aliases: boolean }) {
    this.ipVersion = ipVersion;
    this.aliases = ipVersion === 6 && opts.ipv4Aliases;
    this.newNode(EMPTY);
  }

  /** Sets the records covering `net` to the data at `dataOffset`, splitting covering records on the way. */
  insert(net: TreeNetwork, dataOffset: number): void {
    let start = 0;
    if (this.ipVersion === 4) {
      if (!net.isIpv4) throw new MmdbWriteError("bad_network", `IPv6 network ${formatNetwork(net)} in an ipVersion 4 database`);
      start = 96;
    } else if (this.aliases) {
      const alias = IPV4_ALIASES.find((a) => net.prefixLength >= a.prefixLength && a.bytes.every((b, i) => net.bytes[i] === b));
      if (alias !== undefined && !net.isIpv4) {
        throw new MmdbWriteError("aliased_network", `${formatNetwork(net)} lies in ${alias.cidr}, which aliases the IPv4 tree`);
      }
    }
    if (net.prefixLength === start) {
      this.left[0] = dataCode(dataOffset); // the whole address space: both halves of the root
      this.right[0] = dataCode(dataOffset);
      return;
    }
    this.setRecord(net.bytes, start, net.prefixLength, dataCode(dataOffset));
  }

  /** Merges, aliases, numbers and serialises the tree; `dataSize` decides the smallest record size. */
  serialize(dataSize: number, recordSize?: 24 | 28 | 32): SerializedTree {
    this.merge(0);
    if (this.aliases) this.addIpv4Aliases();
    const order = this.numberNodes();
    const nodeCount = order.length;
    const maxValue = nodeCount + DATA_SECTION_SEPARATOR + dataSize;
    const size = recordSize ?? (maxValue < 2 ** 24 ? 24 : maxValue < 2 ** 28 ? 28 : 32);
    if (maxValue >= 2 ** size) {
      throw new MmdbWriteError("too_large", `${nodeCount} nodes + ${dataSize} data bytes do not fit ${size}-bit records`);
    }
    const nodeBytes = size / 4;
    const out = new Uint8Array(nodeCount * nodeBytes);
    const index = new Int32Array(this.count).fill(-1);
    order.forEach((node, i) => (index[node] = i));
    const value = (code: number): number => (isNode(code) ? (index[code] as number) : code === EMPTY ? nodeCount : nodeCount + 16 + (-2 - code));
    for (let i = 0; i < nodeCount; i++) {
      const node = order[i] as number;
      writeNode(out, i * nodeBytes, size, value(this.left[node] as number), value(this.right[node] as number));
    }
    return { nodeCount, recordSize: size, bytes: out };
  }

  private newNode(fill: number): number {
    if (this.count === this.left.length) {
      const l = new Int32Array(this.count * 2);
      const r = new Int32Array(this.count * 2);
      l.set(this.left);
      r.set(this.right);
      this.left = l;
      this.right = r;
    }
    this.left[this.count] = fill;
    this.right[this.count] = fill;
    return this.count++;
  }

  /** Walks bits [from, prefix-1) creating nodes (a covering data record is copied into both halves), then sets the last record. */
  private setRecord(bytes: Uint8Array | readonly number[], from: number, prefix: number, code: number): void {
    let node = 0;
    for (let depth = from; depth < prefix - 1; depth++) {
      const side = bitAt(bytes as Uint8Array, depth) === 1 ? this.right : this.left;
      let next = side[node] as number;
      if (!isNode(next)) {
        const child = this.newNode(next);
        // `side` may be stale after growth: write through the current array
        (bitAt(bytes as Uint8Array, depth) === 1 ? this.right : this.left)[node] = child;
        next = child;
      }
      node = next;
    }
    (bitAt(bytes as Uint8Array, prefix - 1) === 1 ? this.right : this.left)[node] = code;
  }

  /** Post-order: a node whose two records are the same data (or both empty) becomes that record. Bounded recursion: one level per address bit (≤ 128). */
  private merge(node: number): void {
    for (const side of [0, 1]) {
      const child = (side === 0 ? this.left : this.right)[node] as number;
      if (!isNode(child)) continue;
      this.merge(child);
      const l = this.left[child] as number;
      if (!isNode(l) && l === this.right[child]) (side === 0 ? this.left : this.right)[node] = l;
    }
  }

  /** Points the alias networks at whatever covers ::/96 (the IPv4 subtree's root, or its data). */
  private addIpv4Aliases(): void {
    let target = 0;
    for (let depth = 0; depth < 96; depth++) {
      target = this.left[target] as number;
      if (!isNode(target)) break;
    }
    if (target === EMPTY) return;
    for (const alias of IPV4_ALIASES) {
      const bytes = new Uint8Array(16);
      bytes.set(alias.bytes);
      this.setRecord(bytes, 0, alias.prefixLength, target);
    }
  }

  /** Reachable nodes in depth-first pre-order from the root (aliases make a DAG: each node once). */
  private numberNodes(): number[] {
    const seen = new Uint8Array(this.count);
    const order: number[] = [];
    const stack = [0];
    while (stack.length > 0) {
      const node = stack.pop() as number;
      if (seen[node] === 1) continue;
      seen[node] = 1;
      order.push(node);
      const r = this.right[node] as number;
      const l = this.left[node] as number;
      if (isNode(r) && seen[r] === 0) stack.push(r);
      if (isNode(l) && seen[l] === 0) stack.push(l);
    }
    return order;
  }
}

/** Packs one node's two records at `offset` (28-bit: the middle byte holds both records' top nibbles). */
function writeNode(out: Uint8Array, offset: number, size: number, left: number, right: number): void {
  if (size === 24) {
    out[offset] = left >>> 16;
    out[offset + 1] = left >>> 8;
    out[offset + 2] = left;
    out[offset + 3] = right >>> 16;
    out[offset + 4] = right >>> 8;
    out[offset + 5] = right;
  } else if (size === 28) {
    out[offset] = left >>> 16;
    out[offset + 1] = left >>> 8;
    out[offset + 2] = left;
    out[offset + 3] = (((left >>> 24) & 0x0f) << 4) | ((right >>> 24) & 0x0f);
    out[offset + 4] = right >>> 16;
    out[offset + 5] = right >>> 8;
    out[offset + 6] = right;
  } else {
    const view = new DataView(out.buffer, out.byteOffset + offset, 8);
    view.setUint32(0, left);
    view.setUint32(4, right);
  }
}
