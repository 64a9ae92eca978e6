// Crash-window test hook: numbered file-system steps of the seal, so a test can SIGKILL the process at any one.
//
// FLUXTURE_FAULT_KILL_AT=N kills this process with SIGKILL just before its N-th step; FLUXTURE_FAULT_TRACE=FILE
// appends `N label` for every step. Unset (always, outside tests), a step costs one env lookup.
import { appendFileSync } from "node:fs";

let steps = 0;

/** Marks the next durable file-system step (`label` names it); see the file comment. */
export function faultPoint(label: string): void {
  const killAt = process.env.FLUXTURE_FAULT_KILL_AT;
  const trace = process.env.FLUXTURE_FAULT_TRACE;
  if (killAt === undefined && trace === undefined) return;
  steps++;
  if (trace !== undefined) appendFileSync(trace, `${steps} ${label}\n`);
  if (killAt !== undefined && Number(killAt) === steps) process.kill(process.pid, "SIGKILL");
}
