// The simnet's address-block plan: expands block specs (CIDRs, bare addresses, or a base split into
// equal blocks) into canonical, sorted, de-duplicated networks, and a seeded PRNG to deal them out.
import { createHash } from "node:crypto";
import { formatNetwork, parseNetwork, type TreeNetwork } from "../../../lib/mmdb/network.ts";
import { MmdbWriteError } from "../../../lib/mmdb/values.ts";

/**
 * One entry of the plan: a CIDR (`127.42.1.0/24`), a bare address (`127.42.0.7` = its /32), or a base
 * split into consecutive blocks of `prefixLength` (IPv4 lengths for IPv4 bases), the first `count` of them
 * (default: all).
 */
export type GeoBlockSpec = string | { readonly base: string; readonly prefixLength: number; readonly count?: number };

/** Upper bound on the number of blocks one plan may expand to. */
export const MAX_BLOCKS = 1_000_000;

/** A canonical block: its text and tree coordinates. */
export interface PlannedBlock {
  readonly cidr: string;
  readonly net: TreeNetwork;
}

function toBig(bytes: Uint8Array): bigint {
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return v;
}

function fromBig(value: bigint): Uint8Array {
  const out = new Uint8Array(16);
  let v = value;
  for (let i = 15; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

function expand(spec: GeoBlockSpec, out: PlannedBlock[]): void {
  if (typeof spec === "string") {
    const net = parseNetwork(spec);
    out.push({ cidr: formatNetwork(net), net });
    return;
  }
  const base = parseNetwork(spec.base);
  const treeLength = spec.prefixLength + (base.isIpv4 ? 96 : 0);
  if (!Number.isInteger(spec.prefixLength) || treeLength < base.prefixLength || treeLength > 128) {
    throw new MmdbWriteError("bad_option", `block prefix /${spec.prefixLength} does not fit inside ${formatNetwork(base)}`);
  }
  const available = 2n ** BigInt(treeLength - base.prefixLength);
  const count = spec.count === undefined ? available : BigInt(spec.count);
  if (count < 0n || count > available)
    throw new MmdbWriteError("bad_option", `${formatNetwork(base)} holds ${available} /${spec.prefixLength} blocks, not ${count}`);
  if (count + BigInt(out.length) > BigInt(MAX_BLOCKS)) throw new MmdbWriteError("too_large", `block plan exceeds ${MAX_BLOCKS} blocks`);
  const start = toBig(base.bytes);
  const step = 1n << BigInt(128 - treeLength);
  for (let i = 0n; i < count; i++) {
    const net: TreeNetwork = { bytes: fromBig(start + i * step), prefixLength: treeLength, isIpv4: base.isIpv4 };
    out.push({ cidr: formatNetwork(net), net });
  }
}

/** Expands, de-duplicates and sorts (by prefix length, then address) a block plan; input order is irrelevant. */
export function expandBlocks(specs: readonly GeoBlockSpec[]): PlannedBlock[] {
  const all: PlannedBlock[] = [];
  for (const spec of specs) expand(spec, all);
  if (all.length > MAX_BLOCKS) throw new MmdbWriteError("too_large", `block plan exceeds ${MAX_BLOCKS} blocks`);
  const keyed = all.map((b) => ({ b, key: Buffer.from(b.net.bytes).toString("hex") }));
  keyed.sort((x, y) => x.b.net.prefixLength - y.b.net.prefixLength || (x.key < y.key ? -1 : x.key > y.key ? 1 : 0));
  const out: PlannedBlock[] = [];
  for (let i = 0; i < keyed.length; i++) {
    const cur = keyed[i] as { b: PlannedBlock; key: string };
    const prev = keyed[i - 1];
    if (prev !== undefined && prev.key === cur.key && prev.b.net.prefixLength === cur.b.net.prefixLength) continue;
    out.push(cur.b);
  }
  return out;
}

/** A small seeded PRNG (sfc32, state from SHA-256 of the seed and a label): floats in [0, 1). */
export function seededRandom(seed: number | string, label: string): () => number {
  const digest = createHash("sha256")
    .update(`${String(seed)}\u0000${label}`)
    .digest();
  let a = digest.readUInt32BE(0);
  let b = digest.readUInt32BE(4);
  let c = digest.readUInt32BE(8);
  let d = digest.readUInt32BE(12);
  return () => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
}

/**
 * Largest-remainder apportionment of `n` items over `weights`: counts that sum to `n` and are each
 * within 1 of n·w/Σw. Ties go to the earlier weight, so the result is deterministic.
 */
export function apportion(n: number, weights: readonly number[]): number[] {
  const total = weights.reduce((s, w) => s + w, 0);
  if (n === 0 || total <= 0) return weights.map(() => 0);
  const quotas = weights.map((w) => (n * w) / total);
  const counts = quotas.map(Math.floor);
  let left = n - counts.reduce((s, c) => s + c, 0);
  const order = quotas.map((q, i) => ({ i, frac: q - Math.floor(q) })).sort((x, y) => y.frac - x.frac || x.i - y.i);
  for (const { i } of order) {
    if (left === 0) break;
    counts[i] = (counts[i] as number) + 1;
    left--;
  }
  return counts;
}

/** Fisher–Yates shuffle in place with the given PRNG. */
export function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const tmp = items[i] as T;
    items[i] = items[j] as T;
    items[j] = tmp;
  }
  return items;
}
