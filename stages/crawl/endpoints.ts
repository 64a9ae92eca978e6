// A set of endpoints (canonical address + port) keyed by the address string alone, so the hot path (millions of
// advertised entries) never builds a combined key string: most addresses have one port, a few get a small set.

/** Membership of (address, port) pairs. */
export class EndpointSet {
  private readonly map = new Map<string, number | Set<number>>();
  private count = 0;

  /** Number of distinct endpoints. */
  get size(): number {
    return this.count;
  }

  /** Adds the endpoint; returns true when it was not there before. */
  add(address: string, port: number): boolean {
    const have = this.map.get(address);
    if (have === undefined) {
      this.map.set(address, port);
    } else if (typeof have === "number") {
      if (have === port) return false;
      this.map.set(address, new Set([have, port]));
    } else {
      if (have.has(port)) return false;
      have.add(port);
    }
    this.count++;
    return true;
  }

  /** True when the endpoint was added. */
  has(address: string, port: number): boolean {
    const have = this.map.get(address);
    return have === undefined ? false : typeof have === "number" ? have === port : have.has(port);
  }
}
