// Messages between the simnet parent and its worker processes, and the resource figures they report.
import type { HostStats } from "./conversation.ts";
import type { SimnetConfig } from "./model.ts";

/** Messages the parent sends a worker. */
export type ToWorker =
  | { readonly type: "start"; readonly config: SimnetConfig; readonly from: number; readonly to: number; readonly socketDir?: string }
  | { readonly type: "stats" }
  | { readonly type: "prewarm" }
  | { readonly type: "stop" };

/** Resource use of one process, as the bench and `Simnet.stats()` report it. */
export interface ProcessUsage {
  readonly pid: number;
  readonly rssBytes: number;
  /** CPU seconds (user + system) since the process started. */
  readonly cpuS: number;
}

/** Messages a worker sends its parent. */
export type FromWorker =
  | { readonly type: "ready"; readonly listening: number }
  | { readonly type: "error"; readonly message: string }
  | { readonly type: "stats"; readonly stats: HostStats; readonly usage: ProcessUsage }
  | { readonly type: "stopped" };

/** This process's RSS and CPU time. */
export function processUsage(): ProcessUsage {
  const cpu = process.cpuUsage();
  return { pid: process.pid, rssBytes: process.memoryUsage.rss(), cpuS: (cpu.user + cpu.system) / 1e6 };
}
