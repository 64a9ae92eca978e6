// How long a session waits for its getaddr reply. Bitcoin Core answers getaddr on its address-send timer, which
// fires at exponentially distributed intervals (mean 30 s), so P(reply later than W) = e^(−W/30 s). Waiting is
// cheap while slots are free and costly only when it keeps new dials from starting: the adaptive wait is long
// (210 s: 99.9% captured) without pressure and shrinks linearly to 160 s (99.5%) as dials queue up.
//
//   W(p) = W_max − (W_max − W_min) · p,   p = min(1, waiting endpoints / concurrency) when every slot is busy, else 0
//
// A session first sleeps W_min, then re-reads W(p) every RECHECK_MS and stops once it has waited W(p).
// `--getaddr-timeout` pins W to one value instead.

/** The shortest adaptive wait: 1 − e^(−160/30) = 99.52% of Core replies captured. */
export const ADAPTIVE_MIN_MS = 160_000;
/** The longest adaptive wait (no pressure): 1 − e^(−210/30) = 99.91% captured. */
export const ADAPTIVE_MAX_MS = 210_000;
/** How often a session past W_min re-reads the pressure. */
export const RECHECK_MS = 5000;
/** Mean of Bitcoin Core's address-send timer (net_processing AVG_ADDRESS_BROADCAST_INTERVAL). */
export const CORE_REPLY_MEAN_MS = 30_000;

/** A session's getaddr deadline policy: how much longer to wait after `elapsedMs` (≤ 0: stop now). */
export interface GetaddrWait {
  /** The first timer (ms after getaddr was written). */
  readonly firstMs: number;
  /** The longest it can ever wait (for the overall deadline). */
  readonly maxMs: number;
  /** Milliseconds still to wait after having waited `elapsedMs`; ≤ 0 means give up now. */
  remaining(elapsedMs: number): number;
}

/** The wait for a crawl pressure p ∈ [0, 1] (the formula above). */
export function adaptiveWaitMs(pressure: number, minMs = ADAPTIVE_MIN_MS, maxMs = ADAPTIVE_MAX_MS): number {
  const p = Number.isFinite(pressure) ? Math.min(1, Math.max(0, pressure)) : 1;
  return Math.round(maxMs - (maxMs - minMs) * p);
}

/** The crawl pressure: 0 while a slot is free, else the queue of endpoints relative to the slots. */
export function crawlPressure(inFlight: number, concurrency: number, waiting: number): number {
  if (inFlight < concurrency || waiting <= 0) return 0;
  return Math.min(1, waiting / Math.max(1, concurrency));
}

/** Share of Core getaddr replies that arrive within `waitMs` (exponential timer with mean `meanMs`). */
export function replyCapture(waitMs: number, meanMs = CORE_REPLY_MEAN_MS): number {
  return 1 - Math.exp(-waitMs / meanMs);
}

/** `--getaddr-timeout MS`: one fixed wait. */
export function pinnedWait(ms: number): GetaddrWait {
  return { firstMs: ms, maxMs: ms, remaining: (elapsed) => ms - elapsed };
}

/** The adaptive wait, reading the crawl's pressure when a session has waited at least W_min. */
export function adaptiveWait(pressure: () => number, minMs = ADAPTIVE_MIN_MS, maxMs = ADAPTIVE_MAX_MS): GetaddrWait {
  return { firstMs: minMs, maxMs, remaining: (elapsed) => adaptiveWaitMs(pressure(), minMs, maxMs) - elapsed };
}
