// Array helpers that work at any length: a spread into call arguments (`Math.max(...xs)`, `a.push(...xs)`) puts every
// element on the stack and throws RangeError past ~125,000 elements, which mainnet-size runs exceed.
// test/check-spreads.test.ts fails on any spread argument in production code.

/** The largest of `values` and `floor` (floor when empty); for numbers mapped from rows of any count. */
export function maxOf(values: Iterable<number>, floor = Number.NEGATIVE_INFINITY): number {
  let max = floor;
  for (const v of values) if (v > max) max = v;
  return max;
}

/** The smallest of `values` and `ceiling` (ceiling when empty). */
export function minOf(values: Iterable<number>, ceiling = Number.POSITIVE_INFINITY): number {
  let min = ceiling;
  for (const v of values) if (v < min) min = v;
  return min;
}

/** Appends every element of `source` to `target` one by one (no argument list); returns `target`. */
export function pushAll<T>(target: T[], source: Iterable<T>): T[] {
  for (const v of source) target.push(v);
  return target;
}
