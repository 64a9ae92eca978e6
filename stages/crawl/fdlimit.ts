// Sizes the crawl's concurrency from the open-file limit and a memory budget. Node raises the soft RLIMIT_NOFILE to the
// hard limit at start (there is no JavaScript setrlimit), so we read both from /proc/self/limits, clamp, and tell the
// user how to raise the hard limit when it binds.
import { readFileSync } from "node:fs";

/** The process's open-file limits; undefined values mean unknown (not Linux) or unlimited. */
export interface FdLimits {
  readonly soft: number | undefined;
  readonly hard: number | undefined;
}

/** Reads `Max open files` from /proc/self/limits. */
export function readFdLimits(text?: string): FdLimits {
  let body = text;
  if (body === undefined) {
    try {
      body = readFileSync("/proc/self/limits", "utf8");
    } catch {
      return { soft: undefined, hard: undefined };
    }
  }
  const m = /^Max open files\s+(\S+)\s+(\S+)/m.exec(body);
  const num = (s: string | undefined) => (s === undefined || s === "unlimited" ? undefined : Number(s));
  return { soft: num(m?.[1]), hard: num(m?.[2]) };
}

/** Descriptors kept free for DuckDB, log files, the DNS resolver and sockets still closing. */
export const FD_RESERVE = 256;

/** The concurrency that fits the limit (each session holds one socket, ~10% more linger while closing). */
export function clampConcurrency(requested: number, limits: FdLimits): { concurrency: number; note?: string } {
  if (limits.soft === undefined) return { concurrency: requested };
  const fit = Math.max(1, Math.floor((limits.soft - FD_RESERVE) / 1.1));
  if (requested <= fit) return { concurrency: requested };
  const raise =
    limits.hard !== undefined && limits.hard > limits.soft
      ? `raise the soft limit (ulimit -n ${limits.hard}) to allow more`
      : `the hard limit is ${limits.hard ?? "unlimited"}; raise it (limits.conf / systemd LimitNOFILE) to allow more`;
  return {
    concurrency: fit,
    note: `concurrency ${requested} clamped to ${fit} to fit the open-file limit ${limits.soft}; ${raise}`,
  };
}

/** Memory one open session costs the crawler (socket, parser, timers, kept entries of a typical reply), measured
 * with bench/census.bench.ts's held-sessions phase; sizing divides the memory budget by it. */
export const SESSION_BYTES = 32 * 1024;

/** Memory the crawler may spend on open sessions: a quarter of the machine's memory, at most 1 GiB. */
export function memoryBudgetBytes(totalBytes: number): number {
  return Math.min(1024 ** 3, Math.floor(totalBytes / 4));
}

/** The default concurrency is never above this: past it a crawl is bound by the peers' reply timers, not slots. */
export const MAX_AUTO_CONCURRENCY = 20_000;

/** Sizes the concurrency from the open-file limit and the memory budget, or clamps a pinned `--concurrency`. */
export function sizeConcurrency(pinned: number | undefined, limits: FdLimits, budgetBytes: number): { concurrency: number; note?: string; basis: string } {
  if (pinned !== undefined) return { ...clampConcurrency(pinned, limits), basis: "--concurrency" };
  const byMemory = Math.max(1, Math.floor(budgetBytes / SESSION_BYTES));
  const byFds = limits.soft === undefined ? Number.POSITIVE_INFINITY : Math.max(1, Math.floor((limits.soft - FD_RESERVE) / 1.1));
  const concurrency = Math.min(byMemory, byFds, MAX_AUTO_CONCURRENCY);
  const mib = Math.round(budgetBytes / 1024 ** 2);
  const basis =
    concurrency === byFds
      ? `open-file limit ${limits.soft}`
      : concurrency === byMemory
        ? `memory budget ${mib} MiB / ${SESSION_BYTES / 1024} KiB per session`
        : `the cap ${MAX_AUTO_CONCURRENCY}`;
  return { concurrency, basis };
}

/** The one log line about the open-file limit. Node itself raises the soft limit to the hard one (capped at 2^20)
 * before any JavaScript runs (node.cc PlatformInit; nodejs/node#51072), so no re-exec through `ulimit -n` is needed:
 * what binds is the hard limit, which only the administrator can raise. */
export function fdLimitLine(limits: FdLimits): string {
  const soft = limits.soft ?? "unlimited";
  const hard = limits.hard ?? "unlimited";
  if (limits.soft !== undefined && limits.soft === limits.hard) return `open-file limit ${soft} (the hard limit; Node raises the soft limit to it at start)`;
  return `open-file limit ${soft} (hard ${hard})`;
}
