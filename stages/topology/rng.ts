// A small seeded PRNG, so sampled betweenness, Louvain and the synthetic graphs are reproducible run to run.

/** A function returning uniform doubles in [0, 1). */
export type Rng = () => number;

/** mulberry32: 32-bit state, fast, good enough for sampling (not for cryptography). */
export function seededRng(seed: number): Rng {
  let a = (seed >>> 0) ^ 0x9e3779b9;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** k distinct integers drawn uniformly from 0 … n-1 (partial Fisher–Yates); all of them, in order, when k ≥ n. */
export function sampleWithoutReplacement(n: number, k: number, rng: Rng): Int32Array {
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
