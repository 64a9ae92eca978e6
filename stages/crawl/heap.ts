// The crawler's heap growth. V8 lets the heap grow to up to ~4× the live data before a full collection when the machine
// has memory to spare, and a crawl allocates garbage fast (every advertised entry is parsed, keyed, written), so under
// an address flood the crawler's RSS was ~3.5× its live data (1.9 GiB measured). While a crawl runs and its heap is
// large (over TIGHT_ABOVE_BYTES), V8's `--heap-growing-percent` is set to 50: a full collection whenever the heap has
// grown by half of what the last one left live, so peak heap ≈ 1.5 × live data. Small heaps keep V8's own dynamic
// factor (a tight factor there only adds collections: a census of 20,000 peers stays near ~200 MiB of heap). The flag
// is read when a collection sets the next limit, so it takes effect one collection later (a flood's heap went from
// ~200 MiB to ~700 MiB on the limit set before, hence the mark at 256 MiB); a 1 s check switches it, with hysteresis,
// and it is put back to V8's default (0: dynamic) when the last crawl of the process ends.
import v8 from "node:v8";

/** Heap growth allowed per full collection while a crawl's heap is large, in percent of the live data. */
export const CRAWL_HEAP_GROWING_PERCENT = 50;
/** Heap size above which the growth is tightened … */
export const TIGHT_ABOVE_BYTES = 256 * 2 ** 20;
/** … and below which V8's dynamic factor is given back. */
export const LOOSE_BELOW_BYTES = 192 * 2 ** 20;

/** The growing percent for a heap of `usedBytes` given the current one (the hysteresis of the file comment). */
export function heapGrowingPercent(usedBytes: number, current: number): number {
  if (usedBytes > TIGHT_ABOVE_BYTES) return CRAWL_HEAP_GROWING_PERCENT;
  if (usedBytes < LOOSE_BELOW_BYTES) return 0;
  return current;
}

let holders = 0;
let timer: NodeJS.Timeout | undefined;
let percent = 0;

function check(): void {
  const next = heapGrowingPercent(v8.getHeapStatistics().used_heap_size, percent);
  if (next !== percent) {
    percent = next;
    v8.setFlagsFromString(`--heap-growing-percent=${percent}`);
  }
}

/** Watches the heap for the duration of a crawl; returns the call that releases it (idempotent). */
export function holdTightHeap(): () => void {
  if (holders++ === 0) {
    timer = setInterval(check, 1000);
    timer.unref();
  }
  let released = false;
  return () => {
    if (released) return;
    released = true;
    if (--holders > 0) return;
    clearInterval(timer);
    timer = undefined;
    if (percent !== 0) v8.setFlagsFromString("--heap-growing-percent=0");
    percent = 0;
  };
}
