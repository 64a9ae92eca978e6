// The crawler's heap growth. V8 lets the heap grow to up to ~4× the live data before a full collection when the machine
// has memory to spare, and a crawl allocates garbage fast (every advertised entry is parsed, keyed, written), so under
// an address flood the crawler's RSS was ~3.5× its live data (1.9 GiB measured for ~0.5 GiB live). While a crawl runs,
// V8's `--heap-growing-percent` is set to 50: a full collection whenever the heap has grown by half of what the last
// one left live, so peak heap ≈ 1.5 × live data, at the price of more frequent collections (the crawl is I/O-bound).
// The flag is read at every collection, so setting it at run time takes effect at once; it is put back to V8's default
// (0: the dynamic factor) when the last crawl of the process ends.
import v8 from "node:v8";

/** Heap growth allowed per full collection while a crawl runs, in percent of the live data. */
export const CRAWL_HEAP_GROWING_PERCENT = 50;

let holders = 0;

/** Tightens the heap growth for the duration of a crawl; returns the call that releases it (idempotent). */
export function holdTightHeap(): () => void {
  if (holders++ === 0) v8.setFlagsFromString(`--heap-growing-percent=${CRAWL_HEAP_GROWING_PERCENT}`);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    if (--holders === 0) v8.setFlagsFromString("--heap-growing-percent=0");
  };
}
