// The report's cross-run figures, read from the marts (sql/marts) in a lake session over the data folder, never
// recomputed here: the run's concentration (HHI, top-N share with N from stg_settings, Nakamoto), its churn
// against the previous run, its top countries, ASes, user agents and network types, and the series over time.
import { HEADLINE_NETWORK_TYPES } from "../../lib/bitcoin/index.ts";
import type { DuckDBConnection } from "@duckdb/node-api";
import { queryRows, type RowObject } from "../../pipeline/duckdb.ts";
import type { Concentration, History, ReportMarts, RunChange, Series, Share } from "./model.ts";

/** Rows shown in the top-N tables. */
const TOP = 15;
/** Client versions drawn over time: the most common over the window. */
const TOP_AGENTS = 5;

type Params = Record<string, string>;

const shares = (rows: readonly RowObject[]): Share[] => rows.map((r) => ({ label: String(r.label), count: Number(r.n), share: Number(r.share ?? 0) }));

function concentrationOf(rows: readonly RowObject[], dimension: string): Concentration | null {
  const r = rows.find((row) => row.dimension === dimension);
  if (r === undefined) return null;
  return {
    hhi: Number(r.hhi),
    topN: Number(r.top_n),
    topNShare: Number(r.top_n_share),
    nakamoto: Number(r.nakamoto_coefficient),
    located: Number(r.located_nodes),
  };
}

/** The run's figures from the marts (empty lists and nulls when the run has no rows there, e.g. not sealed). */
export async function loadRunMarts(c: DuckDBConnection, network: string, runId: string): Promise<ReportMarts> {
  const p: Params = { network, run: runId };
  const where = "where network = $network and run_id = $run";
  const concentration = await queryRows(c, `select * from mart_concentration ${where}`, p);
  const [churn] = await queryRows(c, `select * from mart_churn ${where}`, p);
  const change: RunChange | null =
    churn === undefined
      ? null
      : {
          previousRunId: String(churn.previous_run_id),
          previousReachable: Number(churn.previous_reachable_nodes),
          joined: Number(churn.joined),
          left: Number(churn.left_nodes),
          stayed: Number(churn.stayed),
        };
  return {
    countryConcentration: concentrationOf(concentration, "country"),
    asnConcentration: concentrationOf(concentration, "asn"),
    change,
    countries: shares(
      await queryRows(
        c,
        `select coalesce(country_code, 'unknown') as label, reachable_nodes as n, share from mart_reachable_by_country ${where} order by country_rank limit ${TOP}`,
        p,
      ),
    ),
    asns: shares(
      await queryRows(
        c,
        `select coalesce('AS' || asn || coalesce(' ' || as_org, ''), 'unknown') as label, reachable_nodes as n, share
         from mart_reachable_by_asn ${where} order by asn_rank limit ${TOP}`,
        p,
      ),
    ),
    userAgents: shares(
      await queryRows(
        c,
        `select coalesce(user_agent, 'unknown') as label, reachable_nodes as n, share from mart_user_agents ${where} order by agent_rank limit ${TOP}`,
        p,
      ),
    ),
    reachableByNetworkType: shares(
      await queryRows(
        c,
        `select network_type as label, reachable_nodes as n, share_of_run_reachable as share from mart_nodes_by_network_type
         ${where} and (reachable_nodes > 0 or network_type in (${HEADLINE_NETWORK_TYPES.map((t) => `'${t}'`).join(", ")}))
         order by reachable_nodes desc, network_type`,
        p,
      ),
    ),
  };
}

function series(rows: readonly RowObject[], key: string, value: string): Series[] {
  const byName = new Map<string, Series["points"][number][]>();
  for (const r of rows) {
    const name = String(r[key]);
    let points = byName.get(name);
    if (points === undefined) byName.set(name, (points = []));
    points.push({ runId: String(r.run_id), value: Number(r[value]) });
  }
  return [...byName].map(([name, points]) => ({ name, points }));
}

/** The network's sealed runs started at or after `since` (all when null) and, given `untilRun`, no later than
 * that run (a run's report shows the network up to itself), and each chart's series over them. */
export async function loadHistory(c: DuckDBConnection, network: string, since: Date | null, untilRun?: string): Promise<History> {
  // a UTC timestamp literal (stg_runs.started_at is UTC)
  const p: Params = {
    network,
    since: (since ?? new Date(0)).toISOString().replace("T", " ").replace("Z", ""),
    ...(untilRun === undefined ? {} : { until: untilRun }),
  };
  const until = untilRun === undefined ? "" : " and started_at <= (select started_at from stg_runs where network = $network and run_id = $until)";
  const window = `network = $network and started_at >= $since::timestamp${until}`;
  const runs = await queryRows(c, `select run_id, started_at from stg_runs where ${window} order by started_at, run_id`, p);
  const types = await queryRows(
    c,
    `select run_id, network_type, reachable_nodes from mart_nodes_by_network_type where ${window}
     and network_type in (select network_type from mart_nodes_by_network_type where ${window} group by all having sum(reachable_nodes) > 0)
     order by started_at, network_type`,
    p,
  );
  const agentWindow = `select run_id, started_at, coalesce(user_agent, '(none)') as agent, reachable_nodes, share from mart_user_agents where ${window}`;
  const top = await queryRows(c, `select agent from (${agentWindow}) group by agent order by sum(reachable_nodes) desc, agent limit ${TOP_AGENTS}`, p);
  const topAgents = top.map((r) => String(r.agent));
  const agentRows = await queryRows(c, `select run_id, agent, share from (${agentWindow})`, p);
  const agents = topAgents.flatMap((agent) =>
    runs.map(
      (run): RowObject => ({ run_id: String(run.run_id), agent, share: agentRows.find((r) => r.run_id === run.run_id && r.agent === agent)?.share ?? 0 }),
    ),
  );
  const concentration = await queryRows(
    c,
    `select run_id, case dimension when 'asn' then 'AS' else 'country' end as dimension, hhi * 10000 as hhi, nakamoto_coefficient
     from mart_concentration where ${window} order by started_at, dimension desc`,
    p,
  );
  const churn = await queryRows(c, `select run_id, joined, left_nodes from mart_churn where ${window} order by started_at`, p);
  return {
    since: since === null ? null : since.toISOString(),
    runs: runs.map((r) => ({ runId: String(r.run_id), startedAt: r.started_at instanceof Date ? r.started_at : new Date(String(r.started_at)) })),
    networkTypes: series(types, "network_type", "reachable_nodes"),
    userAgents: series(agents, "agent", "share"),
    nakamoto: series(concentration, "dimension", "nakamoto_coefficient"),
    hhi: series(concentration, "dimension", "hhi"),
    churn: [
      { name: "joined", points: churn.map((r) => ({ runId: String(r.run_id), value: Number(r.joined) })) },
      { name: "left", points: churn.map((r) => ({ runId: String(r.run_id), value: Number(r.left_nodes) })) },
    ],
  };
}
