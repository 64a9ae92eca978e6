// The crawl frontier: addresses waiting to be visited, deduplicated by canonical address and port across the run,
// and ordered by evidence so an address flood cannot crowd out real peers. Levels, highest first:
//   seeds (DNS, --seed, previous run) > advertised by ≥ 3 sources > by 2 > by 1 > overflow
// where overflow holds what one source offered beyond its per-source cap (PER_SOURCE_CAP new endpoints per reply).
// A waiting endpoint advertised again by another source moves up; first in, first out within a level. When more
// than `maxWaiting` endpoints wait, the newest of the lowest level are dropped (counted; a later advertiser can
// offer them again). It holds data only; in-flight work is bounded elsewhere.
import type { NetworkType } from "../../lib/bitcoin/index.ts";
import type { VisitSource } from "../../pipeline/schema/visits.ts";
import { EndpointSet } from "./endpoints.ts";

/** One address the crawler knows about and how it learned it. */
export interface FrontierItem {
  readonly address: string;
  readonly port: number;
  readonly networkType: NetworkType;
  readonly source: VisitSource;
  /** Hops from a seed (seeds are 0). */
  readonly depth: number;
  /** Distinct sources whose entries listed it before it was taken (visits.advertised_by); undefined for seeds. */
  readonly advertisedBy?: number;
}

/** New endpoints one source may add at normal priority; the rest of its entries go to the overflow level. */
export const PER_SOURCE_CAP = 250;
/** Default bound on waiting endpoints (~200 B each: ~200 MB at the bound). */
export const DEFAULT_MAX_WAITING = 1_000_000;

const OVERFLOW = 0;
const SEEDS = 4;
const LEVELS = 5;

interface Waiting {
  readonly address: string;
  readonly port: number;
  readonly networkType: NetworkType;
  readonly source: VisitSource;
  readonly depth: number;
  advertisedBy: number;
  level: number;
}

/** Counters of what the frontier refused to keep. */
export interface FrontierDrops {
  /** Entries beyond a source's cap that went to the overflow level (still dialled, last). */
  overflowed: number;
  /** Waiting endpoints dropped because more than maxWaiting waited (reason: frontier_full). */
  dropped: number;
}

const keyOf = (address: string, port: number) => `${port} ${address}`;

/** Evidence-ordered queue of unvisited endpoints with run-wide dedupe. */
export class Frontier {
  private readonly done = new EndpointSet();
  private readonly waitingByKey = new Map<string, Waiting>();
  private readonly levels: Waiting[][] = Array.from({ length: LEVELS }, () => []);
  private readonly heads = new Int32Array(LEVELS);
  private readonly perSourceCap: number;
  private readonly maxWaiting: number;
  readonly drops: FrontierDrops = { overflowed: 0, dropped: 0 };

  constructor(opts: { perSourceCap?: number; maxWaiting?: number } = {}) {
    this.perSourceCap = opts.perSourceCap ?? PER_SOURCE_CAP;
    this.maxWaiting = opts.maxWaiting ?? DEFAULT_MAX_WAITING;
  }

  /** Distinct endpoints queued or handled so far (the run's "discovered" count; dropped ones are not). */
  get discovered(): number {
    return this.done.size + this.waitingByKey.size;
  }

  /** Endpoints waiting to be visited. */
  get waiting(): number {
    return this.waitingByKey.size;
  }

  /** Adds a seed (highest level) unless it was seen before; returns true when it is new. */
  add(item: FrontierItem): boolean {
    if (this.has(item.address, item.port)) return false;
    this.enqueue({ ...item, advertisedBy: item.advertisedBy ?? 0, level: SEEDS });
    return true;
  }

  /** Offers the entries of one source's reply (one call per source): new endpoints are queued by evidence, known
   * waiting ones gain an advertiser. Returns how many endpoints were new. */
  addAdvertised(entries: readonly { readonly address: string; readonly port: number; readonly networkType: NetworkType }[], depth: number): number {
    let fresh = 0;
    for (const e of entries) {
      const key = keyOf(e.address, e.port);
      const w = this.waitingByKey.get(key);
      if (w !== undefined) {
        w.advertisedBy++;
        const level = w.level === SEEDS ? SEEDS : Math.min(3, w.advertisedBy);
        if (level > w.level) {
          w.level = level;
          this.levels[level]!.push(w); // the copy in the lower level is skipped when reached
        }
        continue;
      }
      if (this.done.has(e.address, e.port)) continue;
      const level = fresh < this.perSourceCap ? 1 : OVERFLOW;
      if (level === OVERFLOW) this.drops.overflowed++;
      fresh++;
      this.enqueue({ address: e.address, port: e.port, networkType: e.networkType, source: "peer", depth, advertisedBy: 1, level });
    }
    return fresh;
  }

  /** Marks an endpoint as already handled (resume), so it is never queued. */
  markSeen(address: string, port: number): void {
    this.done.add(address, port);
  }

  /** True when the endpoint is waiting or was handled. */
  has(address: string, port: number): boolean {
    return this.done.has(address, port) || this.waitingByKey.has(keyOf(address, port));
  }

  /** Takes the waiting endpoint with the most evidence (oldest first among equals), or undefined. */
  shift(): FrontierItem | undefined {
    for (let level = LEVELS - 1; level >= 0; level--) {
      const q = this.levels[level]!;
      while (this.heads[level]! < q.length) {
        const w = q[this.heads[level]!]!;
        this.heads[level]!++;
        if (w.level !== level || this.waitingByKey.get(keyOf(w.address, w.port)) !== w) continue; // moved up, or dropped
        this.compact(level);
        this.waitingByKey.delete(keyOf(w.address, w.port));
        this.done.add(w.address, w.port);
        return w;
      }
      this.compact(level);
    }
    return undefined;
  }

  private enqueue(w: Waiting): void {
    this.waitingByKey.set(keyOf(w.address, w.port), w);
    this.levels[w.level]!.push(w);
    if (this.waitingByKey.size > this.maxWaiting) this.dropLowest();
  }

  /** Drops the newest endpoint of the lowest non-empty level (a flood's tail goes first). */
  private dropLowest(): void {
    for (let level = 0; level < LEVELS; level++) {
      const q = this.levels[level]!;
      while (q.length > this.heads[level]!) {
        const w = q.pop()!;
        if (w.level !== level) continue;
        const key = keyOf(w.address, w.port);
        if (this.waitingByKey.get(key) !== w) continue;
        this.waitingByKey.delete(key);
        this.drops.dropped++;
        return;
      }
    }
  }

  private compact(level: number): void {
    const q = this.levels[level]!;
    const head = this.heads[level]!;
    if (head === q.length) {
      q.length = 0;
      this.heads[level] = 0;
    } else if (head > 65_536 && head * 2 > q.length) {
      this.levels[level] = q.slice(head); // taken entries can be collected
      this.heads[level] = 0;
    }
  }
}
