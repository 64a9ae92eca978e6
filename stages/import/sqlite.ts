// Reads an original fluxture crawl database (SQLite, written by trailofbits/fluxture's crawl_schema.py) through
// better-sqlite3, checking first that it is one: any problem is a DataError naming the file, before anything is written.
import { statSync } from "node:fs";
import Database from "better-sqlite3";
import { DataError, errorMessage } from "../../pipeline/errors.ts";
import { isSqliteFile } from "./detect.ts";

/** A `nodes` row: `ip` is 16 bytes in network order, `state` the CrawlState bitmask. */
export interface OldNode {
  readonly rowid: number;
  readonly ip: Uint8Array;
  readonly port: number;
  readonly isMiner: number;
  readonly state: number;
  readonly source: string;
}

/** A `version` row of `events`: the peer's clock and `<protocol version> <user agent>`. */
export interface OldVersionEvent {
  readonly node: number;
  readonly timestamp: number;
  readonly description: string;
}

/** A `locations` row (MaxMind City lookup made by the original). */
export interface OldLocation {
  readonly ip: Uint8Array;
  readonly city: string | null;
  readonly countryCode: string | null;
  readonly continentCode: string | null;
  readonly lat: number | null;
  readonly lon: number | null;
  readonly timestamp: number;
}

/** The whole database in memory: edges as parallel typed arrays (they are the bulk). */
export interface OldCrawlDb {
  readonly nodes: readonly OldNode[];
  readonly edgeFrom: Int32Array;
  readonly edgeTo: Int32Array;
  /** Unix seconds of each edge (one per getaddr reply the original stored). */
  readonly edgeTime: Float64Array;
  readonly versions: readonly OldVersionEvent[];
  /** Events other than `version` (the original wrote none; counted so the manifest can say so). */
  readonly otherEvents: number;
  readonly locations: readonly OldLocation[];
  /** Rows of `hosts` (Shodan ISP/OS data), which have no column in the lake. */
  readonly hosts: number;
}

/** Tables and columns the original's schema has (crawl_schema.py); a file lacking one is not a fluxture database. */
export const FLUXTURE_TABLES: Readonly<Record<string, readonly string[]>> = {
  nodes: ["ip", "port", "is_miner", "state", "source"],
  edges: ["from_node", "to_node", "timestamp"],
  events: ["node", "timestamp", "event", "description"],
  locations: ["ip", "city", "country_code", "continent_code", "lat", "lon", "timestamp"],
  hosts: ["ip", "isp", "os", "timestamp"],
};

/** A problem with the file itself: not SQLite, corrupt, or not the original's schema. */
export class CrawlDbError extends DataError {}

function bad(path: string, problem: string): CrawlDbError {
  return new CrawlDbError(`${path}: ${problem}`);
}

function num(v: unknown): number | null {
  if (v === null || v === undefined) return null;
  const n = typeof v === "bigint" ? Number(v) : Number(v);
  return Number.isFinite(n) ? n : null;
}

function text(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === "string") return v;
  if (v instanceof Uint8Array) return Buffer.from(v).toString("utf8");
  return String(v);
}

function ipBytes(path: string, table: string, rowid: unknown, v: unknown): Uint8Array {
  if (v instanceof Uint8Array && v.length === 16) return v;
  const what = v instanceof Uint8Array ? `${v.length} bytes` : v === null ? "null" : typeof v;
  throw bad(path, `${table} row ${String(rowid)}: ip is ${what}, expected 16 bytes (not a fluxture crawl database?)`);
}

/** Opens, checks and reads the whole database; CrawlDbError (one line) when it is not a readable fluxture crawl. */
export function readCrawlDb(path: string): OldCrawlDb {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(path);
  } catch (err) {
    throw bad(path, (err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : `cannot read (${errorMessage(err)})`);
  }
  if (!st.isFile()) throw bad(path, "not a file");
  if (!isSqliteFile(path)) throw bad(path, "not an SQLite database (no SQLite header), so not a fluxture crawl database");
  let db: Database.Database;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
  } catch (err) {
    throw bad(path, `cannot open as SQLite: ${errorMessage(err).split("\n")[0]}`);
  }
  try {
    return readOpen(path, db);
  } catch (err) {
    if (err instanceof CrawlDbError) throw err;
    throw bad(path, `corrupt SQLite database: ${errorMessage(err).split("\n")[0]}`);
  } finally {
    db.close();
  }
}

function readOpen(path: string, db: Database.Database): OldCrawlDb {
  const check = db.prepare("pragma quick_check").pluck().all() as unknown[];
  if (check.length !== 1 || check[0] !== "ok") throw bad(path, `corrupt SQLite database: ${String(check[0])}`);
  const tables = new Set(db.prepare("select name from sqlite_master where type = 'table'").pluck().all() as string[]);
  for (const [table, columns] of Object.entries(FLUXTURE_TABLES)) {
    if (!tables.has(table)) throw bad(path, `not a fluxture crawl database: no table '${table}'`);
    const have = new Set((db.prepare(`pragma table_info(${table})`).all() as { name: string }[]).map((c) => c.name));
    const missing = columns.filter((c) => !have.has(c));
    if (missing.length > 0) throw bad(path, `not a fluxture crawl database: table '${table}' lacks column ${missing.map((c) => `'${c}'`).join(", ")}`);
  }
  const nodes: OldNode[] = [];
  const rowids = new Set<number>();
  for (const r of db.prepare("select rowid, ip, port, is_miner, state, source from nodes order by rowid").raw().iterate() as Iterable<unknown[]>) {
    const rowid = num(r[0])!;
    const port = num(r[2]);
    const state = num(r[4]);
    if (port === null || !Number.isInteger(port) || port < 0 || port > 65535) throw bad(path, `nodes row ${rowid}: port ${String(r[2])} is not 0…65535`);
    if (state === null || !Number.isInteger(state) || state < 0 || state > 1023)
      throw bad(path, `nodes row ${rowid}: state ${String(r[4])} is not a CrawlState bitmask (0…1023)`);
    nodes.push({ rowid, ip: ipBytes(path, "nodes", rowid, r[1]), port, isMiner: num(r[3]) ?? 0, state, source: text(r[5]) ?? "" });
    rowids.add(rowid);
  }
  const edgeCount = Number(db.prepare("select count(*) from edges").pluck().get());
  const edgeFrom = new Int32Array(edgeCount);
  const edgeTo = new Int32Array(edgeCount);
  const edgeTime = new Float64Array(edgeCount);
  let k = 0;
  for (const r of db.prepare("select rowid, from_node, to_node, timestamp from edges order by rowid").raw().iterate() as Iterable<unknown[]>) {
    const from = num(r[1]);
    const to = num(r[2]);
    const t = num(r[3]);
    if (from === null || to === null || !rowids.has(from) || !rowids.has(to)) {
      throw bad(path, `edges row ${String(r[0])}: node ${String(rowids.has(from ?? -1) ? r[2] : r[1])} is not a row of nodes`);
    }
    if (t === null) throw bad(path, `edges row ${String(r[0])}: timestamp ${String(r[3])} is not a number`);
    edgeFrom[k] = from;
    edgeTo[k] = to;
    edgeTime[k] = t;
    k++;
  }
  const versions: OldVersionEvent[] = [];
  let otherEvents = 0;
  for (const r of db.prepare("select node, timestamp, event, description from events").raw().iterate() as Iterable<unknown[]>) {
    const node = num(r[0]);
    if (text(r[2]) !== "version" || node === null || !rowids.has(node)) {
      otherEvents++;
      continue;
    }
    versions.push({ node, timestamp: num(r[1]) ?? 0, description: text(r[3]) ?? "" });
  }
  const locations: OldLocation[] = [];
  for (const r of db.prepare("select rowid, ip, city, country_code, continent_code, lat, lon, timestamp from locations").raw().iterate() as Iterable<
    unknown[]
  >) {
    locations.push({
      ip: ipBytes(path, "locations", r[0], r[1]),
      city: text(r[2]),
      countryCode: text(r[3]),
      continentCode: text(r[4]),
      lat: num(r[5]),
      lon: num(r[6]),
      timestamp: num(r[7]) ?? 0,
    });
  }
  const hosts = Number(db.prepare("select count(*) from hosts").pluck().get());
  return { nodes, edgeFrom, edgeTo, edgeTime, versions, otherEvents, locations, hosts };
}
