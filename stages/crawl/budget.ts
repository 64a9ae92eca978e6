// The crawl-wide budget on bytes buffered by sessions. Each session caps what one peer can cost (8 MB, one 4 MB
// frame), but the sum is what exhausts memory: thousands of peers each stalling inside a ~4 MB frame. Sessions report
// what their frame parser holds; when the total passes the budget the crawl applies back-pressure first (every
// session holding a partial frame stops reading its socket, the engine admits no new dials), then, after a short
// settle, sheds the largest holders (each ends as protocol_error `over_buffer_budget`) until the total is at the low
// watermark; then the paused sessions read again and dials resume.

/** What the budget needs from one session. */
export interface BudgetMember {
  /** Stop reading from the socket (the kernel's receive window then stalls the peer). */
  pause(): void;
  /** Read again. */
  resume(): void;
  /** End the session now (its bytes are then released); called only for the largest holders under pressure. */
  shed(heldBytes: number, limitBytes: number): void;
}

/** Tuning of the budget; the defaults suit a crawl (sessions hold at most one 4 MB frame each). */
export interface BudgetOptions {
  /** Pressure ends when the total is at or below this fraction of the limit (default 0.75). */
  readonly lowWater?: number;
  /** How long back-pressure alone is given before the largest holders are shed (default 250 ms). */
  readonly settleMs?: number;
  /** Called whenever pressure ends (the engine wakes its dial loop). */
  readonly onRelief?: () => void;
}

/** Counters of what the budget did, for the manifest's crawl details. */
export interface BudgetStats {
  /** Most bytes held at once. */
  peakBytes: number;
  /** Times the total passed the limit (each starts back-pressure). */
  pressureEvents: number;
  /** Sessions shed (recorded protocol_error / over_buffer_budget). */
  shed: number;
}

/** Fraction of the crawl's memory budget (fdlimit.ts memoryBudgetBytes) given to buffered frames by default. */
export const BUFFER_SHARE = 0.25;

/** The default buffer budget for a memory budget: a quarter of it (256 MiB for the usual 1 GiB). */
export function defaultBufferBudgetBytes(memoryBudget: number): number {
  return Math.max(16 * 1024 ** 2, Math.floor(memoryBudget * BUFFER_SHARE));
}

/** The crawl-wide account of buffered bytes, with back-pressure and shedding. */
export class BufferBudget {
  readonly stats: BudgetStats = { peakBytes: 0, pressureEvents: 0, shed: 0 };
  private readonly held = new Map<BudgetMember, number>();
  private readonly paused = new Set<BudgetMember>();
  private totalBytes = 0;
  private pressure = false;
  private shedTimer: NodeJS.Timeout | undefined;
  private readonly lowBytes: number;
  private readonly settleMs: number;

  constructor(
    readonly limitBytes: number,
    private readonly opts: BudgetOptions = {},
  ) {
    if (!(limitBytes > 0)) throw new RangeError(`buffer budget must be positive, got ${limitBytes}`);
    this.lowBytes = Math.floor(limitBytes * (opts.lowWater ?? 0.75));
    this.settleMs = opts.settleMs ?? 250;
  }

  /** Bytes held by every member now. */
  get total(): number {
    return this.totalBytes;
  }

  /** True while the total is over the limit and not yet back at the low watermark: no new dials. */
  get pressured(): boolean {
    return this.pressure;
  }

  /** Members currently paused. */
  get pausedCount(): number {
    return this.paused.size;
  }

  /** Records that `m` now holds `bytes` (0 when it holds nothing). May pause members; never sheds synchronously. */
  set(m: BudgetMember, bytes: number): void {
    const prev = this.held.get(m) ?? 0;
    if (bytes === prev) return;
    if (bytes > 0) this.held.set(m, bytes);
    else this.held.delete(m);
    this.totalBytes += bytes - prev;
    if (this.totalBytes > this.stats.peakBytes) this.stats.peakBytes = this.totalBytes;
    if (this.pressure) {
      if (bytes > prev) this.pauseMember(m); // bytes already read when the pressure began: it stops here
      this.maybeRelieve();
    } else if (this.totalBytes > this.limitBytes) {
      this.startPressure();
    }
  }

  /** The member ended: everything it held is released. */
  release(m: BudgetMember): void {
    this.paused.delete(m);
    this.set(m, 0);
  }

  /** Stops the shed timer (the crawl is over). */
  close(): void {
    if (this.shedTimer !== undefined) clearTimeout(this.shedTimer);
    this.shedTimer = undefined;
  }

  private pauseMember(m: BudgetMember): void {
    if (this.paused.has(m)) return;
    this.paused.add(m);
    m.pause();
  }

  private startPressure(): void {
    this.pressure = true;
    this.stats.pressureEvents++;
    for (const m of this.held.keys()) this.pauseMember(m);
    this.shedTimer = setTimeout(() => this.shedLargest(), this.settleMs);
    this.shedTimer.unref();
  }

  /** Sheds the largest holders until the total is at the low watermark. */
  private shedLargest(): void {
    this.shedTimer = undefined;
    if (!this.pressure) return;
    const byHeld = [...this.held].sort((a, b) => b[1] - a[1]);
    for (const [m, bytes] of byHeld) {
      if (this.totalBytes <= this.lowBytes) break;
      this.stats.shed++;
      m.shed(bytes, this.limitBytes);
      this.release(m); // idempotent if shed already released it
    }
    this.maybeRelieve();
  }

  private maybeRelieve(): void {
    if (!this.pressure || this.totalBytes > this.lowBytes) return;
    this.pressure = false;
    this.close();
    const paused = [...this.paused];
    this.paused.clear();
    for (const m of paused) m.resume();
    this.opts.onRelief?.();
  }
}
