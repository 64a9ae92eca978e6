// Opening a crawl's run, under the data lock withRun holds: a new run (its seeds gathered and written once), or
// with --resume the run to continue; then what the crawl continues from (stored parameters, seeds).
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { NetworkName } from "../../lib/bitcoin/networks.ts";
import { DataError, errorMessage, UsageError } from "../../pipeline/errors.ts";
import { writeFileAtomic } from "../../pipeline/fsutil.ts";
import { log } from "../../pipeline/log.ts";
import { listRuns, Run } from "../../pipeline/runs.ts";
import type { FrontierItem } from "./frontier.ts";
import { type CrawlOptions, type StoredParams, storedParams } from "./options.ts";
import { DialPolicy } from "./policy.ts";
import { gatherSeeds } from "./seeds.ts";

/** Seeds of the run, written once at creation so a resume starts from exactly the same ones. */
const SEEDS_FILE = "crawl-seeds.json";

/** A run opened for crawling; a new run's seeds come along (a resumed run's are read by startOf, inside withRun). */
export interface OpenedCrawl {
  readonly run: Run;
  readonly seeds?: readonly FrontierItem[];
}

/** What a crawl continues from. */
export interface CrawlStart {
  readonly params: StoredParams;
  readonly seeds: readonly FrontierItem[];
}

/**
 * The run this crawl writes: with `opts.resume` the run to continue (reopened `running`), else a new run whose
 * seeds are gathered first (none: a UsageError, and no run is made) and written beside its manifest.
 */
export async function openCrawlRun(opts: CrawlOptions): Promise<OpenedCrawl> {
  if (opts.resume !== undefined) {
    const id = opts.resume === true ? await newestResumable(opts.dataDir, opts.network) : opts.resume;
    const run = await Run.reopen(opts.dataDir, id, opts.network);
    log("info", `resuming run ${run.id} (${run.network}) with its recorded crawl options`);
    return { run };
  }
  const found = await gatherSeeds({
    network: opts.network,
    dataDir: opts.dataDir,
    seeds: opts.seeds,
    seedFile: opts.seedFile,
    dnsSeeds: opts.dnsSeeds,
    dnsServer: opts.dnsServer,
    previousRun: opts.previousRun,
  });
  log(
    "info",
    `seeds: ${Object.entries(found.counts)
      .map(([k, n]) => `${n} ${k}`)
      .join(", ")}`,
  );
  if (found.items.length === 0) {
    // nothing to crawl: an empty run would only look like a network with no nodes
    throw new UsageError(
      `no seeds for ${opts.network}: no address from DNS seeds, --seed, --seed-file, or reachable nodes of a previous run in ${opts.dataDir}`,
    );
  }
  const policy = DialPolicy.forNetwork(opts.network, opts.dialAllow, opts.dialDeny, opts.cjdns === true);
  const run = await Run.create(opts.dataDir, opts.network, { crawl: storedParams(opts, policy) });
  await writeFileAtomic(join(run.dir, SEEDS_FILE), JSON.stringify(found.items));
  return { run, seeds: found.items };
}

/** The stored parameters and seeds of an opened run (a resumed one's read from its folder; a DataError if absent). */
export async function startOf({ run, seeds }: OpenedCrawl): Promise<CrawlStart> {
  const params = run.manifest.options.crawl as StoredParams | undefined;
  if (params === undefined) throw new DataError(`run ${run.id} has no crawl options in its manifest; it cannot be resumed`);
  return { params, seeds: seeds ?? (await readSeedsFile(run.dir)) };
}

async function readSeedsFile(runDir: string): Promise<FrontierItem[]> {
  try {
    return JSON.parse(await readFile(join(runDir, SEEDS_FILE), "utf8")) as FrontierItem[];
  } catch (err) {
    throw new DataError(`cannot resume: ${join(runDir, SEEDS_FILE)} is missing or unreadable (${errorMessage(err)})`);
  }
}

/**
 * The run `--resume` (no id) continues: the newest running/cancelled/failed crawl run of the network that still has
 * its crawl options and crawl-seeds.json (a run without them can never resume, so it is passed over).
 */
async function newestResumable(dataDir: string, network: NetworkName | undefined): Promise<string> {
  const runs = await listRuns(dataDir, network === undefined ? {} : { network });
  for (let i = runs.length - 1; i >= 0; i--) {
    const r = runs[i]!;
    if (!["running", "cancelled", "failed"].includes(r.manifest.state)) continue;
    if (r.manifest.options.crawl !== undefined && existsSync(join(r.dir, SEEDS_FILE))) return r.id;
  }
  throw new DataError(
    `no running/cancelled/failed run in ${join(dataDir, "runs")}${network ? ` (network ${network})` : ""} can be resumed (one needs its crawl options and ${SEEDS_FILE})`,
  );
}
