// Computes the report's figures from a run's Parquet files (and the previous succeeded run of its network).
import { existsSync } from "node:fs";
import { join } from "node:path";
import { openDuckDB, queryRows, sqlString, type RowObject } from "../../pipeline/duckdb.ts";
import { createRunViews } from "../../pipeline/run-views.ts";
import { DataError } from "../../pipeline/errors.ts";
import { listRuns, type RunInfo } from "../../pipeline/runs.ts";
import { concentration, type ReportData, type RunChange, type Share } from "./model.ts";

/** Rows shown in the top-N tables. */
const TOP = 15;

function shares(rows: readonly RowObject[], total: number): Share[] {
  return rows.map((r) => ({ label: String(r.label ?? "unknown"), count: Number(r.n), share: total === 0 ? 0 : Number(r.n) / total }));
}

/** The previous succeeded run of the same network, if any. */
async function previousRun(dataDir: string, run: RunInfo): Promise<RunInfo | undefined> {
  const earlier = (await listRuns(dataDir, { network: run.network })).filter((r) => r.id < run.id && r.manifest.state === "succeeded");
  return earlier[earlier.length - 1];
}

/** Loads every figure of the report for `run` (in data folder `dataDir`). */
export async function loadReportData(dataDir: string, run: RunInfo): Promise<ReportData> {
  const prev = await previousRun(dataDir, run);
  const db = await openDuckDB();
  try {
    const c = db.connection;
    const present = await createRunViews(c, run.dir);
    if (!present.visits) throw new DataError(`run ${run.id} has no visits.parquet in ${run.dir}: was it sealed?`);
    const hasGeo = present.geo;
    const [summary] = await queryRows(
      c,
      `
      with seen as (
        select address, port from visits
        union
        select address, port from addrs
      )
      select
        (select count(*) from visits where outcome not in ('not_dialed', 'unsupported_network')) as attempted,
        (select count(*) from visits where is_reachable(outcome)) as reachable,
        (select count(*) from seen) as discovered,
        (select count(*) from visits v join geo g using (address) where is_reachable(v.outcome) and g.latitude is not null) as located`,
    );
    const reachable = Number(summary!.reachable);
    const attempted = Number(summary!.attempted);
    const q = (sql: string) => queryRows(c, sql);
    const byType = await q(`select network_type as label, count(*) as n from visits where is_reachable(outcome) group by all order by n desc, label`);
    const outcomes = await q(`select outcome as label, count(*) as n from visits group by all order by n desc, label`);
    const countries = await q(
      `select coalesce(g.country_code, 'unknown') as label, count(*) as n from visits v left join geo g using (address) where is_reachable(v.outcome) group by all order by n desc, label`,
    );
    const asns = await q(
      `select coalesce('AS' || g.asn || coalesce(' ' || g.as_org, ''), 'unknown') as label, count(*) as n from visits v left join geo g using (address) where is_reachable(v.outcome) group by all order by n desc, label`,
    );
    const agents = await q(
      `select coalesce(user_agent, 'unknown') as label, count(*) as n from visits where is_reachable(outcome) group by all order by n desc, label limit ${TOP}`,
    );
    const protocols = await q(
      `select coalesce(protocol_version::varchar, 'unknown') as label, count(*) as n from visits where is_reachable(outcome) group by all order by n desc, label limit ${TOP}`,
    );
    const places = await q(`
      select g.latitude, g.longitude, any_value(coalesce(g.city || ', ', '') || coalesce(g.country_code, '')) as label,
        count(*) filter (where is_reachable(v.outcome)) as reachable,
        count(*) filter (where not is_reachable(v.outcome)) as unreachable
      from visits v join geo g using (address)
      where g.latitude is not null and g.longitude is not null
      group by g.latitude, g.longitude`);
    let change: RunChange | null = null;
    if (prev !== undefined && existsSync(join(prev.dir, "visits.parquet"))) {
      const [row] = await q(`
        with now_ok as (
          select distinct address, port from visits where is_reachable(outcome)
        ),
        before_ok as (
          select distinct address, port from read_parquet(${sqlString(join(prev.dir, "visits.parquet"))}) where is_reachable(outcome)
        )
        select
          (select count(*) from before_ok) as previous_reachable,
          (select count(*) from now_ok anti join before_ok using (address, port)) as joined,
          (select count(*) from before_ok anti join now_ok using (address, port)) as left_,
          (select count(*) from now_ok semi join before_ok using (address, port)) as stayed`);
      change = {
        previousRunId: prev.id,
        previousReachable: Number(row!.previous_reachable),
        joined: Number(row!.joined),
        left: Number(row!.left_),
        stayed: Number(row!.stayed),
      };
    }
    const known = (rows: RowObject[]) => rows.filter((r) => r.label !== "unknown").map((r) => Number(r.n));
    return {
      runId: run.id,
      network: run.network,
      startedAt: run.manifest.started_at,
      finishedAt: run.manifest.finished_at,
      state: run.manifest.state,
      attempted,
      reachable,
      discovered: Number(summary!.discovered),
      located: Number(summary!.located),
      reachableByNetworkType: shares(byType, reachable),
      outcomes: shares(
        outcomes,
        outcomes.reduce((s, r) => s + Number(r.n), 0),
      ),
      countries: shares(countries.slice(0, TOP), reachable),
      asns: shares(asns.slice(0, TOP), reachable),
      userAgents: shares(agents, reachable),
      protocolVersions: shares(protocols, reachable),
      countryConcentration: hasGeo ? concentration(known(countries)) : null,
      asnConcentration: hasGeo ? concentration(known(asns)) : null,
      change,
      places: places.map((p) => ({
        latitude: Number(p.latitude),
        longitude: Number(p.longitude),
        reachable: Number(p.reachable),
        unreachable: Number(p.unreachable),
        label: String(p.label),
      })),
      hasGeo,
    };
  } finally {
    db.close();
  }
}
