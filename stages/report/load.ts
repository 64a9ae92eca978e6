// Gathers the report's figures: the run's own counts and map places from its Parquet files, and everything that
// spans runs or ranks (concentration, churn, top countries/ASes/agents, network types, history) from the marts.
import { openDuckDB, queryRows, type RowObject } from "../../pipeline/duckdb.ts";
import { createRunViews } from "../../pipeline/run-views.ts";
import { DataError } from "../../pipeline/errors.ts";
import type { RunInfo } from "../../pipeline/runs.ts";
import { openLake } from "../../pipeline/sql/lake.ts";
import { loadHistory, loadRunMarts } from "./marts.ts";
import type { GeoSource, ReportData, ReportMarts, Share, History } from "./model.ts";

/** Rows shown in the top-N tables. */
const TOP = 15;

function shares(rows: readonly RowObject[], total: number): Share[] {
  return rows.map((r) => ({ label: String(r.label ?? "unknown"), count: Number(r.n), share: total === 0 ? 0 : Number(r.n) / total }));
}

/** The databases the run's geolocate stage recorded in the manifest, or null when it has no such record. */
export function geoSourceOf(run: RunInfo): GeoSource | null {
  const details = run.manifest.stages.geolocate?.details;
  if (details === undefined) return null;
  const typeOf = (db: unknown): string | null =>
    typeof db === "object" && db !== null && typeof (db as { type?: unknown }).type === "string" ? (db as { type: string }).type : null;
  return { cityType: typeOf(details.city_db), asnType: typeOf(details.asn_db) };
}

/** What the report reads from the lake for `run`: its mart rows and, over `since`, the network's history. */
export async function loadFromMarts(dataDir: string, run: RunInfo, since: Date | null): Promise<{ marts: ReportMarts; history: History | null }> {
  // a dozen mart queries: the run list and the joined nodes are computed once for them, not once each
  const lake = await openLake(dataDir, { materializeMartInputs: true });
  try {
    const marts = await loadRunMarts(lake.connection, run.network, run.id);
    const history = await loadHistory(lake.connection, run.network, since, run.id);
    return { marts, history: history.runs.length >= 2 ? history : null };
  } finally {
    await lake.close();
  }
}

/** Loads every figure of the report for `run` (in data folder `dataDir`); the trend charts cover runs since `since`.
 * A caller that already read the marts (the site, for many runs in one lake session) passes them in. */
export async function loadReportData(
  dataDir: string,
  run: RunInfo,
  since: Date | null = null,
  fromMarts?: { marts: ReportMarts; history: History | null },
): Promise<ReportData> {
  const { marts, history } = fromMarts ?? (await loadFromMarts(dataDir, run, since));
  const db = await openDuckDB();
  try {
    const c = db.connection;
    const present = await createRunViews(c, run.dir);
    if (!present.visits) throw new DataError(`run ${run.id} has no visits.parquet in ${run.dir}: was it sealed?`);
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
    const outcomes = await queryRows(c, `select outcome as label, count(*) as n from visits group by all order by n desc, label`);
    const protocols = await queryRows(
      c,
      `select coalesce(protocol_version::varchar, 'unknown') as label, count(*) as n from visits where is_reachable(outcome) group by all order by n desc, label limit ${TOP}`,
    );
    const places = await queryRows(
      c,
      `select g.latitude, g.longitude, min(coalesce(g.city || ', ', '') || coalesce(g.country_code, '')) as label,
        count(*) filter (where is_reachable(v.outcome)) as reachable,
        count(*) filter (where not is_reachable(v.outcome)) as unreachable
      from visits v join geo g using (address)
      where g.latitude is not null and g.longitude is not null
      group by g.latitude, g.longitude
      order by g.latitude, g.longitude`, // a run draws its places in one order, each labelled by one rule, every time
    );
    return {
      ...marts,
      runId: run.id,
      network: run.network,
      startedAt: run.manifest.started_at,
      finishedAt: run.manifest.finished_at,
      state: run.manifest.state,
      attempted: Number(summary!.attempted),
      reachable,
      discovered: Number(summary!.discovered),
      located: Number(summary!.located),
      outcomes: shares(
        outcomes,
        outcomes.reduce((s, r) => s + Number(r.n), 0),
      ),
      protocolVersions: shares(protocols, reachable),
      places: places.map((p) => ({
        latitude: Number(p.latitude),
        longitude: Number(p.longitude),
        reachable: Number(p.reachable),
        unreachable: Number(p.unreachable),
        label: String(p.label),
      })),
      hasGeo: present.geo,
      geoSource: present.geo ? geoSourceOf(run) : null,
      history,
    };
  } finally {
    db.close();
  }
}
