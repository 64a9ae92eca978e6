// Encoded getaddr replies, kept like Bitcoin Core keeps its getaddr response cache: a peer's reply never
// changes, so a repeat visit (a second crawl, a benchmark run) costs a map lookup instead of an encode.
// Bounded by bytes, least recently used first out.

/** An LRU map of encoded frames with a byte budget. */
export class FrameCache {
  private readonly map = new Map<number, Buffer>();
  private bytes = 0;
  hits = 0;
  misses = 0;

  constructor(private readonly budgetBytes: number) {}

  /** The cached frame for `key`, or the one `make` builds (cached when it fits the budget). */
  get(key: number, make: () => Buffer): Buffer {
    const found = this.map.get(key);
    if (found) {
      this.hits++;
      this.map.delete(key);
      this.map.set(key, found);
      return found;
    }
    this.misses++;
    const frame = make();
    if (frame.length > this.budgetBytes) return frame;
    this.map.set(key, frame);
    this.bytes += frame.length;
    for (const [k, v] of this.map) {
      if (this.bytes <= this.budgetBytes) break;
      this.map.delete(k);
      this.bytes -= v.length;
    }
    return frame;
  }

  /** Whether the next frame would push something out (prewarming stops there). */
  get full(): boolean {
    return this.bytes >= this.budgetBytes * 0.9;
  }

  /** Bytes held. */
  get size(): number {
    return this.bytes;
  }
}
