// The crawl frontier: addresses waiting to be visited, first in first out (so depth grows in order), deduplicated by
// canonical address and port across the whole run. It holds data only; in-flight work is bounded elsewhere.
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
}

/** FIFO queue of unvisited endpoints with run-wide dedupe; memory is one key per distinct endpoint seen. */
export class Frontier {
  private readonly seen = new EndpointSet();
  private items: FrontierItem[] = [];
  private head = 0;

  /** Distinct endpoints ever added or marked (the run's "discovered" count). */
  get discovered(): number {
    return this.seen.size;
  }

  /** Endpoints waiting to be visited. */
  get waiting(): number {
    return this.items.length - this.head;
  }

  /** Adds an endpoint unless it was seen before; returns true when it is new. */
  add(item: FrontierItem): boolean {
    if (!this.seen.add(item.address, item.port)) return false;
    this.items.push(item);
    return true;
  }

  /** Like add, but builds the item only for a new endpoint (the hot path: advertised entries are mostly known). */
  addIfNew(address: string, port: number, make: () => FrontierItem): boolean {
    if (!this.seen.add(address, port)) return false;
    this.items.push(make());
    return true;
  }

  /** Marks an endpoint as already handled (resume), so it is never queued. */
  markSeen(address: string, port: number): void {
    this.seen.add(address, port);
  }

  /** True when the endpoint was added or marked before. */
  has(address: string, port: number): boolean {
    return this.seen.has(address, port);
  }

  /** Takes the oldest waiting endpoint, or undefined when none wait. */
  shift(): FrontierItem | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head]!;
    this.head++;
    if (this.head > 65_536 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head); // compact, so taken items can be collected
      this.head = 0;
    }
    return item;
  }
}
