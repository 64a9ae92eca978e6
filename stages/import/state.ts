// The original fluxture's CrawlState bitmask (crawl_schema.py) and how a node's state maps onto our visit outcomes.
// The table below is the one documented in stages/import/README.md and docs/MIGRATING.md; a test keeps them equal.
import type { VisitOutcome } from "../../pipeline/schema/visits.ts";

/** CrawlState flags as stored (each value already includes the flags it implies, e.g. CONNECTED = 21). */
export const STATE = {
  DISCOVERED: 1,
  GEOLOCATED: 2,
  ATTEMPTED_CONNECTION: 4,
  CONNECTION_FAILED: 8,
  CONNECTED: 16,
  CONNECTION_RESET: 32,
  REQUESTED_NEIGHBORS: 64,
  GOT_NEIGHBORS: 128,
  REQUESTED_VERSION: 256,
  GOT_VERSION: 512,
} as const;

/** One rule of the mapping: the first rule whose flag is set in the state decides (rules are in precedence order). */
export interface StateRule {
  /** The bit tested; 0 matches every state (the fallback). */
  readonly flag: number;
  readonly name: string;
  readonly outcome: VisitOutcome;
  /** Written to visits.error_detail (null for ok/no_addr_reply). */
  readonly detail: string | null;
}

/**
 * State → outcome, first match wins. The flags are only ever OR-ed in, so the highest stage reached decides:
 * GOT_NEIGHBORS → ok; CONNECTION_RESET → reset; CONNECTED (with or without REQUESTED_* / GOT_VERSION) → no_addr_reply;
 * CONNECTION_FAILED or ATTEMPTED_CONNECTION alone → connect_failed (the original lumped ETIMEDOUT, ECONNREFUSED,
 * EHOSTDOWN and EHOSTUNREACH together, and other failures set no flag at all); DISCOVERED or 0 → not_dialed.
 */
export const STATE_RULES: readonly StateRule[] = [
  { flag: STATE.GOT_NEIGHBORS, name: "GOT_NEIGHBORS", outcome: "ok", detail: null },
  {
    flag: STATE.CONNECTION_RESET,
    name: "CONNECTION_RESET",
    outcome: "reset",
    detail: "fluxture CONNECTION_RESET: broken pipe or another socket error after connecting",
  },
  { flag: STATE.CONNECTED, name: "CONNECTED", outcome: "no_addr_reply", detail: null },
  {
    flag: STATE.CONNECTION_FAILED,
    name: "CONNECTION_FAILED",
    outcome: "connect_failed",
    detail: "fluxture CONNECTION_FAILED: refused, timed out or no route to host; the original did not record which",
  },
  {
    flag: STATE.ATTEMPTED_CONNECTION,
    name: "ATTEMPTED_CONNECTION",
    outcome: "connect_failed",
    detail: "fluxture ATTEMPTED_CONNECTION without a result: the dial failed without an OS error code, or the crawl stopped",
  },
  { flag: 0, name: "DISCOVERED (or 0)", outcome: "not_dialed", detail: "fluxture never attempted this node" },
];

/** The rule a state falls under. */
export function ruleOfState(state: number): StateRule {
  for (const rule of STATE_RULES) if (rule.flag === 0 || (state & rule.flag) !== 0) return rule;
  return STATE_RULES.at(-1)!;
}

/** Whether the state says the original connected to the node (a version event can belong to it). */
export function connected(state: number): boolean {
  return (state & STATE.CONNECTED) !== 0;
}
