// From an original crawl database in memory to the rows of one run per crawl: visits, addrs and geo. Pure (no I/O),
// so every rule is tested on its own; the rules are written out in stages/import/README.md.
import type { AddrRow } from "../../pipeline/schema/addrs.ts";
import { type GeoRow, noRecordValues, unlocatedGeoRow } from "../../pipeline/schema/geo.ts";
import type { NetworkType } from "../../lib/bitcoin/address.ts";
import type { VisitOutcome, VisitRow, VisitSource } from "../../pipeline/schema/visits.ts";
import { importedAddress } from "./address.ts";
import { crawlOf, splitCrawls, type CrawlWindow } from "./crawls.ts";
import type { OldCrawlDb, OldLocation, OldVersionEvent } from "./sqlite.ts";
import { connected, ruleOfState } from "./state.ts";

/** The rows of one crawl, ready for the run store. */
export interface PlannedRun {
  /** 0-based crawl index in the database (time order). */
  readonly index: number;
  /** When the crawl's first reply was stored (or the fallback time when the database has no edges). */
  readonly startedAt: Date;
  readonly window: CrawlWindow | null;
  readonly visits: VisitRow[];
  readonly addrs: AddrRow[];
  readonly geo: GeoRow[];
}

/** What the import found and could not carry over, for the manifest and the summary line. */
export interface PlanNotes {
  readonly nodes: number;
  /** Node rows that were another stored form of an endpoint already seen (merged). */
  readonly duplicateNodes: number;
  readonly edges: number;
  readonly versionEvents: number;
  readonly otherEvents: number;
  readonly locations: number;
  readonly hosts: number;
  /** Nodes the original flagged as miners (is_miner = 1); the lake has no column for that guess. */
  readonly minerFlags: number;
  /** Node rows per stored state value. */
  readonly states: Record<string, number>;
}

/** Every run an import writes, oldest crawl first. */
export interface ImportPlan {
  readonly runs: PlannedRun[];
  readonly notes: PlanNotes;
}

/** Options of planImport. */
export interface PlanOptions {
  /** Silence between stored replies that starts a new crawl (seconds). */
  readonly gapS: number;
  /** Date of the single run of a database without any edge (the file's modification time). */
  readonly fallbackTime: Date;
}

interface Endpoint {
  readonly address: string;
  readonly port: number;
  readonly networkType: NetworkType;
  state: number;
  source: string;
  minRowid: number;
}

interface Reply {
  time: number;
  readonly targets: Set<number>;
}

const SOURCE_RANK: Readonly<Record<string, number>> = { seed: 3, shodan: 2, peer: 1 };
const SOURCE_MAP: Readonly<Record<string, VisitSource>> = { seed: "dns_seed", shodan: "seed_arg", peer: "peer" };
const IS_SEED = (source: string) => source === "seed" || source === "shodan";

/** Builds the rows of every crawl in `db` (see the README for each rule). */
export function planImport(db: OldCrawlDb, opts: PlanOptions): ImportPlan {
  const endpoints: Endpoint[] = [];
  const byKey = new Map<string, number>();
  const epOfRow = new Map<number, number>();
  const states: Record<string, number> = {};
  let minerFlags = 0;
  for (const n of db.nodes) {
    const { address, networkType } = importedAddress(n.ip);
    const key = `${address}|${n.port}`;
    let e = byKey.get(key);
    if (e === undefined) {
      e = endpoints.push({ address, port: n.port, networkType, state: 0, source: n.source, minRowid: n.rowid }) - 1;
      byKey.set(key, e);
    }
    const ep = endpoints[e]!;
    ep.state |= n.state;
    if ((SOURCE_RANK[n.source] ?? 0) > (SOURCE_RANK[ep.source] ?? 0)) ep.source = n.source;
    ep.minRowid = Math.min(ep.minRowid, n.rowid);
    epOfRow.set(n.rowid, e);
    states[String(n.state)] = (states[String(n.state)] ?? 0) + 1;
    if (n.isMiner === 1) minerFlags++;
  }

  const windows = splitCrawls(db.edgeTime, opts.gapS);
  const crawlCount = Math.max(1, windows.length);
  const replies: Map<number, Reply>[] = Array.from({ length: crawlCount }, () => new Map());
  const firstSeen = new Int32Array(endpoints.length).fill(-1);
  const lastSource = new Int32Array(endpoints.length).fill(-1);
  for (let k = 0; k < db.edgeFrom.length; k++) {
    const t = db.edgeTime[k]!;
    const c = crawlOf(windows, t);
    const s = epOfRow.get(db.edgeFrom[k]!)!;
    const d = epOfRow.get(db.edgeTo[k]!)!;
    let reply = replies[c]!.get(s);
    if (reply === undefined) replies[c]!.set(s, (reply = { time: t, targets: new Set() }));
    reply.time = Math.max(reply.time, t);
    reply.targets.add(d);
    for (const e of [s, d]) if (firstSeen[e] === -1 || c < firstSeen[e]!) firstSeen[e] = c;
    if (c > lastSource[s]!) lastSource[s] = c;
  }
  // An endpoint in no edge belongs to the crawl of the nearest earlier node row: rowids grow in discovery order.
  const inRowOrder = endpoints.map((_, i) => i).sort((a, b) => endpoints[a]!.minRowid - endpoints[b]!.minRowid);
  let carried = 0;
  for (const e of inRowOrder) {
    if (firstSeen[e] === -1) firstSeen[e] = carried;
    else carried = firstSeen[e]!;
  }

  const versions = new Map<number, OldVersionEvent[]>();
  for (const v of db.versions) {
    const e = epOfRow.get(v.node)!;
    let list = versions.get(e);
    if (list === undefined) versions.set(e, (list = []));
    list.push(v);
  }
  const located = newestLocations(db.locations);

  const runs: PlannedRun[] = [];
  for (let c = 0; c < crawlCount; c++) {
    const window = windows[c] ?? null;
    const start = window === null ? opts.fallbackTime.getTime() / 1000 : window.first;
    const visits: VisitRow[] = [];
    const addrs: AddrRow[] = [];
    const members: { e: number; outcome: VisitOutcome; detail: string | null; at: number; reply: Reply | undefined }[] = [];
    for (const [e, reply] of replies[c]!) members.push({ e, outcome: "ok", detail: null, at: reply.time, reply });
    for (let e = 0; e < endpoints.length; e++) {
      if (firstSeen[e] !== c || replies[c]!.has(e)) continue;
      if (lastSource[e]! > c) {
        members.push({ e, outcome: "not_dialed", detail: "discovered in this crawl; fluxture crawled it in a later one", at: start, reply: undefined });
        continue;
      }
      const rule = ruleOfState(endpoints[e]!.state);
      members.push({ e, outcome: rule.outcome, detail: rule.detail, at: start, reply: undefined });
    }
    const depth = depths(members, endpoints, replies[c]!);
    for (const m of members) {
      const ep = endpoints[m.e]!;
      const reachable = m.outcome === "ok" || m.outcome === "no_addr_reply";
      const version = reachable && connected(ep.state) ? nearest(versions.get(m.e), m.at) : null;
      const parsed = version === null ? null : parseVersion(version.description);
      const entries = m.reply?.targets.size ?? 0;
      visits.push({
        address: ep.address,
        port: ep.port,
        network_type: ep.networkType,
        source: SOURCE_MAP[ep.source] ?? "peer",
        depth: depth.get(m.e) ?? 0,
        attempted_at: new Date(Math.floor(m.at) * 1000),
        outcome: m.outcome,
        error_detail: m.detail,
        protocol_error_code: null,
        timeout_phase: null,
        connect_ms: null,
        handshake_ms: null,
        getaddr_ms: null,
        protocol_version: parsed?.protocolVersion ?? null,
        services: null,
        user_agent: parsed?.userAgent ?? null,
        start_height: null,
        relay: null,
        peer_time: version === null ? null : BigInt(Math.floor(version.timestamp)),
        addr_messages: entries > 0 ? 1 : 0,
        addrs_received: entries,
      });
      for (const d of m.reply?.targets ?? []) {
        const to = endpoints[d]!;
        addrs.push({
          source_address: ep.address,
          source_port: ep.port,
          address: to.address,
          port: to.port,
          network_type: to.networkType,
          services: 0n,
          advertised_at: null,
          message: "addr",
          in_reply: true,
        });
      }
    }
    visits.sort((a, b) => a.attempted_at.getTime() - b.attempted_at.getTime() || cmp(a.address, b.address) || a.port - b.port);
    addrs.sort((a, b) => cmp(a.source_address, b.source_address) || a.source_port - b.source_port || cmp(a.address, b.address) || a.port - b.port);
    const seen = new Map<string, NetworkType>();
    for (const v of visits) seen.set(v.address, v.network_type);
    for (const a of addrs) seen.set(a.address, a.network_type);
    const locatedAt = new Date(Math.floor(start) * 1000);
    const geo = [...seen].sort((a, b) => cmp(a[0], b[0])).map(([address, type]) => located.get(address) ?? unlocatedGeoRow(address, type, locatedAt));
    runs.push({ index: c, startedAt: new Date(Math.floor(start) * 1000), window, visits, addrs, geo });
  }
  return {
    runs,
    notes: {
      nodes: db.nodes.length,
      duplicateNodes: db.nodes.length - endpoints.length,
      edges: db.edgeFrom.length,
      versionEvents: db.versions.length,
      otherEvents: db.otherEvents,
      locations: db.locations.length,
      hosts: db.hosts,
      minerFlags,
      states,
    },
  };
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Hops from the crawl's seeds over its replies (breadth first); seeds are 0, a node no seed reaches is 1. */
function depths(members: readonly { e: number }[], endpoints: readonly Endpoint[], replies: ReadonlyMap<number, Reply>): Map<number, number> {
  const depth = new Map<number, number>();
  let frontier = members.filter((m) => IS_SEED(endpoints[m.e]!.source)).map((m) => m.e);
  for (const e of frontier) depth.set(e, 0);
  for (let d = 1; frontier.length > 0; d++) {
    const next: number[] = [];
    for (const e of frontier) {
      for (const t of replies.get(e)?.targets ?? []) {
        if (!depth.has(t)) {
          depth.set(t, d);
          next.push(t);
        }
      }
    }
    frontier = next;
  }
  for (const m of members) if (!depth.has(m.e)) depth.set(m.e, 1);
  return depth;
}

/** The version event nearest to `at` (the peer's clock is the only time it has), or null. */
function nearest(list: readonly OldVersionEvent[] | undefined, at: number): OldVersionEvent | null {
  let best: OldVersionEvent | null = null;
  for (const v of list ?? []) if (best === null || Math.abs(v.timestamp - at) < Math.abs(best.timestamp - at)) best = v;
  return best;
}

/** `70016 /Satoshi:23.0.0/` → protocol version and user agent; a description without the number is all user agent. */
export function parseVersion(description: string): { protocolVersion: number | null; userAgent: string | null } {
  const m = /^(\d{1,10}) (.*)$/s.exec(description);
  if (m !== null && Number(m[1]) <= 2 ** 31 - 1) return { protocolVersion: Number(m[1]), userAgent: m[2] === "" ? null : m[2]! };
  return { protocolVersion: null, userAgent: description === "" ? null : description };
}

const clean = (v: string | null) => (v === null || v === "" || v === "None" ? null : v);

/** The newest `locations` row per canonical address (both stored forms of an IPv4 merged), as geo rows. */
function newestLocations(locations: readonly OldLocation[]): Map<string, GeoRow> {
  const newest = new Map<string, OldLocation>();
  for (const l of locations) {
    const { address } = importedAddress(l.ip);
    const prev = newest.get(address);
    if (prev === undefined || l.timestamp >= prev.timestamp) newest.set(address, l);
  }
  const out = new Map<string, GeoRow>();
  for (const [address, l] of newest) {
    const country = clean(l.countryCode);
    const city = clean(l.city);
    if (country === null && city === null && l.lat === null) continue;
    out.set(address, {
      address,
      status: "located",
      ...noRecordValues(), // what the original did not store stays null
      country_code: country,
      continent_code: clean(l.continentCode),
      city,
      latitude: l.lat,
      longitude: l.lon,
      city_db_built_at: null,
      asn_db_built_at: null,
      located_at: new Date(Math.floor(l.timestamp) * 1000),
    });
  }
  return out;
}
