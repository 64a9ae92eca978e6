// Fits the crawl's concurrency to the open-file limit: Node cannot raise RLIMIT_NOFILE itself, so we read the soft
// and hard limits from /proc/self/limits and clamp, telling the user how to raise the limit when it binds.
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
