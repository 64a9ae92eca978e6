// Event-loop stalls of a benchmark process: a 100 ms ticker notes every gap longer than a second (when, how long),
// so a bench can tell timeouts caused by its own busy processes from slow peers.

/** One stall: seconds since the watch began, and how long the loop was late. */
export interface Stall {
  readonly atS: number;
  readonly lateMs: number;
}

/** Watches this process's event loop; `stop()` returns the longest stalls (at most `keep`, longest first). */
export function watchStalls(keep = 5, tickMs = 100, minLateMs = 1000): { stop(): Stall[] } {
  const t0 = performance.now();
  let last = t0;
  const stalls: Stall[] = [];
  const timer = setInterval(() => {
    const now = performance.now();
    const late = now - last - tickMs;
    last = now;
    if (late < minLateMs) return;
    stalls.push({ atS: Math.round((now - late - t0) / 100) / 10, lateMs: Math.round(late) });
    stalls.sort((a, b) => b.lateMs - a.lateMs);
    stalls.length = Math.min(stalls.length, keep);
  }, tickMs);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      return stalls;
    },
  };
}

/** `12.3 s late 1500 ms, …` (or "none over 1 s"). */
export function describeStalls(stalls: readonly Stall[]): string {
  return stalls.length === 0 ? "none over 1 s" : stalls.map((s) => `at ${s.atS} s: ${(s.lateMs / 1000).toFixed(1)} s`).join(", ");
}
