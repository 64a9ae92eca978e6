// What the HTML report shows, computed once from a run (and the run before it) and rendered without logic.

/** A labelled count with its share of the whole (0–1). */
export interface Share {
  readonly label: string;
  readonly count: number;
  readonly share: number;
}

/** Concentration of reachable nodes over one dimension (countries or ASes). */
export interface Concentration {
  /** Herfindahl–Hirschman index on shares in 0–1 (×10,000 is the antitrust scale). */
  readonly hhi: number;
  /** Share held by the five largest. */
  readonly top5Share: number;
  /** Fewest members holding more than half of the reachable nodes. */
  readonly nakamoto: number;
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
export interface ReportData {
  readonly runId: string;
  readonly network: string;
  readonly startedAt: string;
  readonly finishedAt: string | null;
  readonly state: string;
  readonly attempted: number;
  readonly reachable: number;
  readonly discovered: number;
  readonly located: number;
  readonly reachableByNetworkType: readonly Share[];
  readonly outcomes: readonly Share[];
  readonly countries: readonly Share[];
  readonly asns: readonly Share[];
  readonly userAgents: readonly Share[];
  readonly protocolVersions: readonly Share[];
  readonly countryConcentration: Concentration | null;
  readonly asnConcentration: Concentration | null;
  readonly change: RunChange | null;
  readonly places: readonly { latitude: number; longitude: number; reachable: number; unreachable: number; label: string }[];
  readonly hasGeo: boolean;
}

/** Concentration figures from member counts (any order). */
export function concentration(counts: readonly number[]): Concentration | null {
  const total = counts.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  const sorted = [...counts].sort((a, b) => b - a);
  const hhi = sorted.reduce((sum, c) => sum + (c / total) ** 2, 0);
  const top5Share = sorted.slice(0, 5).reduce((a, b) => a + b, 0) / total;
  let cumulative = 0;
  let nakamoto = 0;
  for (const c of sorted) {
    cumulative += c;
    nakamoto++;
    if (cumulative * 2 > total) break;
  }
  return { hhi, top5Share, nakamoto };
}
