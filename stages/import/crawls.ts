// Telling the crawls of one database apart. The original kept no crawl id: every getaddr reply it stored is a set of
// `edges` rows sharing the reply's timestamp, and replies arrive continuously while a crawl runs. So the edge
// timestamps, sorted, form one dense cluster per crawl; a silence longer than the gap threshold separates two crawls.

/** Default silence (seconds) between two stored replies that starts a new crawl: one hour. */
export const DEFAULT_CRAWL_GAP_S = 3600;

/** One crawl found in the edges: the first and last reply timestamps (unix seconds). */
export interface CrawlWindow {
  readonly index: number;
  readonly first: number;
  readonly last: number;
}

/** Splits sorted-or-not edge timestamps into crawls wherever consecutive distinct timestamps are more than `gapS` apart. */
export function splitCrawls(edgeTime: Float64Array, gapS: number = DEFAULT_CRAWL_GAP_S): CrawlWindow[] {
  if (edgeTime.length === 0) return [];
  const sorted = Float64Array.from(edgeTime).sort();
  const out: CrawlWindow[] = [];
  let first = sorted[0]!;
  let prev = first;
  for (let k = 1; k < sorted.length; k++) {
    const t = sorted[k]!;
    if (t - prev > gapS) {
      out.push({ index: out.length, first, last: prev });
      first = t;
    }
    prev = t;
  }
  out.push({ index: out.length, first, last: prev });
  return out;
}

/** The crawl a timestamp falls in (windows are sorted and disjoint; every edge timestamp lies in one). */
export function crawlOf(windows: readonly CrawlWindow[], t: number): number {
  let lo = 0;
  let hi = windows.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (windows[mid]!.first <= t) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
