// A session's named deadlines (overall, handshake, getaddr, grace). An expired deadline decides one turn of the event
// loop later (setImmediate runs after the I/O poll): libuv runs expired timers before I/O callbacks, so on a crawler
// that fell behind (a busy machine, a burst of thousands of dials) bytes or a connect that arrived in time would
// otherwise lose to their own deadline and be recorded as a timeout. Whatever the poll delivers can disarm it first.

/** Named one-shot deadlines; arming a name again replaces its deadline. */
export class Deadlines {
  private readonly timers = new Map<string, NodeJS.Timeout>();

  /** Arms deadline `name`: `fn` runs after `ms` and one more I/O poll, unless disarmed, re-armed or cleared first. */
  arm(name: string, ms: number, fn: () => void): void {
    const old = this.timers.get(name);
    if (old !== undefined) clearTimeout(old);
    const t: NodeJS.Timeout = setTimeout(
      () =>
        setImmediate(() => {
          if (this.timers.get(name) !== t) return; // disarmed, re-armed or cleared while I/O was delivered
          this.timers.delete(name);
          fn();
        }),
      ms,
    );
    this.timers.set(name, t);
  }

  /** Cancels deadline `name` (a phase ended in time). */
  disarm(name: string): void {
    const t = this.timers.get(name);
    if (t !== undefined) clearTimeout(t);
    this.timers.delete(name);
  }

  /** Cancels every deadline (the session finished). */
  clear(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }
}
