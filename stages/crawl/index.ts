// The crawl stage's entry point: runCrawl opens a new (or, with resume, an unfinished) run under the data lock,
// crawls it from its seeds into durable visits/addrs parts and seals it. withRun (pipeline/with-run.ts) owns the
// life cycle: the lock, the crawl record (running → succeeded / failed / cancelled), the run's seal and SIGINT/SIGTERM.
// Everything the crawl needs from the CLI arrives as CrawlOptions (options.ts); the crawl itself is crawl.ts.
import { withRun } from "../../pipeline/with-run.ts";
import { type CrawlSummary, crawlRun } from "./crawl.ts";
import { holdTightHeap } from "./heap.ts";
import { openCrawlRun, type OpenedCrawl } from "./open.ts";
import { type CrawlOptions, validate } from "./options.ts";

export type { Outcome } from "./classify.ts";
export { OUTCOMES } from "./classify.ts";
export { type CrawlSummary, reachableByHeadline } from "./crawl.ts";
export type { CrawlOptions } from "./options.ts";

/**
 * Crawls `opts.network` into a new (or resumed) run and returns its summary, also when the crawl was cancelled
 * (state `cancelled`, stoppedBy `cancelled` or `max_duration`) or reached nobody (state `failed`): the run is
 * sealed either way. A crawl that throws is sealed failed (cancelled after a signal) and the error rethrown.
 */
export async function runCrawl(opts: CrawlOptions): Promise<CrawlSummary> {
  validate(opts); // bad flags fail before any lock or folder
  const started = performance.now();
  let opened: OpenedCrawl | undefined;
  const open = async () => {
    opened = await openCrawlRun(opts);
    return opened.run;
  };
  const releaseHeap = holdTightHeap(); // heap ≈ 1.5 × live data while crawling (heap.ts)
  try {
    const { summary } = await withRun({ dataDir: opts.dataDir, purpose: `crawl ${opts.network}`, open }, (ctx) => crawlRun(ctx, opened!, opts, started), {
      stage: "crawl",
      signal: opts.signal,
      end: (r) => r.end,
      note: (r) => r.note,
    });
    return summary;
  } finally {
    releaseHeap();
  }
}
