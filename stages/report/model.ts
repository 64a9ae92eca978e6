// What the HTML report shows, computed once from a run (and the run before it) and rendered without logic.

/** A labelled count with its share of the whole (0–1). */
export interface Share {
  readonly label: string;
  readonly count: number;
  readonly share: number;
}

/** Concentration of located reachable nodes over one dimension (countries or ASes), as mart_concentration has it. */
export interface Concentration {
  /** Herfindahl–Hirschman index on shares in 0–1 (×10,000 is the antitrust scale). */
  readonly hhi: number;
  /** N of the top-N share (stg_settings.top_n). */
  readonly topN: number;
  /** Share held by the N largest. */
  readonly topNShare: number;
  /** Fewest members holding more than half of the located reachable nodes. */
  readonly nakamoto: number;
  /** Located reachable nodes counted. */
  readonly located: number;
}

/** One line (or stacked layer) of a chart over runs: a value per run id. */
export interface Series {
  readonly name: string;
  readonly points: readonly { readonly runId: string; readonly value: number }[];
}

/** The network's sealed runs in the report's window and the series each trend chart draws, from the marts. */
export interface History {
  /** ISO start of the window (`--since`), or null for every run. */
  readonly since: string | null;
  /** Oldest first. */
  readonly runs: readonly { readonly runId: string; readonly startedAt: Date }[];
  /** mart_nodes_by_network_type.reachable_nodes per network type (stacked). */
  readonly networkTypes: readonly Series[];
  /** mart_user_agents.share (0–1) of the window's most common user agents. */
  readonly userAgents: readonly Series[];
  /** mart_concentration.nakamoto_coefficient, series "country" and "AS". */
  readonly nakamoto: readonly Series[];
  /** mart_concentration.hhi × 10,000, series "country" and "AS". */
  readonly hhi: readonly Series[];
  /** mart_churn.joined and left_nodes, series "joined" and "left". */
  readonly churn: readonly Series[];
}

/** The report's figures that come from the marts. */
export interface ReportMarts {
  readonly countryConcentration: Concentration | null;
  readonly asnConcentration: Concentration | null;
  readonly change: RunChange | null;
  readonly countries: readonly Share[];
  readonly asns: readonly Share[];
  readonly userAgents: readonly Share[];
  readonly reachableByNetworkType: readonly Share[];
}

/** Where the run's geography came from (the geolocate stage's databases in the manifest), for the credit line. */
export interface GeoSource {
  /** database_type of the City and ASN databases, e.g. GeoLite2-City; null when not recorded. */
  readonly cityType: string | null;
  readonly asnType: string | null;
}

/** How this run differs from the previous succeeded run of the same network. */
export interface RunChange {
  readonly previousRunId: string;
  readonly previousReachable: number;
  readonly joined: number;
  readonly left: number;
  readonly stayed: number;
}

/** Everything the report renders. */
export interface ReportData extends ReportMarts {
  readonly runId: string;
  readonly network: string;
  readonly startedAt: string;
  readonly finishedAt: string | null;
  readonly state: string;
  readonly attempted: number;
  readonly reachable: number;
  readonly discovered: number;
  readonly located: number;
  readonly outcomes: readonly Share[];
  readonly protocolVersions: readonly Share[];
  readonly places: readonly { latitude: number; longitude: number; reachable: number; unreachable: number; label: string }[];
  readonly hasGeo: boolean;
  readonly geoSource: GeoSource | null;
  /** The trend charts' data; null when the window holds fewer than two sealed runs. */
  readonly history: History | null;
}
