// The DuckDB side of geolocate: a run's distinct addresses out of visits/addrs Parquet, and geo.parquet back in.
// Bulk transfer is columnar on purpose: addresses leave DuckDB as newline-joined strings per block and results
// come back as integer ids (address index, status, City record, ASN record) plus the small record tables.
import { existsSync } from "node:fs";
import { unlink } from "node:fs/promises";
import { join } from "node:path";
import { DuckDBDataChunk, INTEGER, type DuckDBConnection } from "@duckdb/node-api";
import { sqlString } from "../../pipeline/duckdb.ts";
import { DataError } from "../../pipeline/errors.ts";
import { publishFile, tempPathFor } from "../../pipeline/fsutil.ts";
import { GEO, GEO_STATUSES } from "../../pipeline/schema/geo.ts";
import { FINAL_COMPRESSION } from "../../pipeline/snapshot/parquet.ts";
import type { AsnFields, CityFields } from "./locate.ts";

/** One block of distinct addresses: `addresses[i]` has index `base + i` and network type `types[i]` ("" = unknown). */
export interface AddressBlock {
  readonly base: number;
  readonly addresses: readonly string[];
  readonly types: readonly string[];
}

const TYPE_CODES: Readonly<Record<string, string>> = { "4": "ipv4", "6": "ipv6", "2": "onion_v2", "3": "onion_v3", i: "i2p", c: "cjdns", "-": "" };
const BLOCK = 65_536;

/**
 * Loads every distinct address of the run (visits.address, addrs.address, addrs.source_address) into the temp
 * table geo_input(address, network_type) and returns how many there are; each row's `rowid` (0…n-1, checked)
 * is its index. A missing file is skipped; a run with neither file is a DataError.
 */
export async function stageRunAddresses(con: DuckDBConnection, runDirPath: string): Promise<number> {
  const visits = join(runDirPath, "visits.parquet");
  const addrs = join(runDirPath, "addrs.parquet");
  const parts: string[] = [];
  if (existsSync(visits)) parts.push(`select address, network_type from read_parquet(${sqlString(visits)})`);
  if (existsSync(addrs)) {
    parts.push(`select address, network_type from read_parquet(${sqlString(addrs)})`);
    parts.push(`select source_address as address, cast(null as varchar) as network_type from read_parquet(${sqlString(addrs)})`);
  }
  if (parts.length === 0) throw new DataError(`run folder ${runDirPath} has neither visits.parquet nor addrs.parquet: nothing to geolocate`);
  await con.run(`create or replace temp table geo_input as
with
seen as (
    ${parts.join("\n    union all\n    ")}
),

distinct_addresses as (
    select address, max(network_type) as network_type
    from seen
    where address is not null
    group by address
)

select address, network_type
from distinct_addresses`);
  const reader = await con.runAndReadAll("select count(*)::bigint, coalesce(max(rowid), -1)::bigint from geo_input");
  const [count, maxRowid] = (reader.getRowsJS()[0] ?? [0n, -1n]).map(Number) as [number, number];
  if (maxRowid !== count - 1) throw new Error(`geo_input rowids are not dense (${count} rows, max rowid ${maxRowid})`);
  return count;
}

/**
 * Reads geo_input back in blocks of up to 2^20 addresses, in index order (aggregated in parallel as 2^16-row
 * pieces); addresses that cannot travel newline-joined arrive as "".
 */
export async function* readAddressBlocks(con: DuckDBConnection, count: number, blocksPerQuery = 16): AsyncGenerator<AddressBlock> {
  const span = BLOCK * blocksPerQuery;
  for (let lo = 0; lo < count; lo += span) {
    const reader = await con.runAndReadAll(`
with
block_rows as (
    select
        rowid as idx,
        case when contains(address, chr(10)) then '' else address end as address,
        case network_type
            when 'ipv4' then '4' when 'ipv6' then '6' when 'onion_v2' then '2' when 'onion_v3' then '3'
            when 'i2p' then 'i' when 'cjdns' then 'c' else '-'
        end as type_code
    from geo_input
    where rowid >= ${lo} and rowid < ${lo + span}
)

select
    min(idx) as base,
    count(*)::integer as n,
    string_agg(address, chr(10) order by idx) as addresses,
    string_agg(type_code, '' order by idx) as types
from block_rows
group by idx // ${BLOCK}
order by base`);
    const addresses: string[] = [];
    const types: string[] = [];
    for (const [base, n, joined, codes] of reader.getRowsJS() as [number, number, string, string][]) {
      const piece = n === 1 ? [joined] : joined.split("\n");
      if (Number(base) !== lo + addresses.length || piece.length !== n || codes.length !== n) {
        throw new Error(`geo_input piece at ${base}: ${piece.length}/${codes.length} values for ${n} rows after ${lo + addresses.length}`);
      }
      for (let i = 0; i < n; i++) {
        addresses.push(piece[i]!);
        types.push(TYPE_CODES[codes[i]!] ?? "");
      }
    }
    if (addresses.length > 0) yield { base: lo, addresses, types };
  }
}

/** Per-address results, parallel to the geo_input indexes of one block. */
export interface ResultBlock {
  readonly base: number;
  readonly status: Int32Array;
  readonly city: Int32Array;
  readonly asn: Int32Array;
}

/** Collects result blocks into the temp table geo_result(idx, status, city, asn) through the appender. */
export class ResultWriter {
  private constructor(private readonly con: DuckDBConnection) {}

  /** Creates (or empties) geo_result. */
  static async open(con: DuckDBConnection): Promise<ResultWriter> {
    await con.run("create or replace temp table geo_result (idx integer, status integer, city integer, asn integer)");
    return new ResultWriter(con);
  }

  /** Appends one block, 2048 rows per data chunk. */
  async append(block: ResultBlock): Promise<void> {
    const appender = await this.con.createAppender("geo_result");
    try {
      const n = block.status.length;
      for (let off = 0; off < n; off += 2048) {
        const m = Math.min(2048, n - off);
        const chunk = DuckDBDataChunk.create([INTEGER, INTEGER, INTEGER, INTEGER], m);
        const idx = new Array<number>(m);
        for (let i = 0; i < m; i++) idx[i] = block.base + off + i;
        chunk.setColumnValues(0, idx);
        chunk.setColumnValues(1, Array.from(block.status.subarray(off, off + m)));
        chunk.setColumnValues(2, Array.from(block.city.subarray(off, off + m)));
        chunk.setColumnValues(3, Array.from(block.asn.subarray(off, off + m)));
        appender.appendDataChunk(chunk);
      }
      appender.flushSync();
    } finally {
      appender.closeSync();
    }
  }
}

/** Loads the record tables geo_city(id, …) and geo_asn(id, …). */
export async function stageRecords(con: DuckDBConnection, city: readonly CityFields[], asn: readonly AsnFields[]): Promise<void> {
  await con.run(`create or replace temp table geo_city (id integer, country_code varchar, continent_code varchar, city varchar,
    subdivision varchar, latitude double, longitude double, accuracy_radius_km integer, time_zone varchar)`);
  await con.run("create or replace temp table geo_asn (id integer, asn uinteger, as_org varchar)");
  const c = await con.createAppender("geo_city");
  try {
    city.forEach((r, id) => {
      c.appendInteger(id);
      for (const v of [r.country_code, r.continent_code, r.city, r.subdivision]) v === null ? c.appendNull() : c.appendVarchar(v);
      for (const v of [r.latitude, r.longitude]) v === null ? c.appendNull() : c.appendDouble(v);
      r.accuracy_radius_km === null ? c.appendNull() : c.appendInteger(r.accuracy_radius_km);
      r.time_zone === null ? c.appendNull() : c.appendVarchar(r.time_zone);
      c.endRow();
    });
    c.flushSync();
  } finally {
    c.closeSync();
  }
  const a = await con.createAppender("geo_asn");
  try {
    asn.forEach((r, id) => {
      a.appendInteger(id);
      r.asn === null ? a.appendNull() : a.appendUInteger(r.asn);
      r.as_org === null ? a.appendNull() : a.appendVarchar(r.as_org);
      a.endRow();
    });
    a.flushSync();
  } finally {
    a.closeSync();
  }
}

/** Build times and lookup time stamped on every row. */
export interface GeoStamps {
  readonly cityBuiltAt: Date;
  readonly asnBuiltAt: Date | null;
  readonly locatedAt: Date;
}

function timestampSql(at: Date | null): string {
  return at === null ? "null" : `timezone('UTC', epoch_ms(cast(${at.getTime()} as bigint)))`;
}

/** Where each geo.parquet column comes from in the final join (aliases: g input, r result, c city, a asn). */
function columnSources(stamps: GeoStamps): Record<string, string> {
  return {
    address: "g.address",
    status: "s.status",
    country_code: "c.country_code",
    continent_code: "c.continent_code",
    city: "c.city",
    subdivision: "c.subdivision",
    latitude: "c.latitude",
    longitude: "c.longitude",
    accuracy_radius_km: "c.accuracy_radius_km",
    time_zone: "c.time_zone",
    asn: "a.asn",
    as_org: "a.as_org",
    city_db_built_at: timestampSql(stamps.cityBuiltAt),
    asn_db_built_at: timestampSql(stamps.asnBuiltAt),
    located_at: timestampSql(stamps.locatedAt),
  };
}

/** Joins geo_input, geo_result and the record tables into `path` (geo.parquet) atomically, in GEO column order. */
export async function writeGeoParquet(con: DuckDBConnection, path: string, stamps: GeoStamps): Promise<void> {
  const sources = columnSources(stamps);
  const select = GEO.columns
    .map((col) => {
      const source = sources[col.name];
      if (source === undefined) throw new Error(`geo schema column '${col.name}' has no source in geolocate`);
      return `cast(${source} as ${col.type}) as ${col.name}`;
    })
    .join(",\n    ");
  const tmp = tempPathFor(path);
  try {
    await con.run(`copy (
with
input_addresses as (
    select rowid as idx, address from geo_input
),

results as (
    select idx, status, city, asn from geo_result
),

statuses as (
    select cast(i - 1 as integer) as id, status
    from unnest([${GEO_STATUSES.map(sqlString).join(", ")}]) with ordinality as t(status, i)
)

select
    ${select}
from input_addresses as g
join results as r on r.idx = g.idx
join statuses as s on s.id = r.status
left join geo_city as c on c.id = r.city
left join geo_asn as a on a.id = r.asn
) to ${sqlString(tmp)} (format parquet, compression ${FINAL_COMPRESSION})`);
    await publishFile(tmp, path);
  } finally {
    if (existsSync(tmp)) await unlink(tmp).catch(() => undefined);
  }
}
