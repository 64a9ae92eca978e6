// Where the overlay benchmark's time goes and why a reachable peer was missed, read from the run's own Parquet
// (visits and addrs) against the simnet's ground truth: per network, when its peers were first advertised, how
// long they then waited for a slot (the proxy cap), their session phases, and the outcome of every miss.
import { median } from "./harness.ts";
import { quotedString } from "@duckdb/node-api";
import { openDuckDB, queryRows } from "../pipeline/duckdb.ts";
import type { GroundTruthPeer } from "../tools/simnet/ground-truth.ts";

/** One visit as the bench reads it. */
export interface BenchVisit {
  readonly address: string;
  readonly port: number;
  readonly network_type: string;
  readonly outcome: string;
  readonly timeout_phase: string | null;
  readonly error_detail: string | null;
  readonly depth: number;
  /** ms since the crawl's first dial. */
  readonly at: number;
  /** ms from the crawl's first dial to the first end of a visit whose entries listed it (null: a seed). */
  readonly found: number | null;
  readonly connect_ms: number | null;
  readonly handshake_ms: number | null;
  readonly getaddr_ms: number | null;
}

/** Reads visits with the time each was first advertised (end of the earliest session that listed it; a
 * session's end is approximated by its attempt plus its phases). */
export async function readVisits(runDir: string): Promise<BenchVisit[]> {
  const db = await openDuckDB({ threads: 1 });
  try {
    const visits = quotedString(`${runDir}/visits.parquet`);
    const addrs = quotedString(`${runDir}/addrs.parquet`);
    const rows = await queryRows(
      db.connection,
      `with v as (select *, epoch_ms(attempted_at) as at_ms,
                    epoch_ms(attempted_at) + coalesce(connect_ms, 0) + coalesce(handshake_ms, 0) + coalesce(getaddr_ms, 0) as end_ms
                  from read_parquet(${visits})),
            t0 as (select min(at_ms) as t0 from v),
            f as (select a.address, a.port, min(s.end_ms) as found_ms
                  from read_parquet(${addrs}) a join v s on s.address = a.source_address and s.port = a.source_port group by all)
       select v.address, v.port, v.network_type, v.outcome, v.timeout_phase, v.error_detail, v.depth,
              v.at_ms - t0 as at, f.found_ms - t0 as found, v.connect_ms, v.handshake_ms, v.getaddr_ms
       from v cross join t0 left join f using (address, port)`,
    );
    return rows.map((r) => ({
      address: String(r.address),
      port: Number(r.port),
      network_type: String(r.network_type),
      outcome: String(r.outcome),
      timeout_phase: r.timeout_phase === null ? null : String(r.timeout_phase),
      error_detail: r.error_detail === null ? null : String(r.error_detail),
      depth: Number(r.depth),
      at: Number(r.at),
      found: r.found === null ? null : Number(r.found),
      connect_ms: r.connect_ms === null ? null : Number(r.connect_ms),
      handshake_ms: r.handshake_ms === null ? null : Number(r.handshake_ms),
      getaddr_ms: r.getaddr_ms === null ? null : Number(r.getaddr_ms),
    }));
  } finally {
    db.close();
  }
}

function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}

const sec = (ms: number) => (ms / 1000).toFixed(1);

/** Lines describing, per network: the dial timeline (first advertised → dialled: the queue at the cap), the
 * session phases of ok visits (circuit/stream setup, handshake, reply wait), and the crawl's depth. */
export function whereTimeGoes(visits: readonly BenchVisit[], networks: readonly string[]): string[] {
  const out: string[] = [];
  for (const n of networks) {
    const all = visits.filter((v) => v.network_type === n && v.outcome !== "not_dialed" && v.outcome !== "unsupported_network");
    if (all.length === 0) continue;
    const ok = all.filter((v) => v.outcome === "ok");
    const phase = (k: "connect_ms" | "handshake_ms" | "getaddr_ms") => sec(median(ok.map((v) => v[k] ?? 0).concat(ok.length === 0 ? [0] : [])));
    const queued = all.filter((v) => v.found !== null).map((v) => Math.max(0, v.at - v.found!));
    const found = all.filter((v) => v.found !== null).map((v) => v.found!);
    const ends = all.map((v) => v.at + (v.connect_ms ?? 0) + (v.handshake_ms ?? 0) + (v.getaddr_ms ?? 0));
    out.push(
      `${n}: ${all.length} dialled, ${ok.length} ok; first advertised median ${sec(quantile(found, 0.5))} s, 99% by ${sec(quantile(found, 0.99))} s; ` +
        `advertised → dialled (waiting for a slot) median ${sec(quantile(queued, 0.5))} s, p90 ${sec(quantile(queued, 0.9))} s, max ${sec(quantile(queued, 1))} s; ` +
        `last dial at ${sec(Math.max(...all.map((v) => v.at)))} s, last end ≈ ${sec(Math.max(...ends))} s; ` +
        `ok phases (median): connect ${phase("connect_ms")} s, handshake ${phase("handshake_ms")} s, reply wait ${phase("getaddr_ms")} s; ` +
        `depth max ${Math.max(...all.map((v) => v.depth))}`,
    );
  }
  return out;
}

/** Lines naming, per network, every missed reachable peer's outcome (or that it was never dialled, with how many
 * repliers listed it in ground truth and whether any of them was captured). */
export function whyMissed(
  missed: readonly GroundTruthPeer[],
  visitOf: (p: GroundTruthPeer) => BenchVisit | undefined,
  advertisers: ReadonlyMap<string, readonly GroundTruthPeer[]>,
  captured: (p: GroundTruthPeer) => boolean,
): string[] {
  const groups = new Map<string, { count: number; sample: string }>();
  for (const p of missed) {
    const v = visitOf(p);
    let key: string;
    let sample = `${p.address}:${p.port} (${p.behaviour})`;
    if (v === undefined) {
      const by = advertisers.get(`${p.address}|${p.port}`) ?? [];
      key = `never dialled (advertised by ${by.length === 0 ? "no replier" : by.filter(captured).length === 0 ? "no captured replier" : "a captured replier"})`;
      sample += ` advertised by ${by.length}`;
    } else {
      key = `${v.outcome}${v.timeout_phase === null ? "" : `/${v.timeout_phase}`}`;
      sample += ` ${v.error_detail ?? ""} connect ${v.connect_ms} handshake ${v.handshake_ms} at ${sec(v.at)} s`;
    }
    key = `${p.network} ${key}`;
    const g = groups.get(key) ?? { count: 0, sample };
    g.count++;
    groups.set(key, g);
  }
  return [...groups].sort((a, b) => b[1].count - a[1].count).map(([k, g]) => `${k}: ${g.count} (e.g. ${g.sample})`);
}
