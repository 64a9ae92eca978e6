// The one seeded PRNG (mulberry32) and hash: every simnet fact is a pure function of (seed, purpose, index), so any
// process can recompute any peer without shared state; topology's sampling, Louvain and synthetic graphs, and the
// benchmarks' generated data are reproducible from their seed.

/** A 32-bit avalanche hash of several 32-bit integers (murmur3 finaliser over a running mix). */
export function hash32(...parts: readonly number[]): number {
  let h = 0x9e3779b9;
  for (const part of parts) {
    let k = Math.imul(part >>> 0, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  h ^= parts.length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Purposes of independent random streams, so adding a draw for one never shifts another. */
export const STREAM = {
  behaviourShuffle: 1,
  version: 2,
  known: 3,
  reply: 4,
  ringOrder: 5,
  assign: 6,
  garbage: 7,
  flood: 8,
  port: 9,
  nonce: 10,
  overlay: 11,
} as const;

/** A small fast PRNG (mulberry32) over one 32-bit state; deterministic for its seed. */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Next uniform 32-bit unsigned integer. */
  u32(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** Uniform float in [0, 1). */
  float(): number {
    return this.u32() / 4294967296;
  }

  /** Uniform integer in [0, n) (n ≥ 1). */
  below(n: number): number {
    return Math.floor(this.float() * n);
  }

  /** Uniform integer in [lo, hi] inclusive. */
  range(lo: number, hi: number): number {
    return lo + this.below(hi - lo + 1);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.float() < p;
  }

  /** Fills `out` with random bytes. */
  fill(out: Uint8Array): Uint8Array {
    for (let i = 0; i < out.length; i += 4) {
      const v = this.u32();
      out[i] = v & 0xff;
      if (i + 1 < out.length) out[i + 1] = (v >>> 8) & 0xff;
      if (i + 2 < out.length) out[i + 2] = (v >>> 16) & 0xff;
      if (i + 3 < out.length) out[i + 3] = v >>> 24;
    }
    return out;
  }

  /** One item of a weighted table ([item, weight] pairs with positive total weight). */
  weighted<T>(table: readonly (readonly [T, number])[]): T {
    let total = 0;
    for (const [, w] of table) total += w;
    let x = this.float() * total;
    for (const [item, w] of table) {
      x -= w;
      if (x < 0) return item;
    }
    return table[table.length - 1]![0];
  }
}

/** The PRNG of one (seed, stream, index) triple. */
export function rngFor(seed: number, stream: number, index: number, extra = 0): Rng {
  return new Rng(hash32(seed, stream, index, extra));
}

/** A function returning uniform doubles in [0, 1). */
export type RandomFn = () => number;

/**
 * Uniform doubles in [0, 1) from one seed (Rng over `seed ^ 0x9e3779b9`, so seed 0 is not a weak state): the
 * form topology's sampled betweenness, Louvain and synthetic graphs take.
 */
export function seededRng(seed: number): RandomFn {
  const rng = new Rng((seed >>> 0) ^ 0x9e3779b9);
  return () => rng.float();
}

/** k distinct integers drawn uniformly from 0 … n-1 (partial Fisher–Yates); all of them, in order, when k ≥ n. */
export function sampleWithoutReplacement(n: number, k: number, rng: RandomFn): Int32Array {
  const all = new Int32Array(n);
  for (let i = 0; i < n; i++) all[i] = i;
  if (k >= n) return all;
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(rng() * (n - i));
    const t = all[i]!;
    all[i] = all[j]!;
    all[j] = t;
  }
  return all.slice(0, k);
}
