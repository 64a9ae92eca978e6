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

/** A map from (address, port) to a value that carries its own port, keyed like EndpointSet (no combined key string on
 * the hot path, one map entry per address). */
export class EndpointMap<V extends { readonly port: number }> {
  private readonly map = new Map<string, V | Map<number, V>>();
  private count = 0;

  /** Number of endpoints held. */
  get size(): number {
    return this.count;
  }

  /** The value of the endpoint, or undefined. */
  get(address: string, port: number): V | undefined {
    const have = this.map.get(address);
    if (have === undefined) return undefined;
    if (have instanceof Map) return have.get(port);
    return have.port === port ? have : undefined;
  }

  /** Sets the value of an endpoint that is not in the map (callers check with get first). */
  insert(address: string, value: V): void {
    const have = this.map.get(address);
    if (have === undefined) this.map.set(address, value);
    else if (have instanceof Map) have.set(value.port, value);
    else
      this.map.set(
        address,
        new Map([
          [have.port, have],
          [value.port, value],
        ]),
      );
    this.count++;
  }

  /** Removes the endpoint; returns true when it was there. */
  delete(address: string, port: number): boolean {
    const have = this.map.get(address);
    if (have === undefined) return false;
    if (have instanceof Map) {
      if (!have.delete(port)) return false;
      if (have.size === 0) this.map.delete(address);
    } else {
      if (have.port !== port) return false;
      this.map.delete(address);
    }
    this.count--;
    return true;
  }
}
