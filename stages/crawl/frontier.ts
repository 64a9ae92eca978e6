// The crawl frontier: addresses waiting to be visited, deduplicated by canonical address and port across the run,
// and ordered by evidence so an address flood cannot crowd out real peers. Queues, first served first:
//   seeds (DNS, --seed, previous run's reachable nodes) > advertised by ≥ 3 sources > by 2
//   > by 1, by rank: the r-th new endpoint of a reply (counted from its end) waits behind every r'-th (r' < r) of any
//   > overflow (rank ≥ PER_SOURCE_CAP)
// A single-advertiser endpoint is ordered by its rank among the new endpoints of its source's reply, so every
// source's first new endpoints go before any source's hundredth: a flood's tail waits behind every honest reply's
// few new entries whenever they arrive (fair queueing across sources), and beyond the per-source cap it waits
// behind everything. A waiting endpoint advertised again by another source moves up; first in, first out within a
// queue. The waiting endpoints are bounded by memory (`maxBytes`, estimated per entry): beyond it the newest of the
// lowest-evidence queue are dropped (counted; a later advertiser can offer them again). It holds data only.
import type { NetworkType } from "../../lib/bitcoin/index.ts";
import type { VisitSource } from "../../pipeline/schema/visits.ts";
import { EndpointMap, EndpointSet } from "./endpoints.ts";

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

/** New endpoints one source may add at single-advertiser priority; the rest of its entries go to overflow. */
export const PER_SOURCE_CAP = 250;
/** Estimated bytes one waiting endpoint holds besides its address text (entry object, map slot, queue slot); measured
 * with `node --expose-gc` over 10^6 IPv4 entries (bench/census.bench.ts prints the measurement). */
export const WAITING_ENTRY_BYTES = 175;
/** Default memory bound of the waiting endpoints: 64 MiB, ≈ 350,000 IPv4 endpoints (3.5× the ~100,000 a mainnet census
 * meets); at 128 MiB the 20,000-peer census with 10% spammers peaked at 1,071 MiB RSS, at 64 MiB at 932 MiB (idle). */
export const DEFAULT_FRONTIER_BYTES = 64 * 1024 * 1024;

const SEEDS = 0;
const MANY = 1;
const TWO = 2;
const RANK0 = 3;

interface Waiting {
  readonly address: string;
  readonly port: number;
  readonly networkType: NetworkType;
  readonly source: VisitSource;
  readonly depth: number;
  advertisedBy: number;
  /** Index of the queue it currently belongs to (copies in other queues are stale). */
  queue: number;
}

/** Counters of what the frontier refused to keep. */
export interface FrontierDrops {
  /** Entries beyond a source's cap that went to the overflow queue (still dialled, last). */
  overflowed: number;
  /** Waiting endpoints dropped because the memory bound was reached (reason: frontier_full). */
  dropped: number;
}

/** Estimated bytes a waiting endpoint with this address holds (one-byte strings: one byte per character). */
export function waitingBytes(address: string): number {
  return WAITING_ENTRY_BYTES + address.length;
}

/** Evidence-ordered queue of unvisited endpoints with run-wide dedupe. */
export class Frontier {
  private readonly done = new EndpointSet();
  private readonly waitingMap = new EndpointMap<Waiting>();
  private readonly queues: Waiting[][];
  private readonly heads: Int32Array;
  /** No queue below this index holds a live entry. */
  private first = 0;
  /** No queue above this index holds a live entry. */
  private last = 0;
  private readonly perSourceCap: number;
  private readonly overflow: number;
  private readonly maxBytes: number;
  private bytes = 0;
  readonly drops: FrontierDrops = { overflowed: 0, dropped: 0 };

  constructor(opts: { perSourceCap?: number; maxBytes?: number } = {}) {
    this.perSourceCap = Math.max(1, opts.perSourceCap ?? PER_SOURCE_CAP);
    this.maxBytes = opts.maxBytes ?? DEFAULT_FRONTIER_BYTES;
    this.overflow = RANK0 + this.perSourceCap;
    this.queues = Array.from({ length: this.overflow + 1 }, () => []);
    this.heads = new Int32Array(this.overflow + 1);
  }

  /** Distinct endpoints queued or handled so far (the run's "discovered" count; dropped ones are not). */
  get discovered(): number {
    return this.done.size + this.waitingMap.size;
  }

  /** Endpoints waiting to be visited. */
  get waiting(): number {
    return this.waitingMap.size;
  }

  /** Estimated bytes the waiting endpoints hold (bounded by maxBytes). */
  get waitingBytes(): number {
    return this.bytes;
  }

  /** The memory bound of the waiting endpoints. */
  get boundBytes(): number {
    return this.maxBytes;
  }

  /** Adds a seed (highest level) unless it was seen before; returns true when it is new. */
  add(item: FrontierItem): boolean {
    if (this.has(item.address, item.port)) return false;
    const { address, port, networkType, source, depth } = item;
    this.enqueue({ address, port, networkType, source, depth, advertisedBy: item.advertisedBy ?? 0, queue: SEEDS });
    return true;
  }

  /** Offers the entries of one source's reply (one call per source): new endpoints are queued by evidence (their rank
   * among this reply's new endpoints), known waiting ones gain an advertiser. Returns how many endpoints were new. */
  addAdvertised(entries: readonly { readonly address: string; readonly port: number; readonly networkType: NetworkType }[], depth: number): number {
    let fresh = 0;
    // Ranked from the last entry back: the last message of a getaddr exchange is the one that completed the reply
    // (reply.ts: a 1000-entry message waits for more, a shorter one settles it, and nothing after it is read), so a
    // flooder's spam must come before its real reply; ranked backwards, the reply's new entries get the low ranks.
    for (let i = entries.length - 1; i >= 0; i--) {
      const e = entries[i]!;
      const w = this.waitingMap.get(e.address, e.port);
      if (w !== undefined) {
        w.advertisedBy++;
        if (w.queue !== SEEDS) this.moveTo(w, w.advertisedBy >= 3 ? MANY : TWO);
        continue;
      }
      if (this.done.has(e.address, e.port)) continue;
      const queue = fresh < this.perSourceCap ? RANK0 + fresh : this.overflow;
      if (queue === this.overflow) this.drops.overflowed++;
      fresh++;
      this.enqueue({ address: e.address, port: e.port, networkType: e.networkType, source: "peer", depth, advertisedBy: 1, queue });
    }
    return fresh;
  }

  /** Marks an endpoint as already handled (resume), so it is never queued. */
  markSeen(address: string, port: number): void {
    this.done.add(address, port);
  }

  /** True when the endpoint is waiting or was handled. */
  has(address: string, port: number): boolean {
    return this.done.has(address, port) || this.waitingMap.get(address, port) !== undefined;
  }

  /** Takes the waiting endpoint with the most evidence (oldest first among equals), or undefined. */
  shift(): FrontierItem | undefined {
    for (; this.first < this.queues.length; this.first++) {
      const i = this.first;
      const q = this.queues[i]!;
      while (this.heads[i]! < q.length) {
        const w = q[this.heads[i]!]!;
        this.heads[i]!++;
        if (!this.live(w, i)) continue; // moved up, or dropped
        this.compact(i);
        this.waitingMap.delete(w.address, w.port);
        this.bytes -= waitingBytes(w.address);
        this.done.add(w.address, w.port);
        return w;
      }
      this.compact(i);
    }
    this.first = 0;
    this.last = 0;
    return undefined;
  }

  private live(w: Waiting, queue: number): boolean {
    return w.queue === queue && this.waitingMap.get(w.address, w.port) === w;
  }

  private moveTo(w: Waiting, queue: number): void {
    if (queue >= w.queue) return;
    w.queue = queue; // the copy in the lower queue is skipped when reached
    this.push(w);
  }

  private push(w: Waiting): void {
    this.queues[w.queue]!.push(w);
    if (w.queue < this.first) this.first = w.queue;
    if (w.queue > this.last) this.last = w.queue;
  }

  private enqueue(w: Waiting): void {
    this.waitingMap.insert(w.address, w);
    this.bytes += waitingBytes(w.address);
    this.push(w);
    while (this.bytes > this.maxBytes && this.dropLowest());
  }

  /** Drops the newest endpoint of the lowest-evidence non-empty queue (a flood's tail goes first). */
  private dropLowest(): boolean {
    for (; this.last >= 0; this.last--) {
      const i = this.last;
      const q = this.queues[i]!;
      while (q.length > this.heads[i]!) {
        const w = q.pop()!;
        if (!this.live(w, i)) continue;
        this.waitingMap.delete(w.address, w.port);
        this.bytes -= waitingBytes(w.address);
        this.drops.dropped++;
        return true;
      }
      this.compact(i);
    }
    this.last = 0;
    return false;
  }

  private compact(i: number): void {
    const q = this.queues[i]!;
    const head = this.heads[i]!;
    if (head === q.length) {
      q.length = 0;
      this.heads[i] = 0;
    } else if (head > 65_536 && head * 2 > q.length) {
      this.queues[i] = q.slice(head); // taken entries can be collected
      this.heads[i] = 0;
    }
  }
}
