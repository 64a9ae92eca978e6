// The end of a crawl: once nothing is left to dial, the crawl only waits for the last getaddr replies, each session
// up to its getaddr wait (wait.ts, up to 210 s). Waiting longer buys little once almost every reply is in, so the
// adaptive wait ends the remaining waits together when the replies still missing are a small enough share:
//
//   end when  the frontier is empty, every session in flight is waiting for its reply, and  L + N ≤ s · (C + L + N)
//
// where C = replies captured (ok), L = handshaken sessions that ended without a reply (no_addr_reply), N = sessions
// still waiting, s = END_MISS_SHARE. Every one of L + N is counted as a missed Core reply (even a peer that would never
// answer), so the capture is then at least C / (C + L + N) ≥ 1 − s. The sessions ended are recorded as
// no_addr_reply like any other expired wait. A pinned `--getaddr-timeout` never ends early.

/** Share of replies the end-of-crawl rule may leave missing: 0.4%, a margin under the 0.5% the census target allows. */
export const END_MISS_SHARE = 0.004;

/** Reply counts the end-of-crawl rule reads. */
export interface TailCounts {
  /** Replies captured (sessions ended ok). */
  readonly captured: number;
  /** Handshaken sessions that ended without a reply (no_addr_reply). */
  readonly lost: number;
  /** Sessions still waiting for their reply. */
  readonly waiting: number;
}

/** The rule above (the caller checks that nothing is left to dial and every session in flight is waiting). */
export function tailCanEnd(c: TailCounts, share = END_MISS_SHARE): boolean {
  if (c.waiting <= 0) return false;
  return c.lost + c.waiting <= share * (c.captured + c.lost + c.waiting);
}

/** The sessions waiting for their getaddr reply, so the engine can count them and end their waits together. */
export class WaitingRoom {
  private readonly stops = new Set<() => void>();

  constructor(private readonly onChange: () => void = () => {}) {}

  /** Sessions in the room. */
  get size(): number {
    return this.stops.size;
  }

  /** A session starts waiting; `stop` ends its wait. Returns the call that takes it out (idempotent). */
  enter(stop: () => void): () => void {
    const entry = () => stop();
    this.stops.add(entry);
    this.onChange();
    return () => {
      if (this.stops.delete(entry)) this.onChange();
    };
  }

  /** Ends every wait in the room; returns how many. */
  endAll(): number {
    const all = Array.from(this.stops);
    this.stops.clear();
    for (const stop of all) stop();
    return all.length;
  }
}
