// Shared benchmark helpers: run a measurement several times and report the median, as the standards require.

/** Median of a non-empty list of numbers. */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error("median of nothing");
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Times `fn` `runs` times (after `warmup` untimed runs) and returns the wall-clock seconds of each run. */
export async function timeRuns(fn: () => unknown, runs = 5, warmup = 1): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await fn();
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const gc = (globalThis as { gc?: () => void }).gc;
    if (gc) gc();
    const t0 = process.hrtime.bigint();
    await fn();
    out.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return out;
}

/** Prints one result line: `name: median value unit (runs: a, b, c) [target …: PASS|MISS]`. */
export function report(name: string, values: readonly number[], unit: string, target?: { min?: number; max?: number }): void {
  const m = median(values);
  const fmt = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(0) : v.toPrecision(3));
  let line = `${name}: median ${fmt(m)} ${unit} (runs: ${values.map(fmt).join(", ")})`;
  if (target) {
    const ok = (target.min === undefined || m >= target.min) && (target.max === undefined || m <= target.max);
    const bound = target.min !== undefined ? `≥ ${target.min}` : `≤ ${target.max}`;
    line += ` [target ${bound} ${unit}: ${ok ? "PASS" : "MISS"}]`;
  }
  console.log(line);
}

/** Peak resident set size of this process so far, in MiB (Linux: VmHWM). */
export async function peakRssMiB(): Promise<number> {
  const { readFile } = await import("node:fs/promises");
  const status = await readFile("/proc/self/status", "utf8");
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? "0");
  return kb / 1024;
}
