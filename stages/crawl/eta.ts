// The progress line's ETA: the endpoints still queued leave at the rate dials have been starting, and the last
// one dialled then takes about as long as a session has taken so far (mostly the wait for a getaddr reply).
// Endpoints discovered later are not known yet, so early estimates run short; it settles as the frontier does.

/** What the estimate reads (engine counters and the frontier size). */
export interface EtaInput {
  readonly elapsedS: number;
  /** Sessions started so far. */
  readonly dialled: number;
  /** Endpoints queued in the frontier (and local retries). */
  readonly waiting: number;
  readonly inFlight: number;
  /** Sessions that ended and their total duration. */
  readonly sessionsEnded: number;
  readonly sessionMsTotal: number;
}

/** Seconds until the crawl should end, or undefined while nothing has been measured yet. */
export function crawlEtaS(s: EtaInput): number | undefined {
  if (s.waiting === 0 && s.inFlight === 0) return 0;
  if (s.sessionsEnded === 0 || s.dialled === 0 || s.elapsedS <= 0) return undefined;
  const meanSessionS = s.sessionMsTotal / s.sessionsEnded / 1000;
  const dialRate = s.dialled / s.elapsedS;
  return s.waiting / dialRate + meanSessionS;
}

/** `1h05m`, `3m07s`, or `-` when unknown. */
export function formatEta(s: number | undefined): string {
  if (s === undefined || !Number.isFinite(s) || s < 0) return "-";
  const m = Math.floor(s / 60);
  return m >= 60 ? `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m` : `${m}m${String(Math.round(s % 60)).padStart(2, "0")}s`;
}
