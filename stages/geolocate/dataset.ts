// The DuckDB side of geolocate: a run's distinct addresses out of visits/addrs Parquet, and geo.parquet back in.
// Bulk transfer is columnar on purpose: addresses leave DuckDB as one string of lines per block and results
// come back as integer ids (address index, status, City record, ASN record) plus the small record tables.
import { existsSync } from "node:fs";
import { unlink } from "node:fs/promises";
import { join } from "node:path";
import { INTEGER, type DuckDBConnection, type DuckDBResultReader } from "@duckdb/node-api";
import { quotedString } from "@duckdb/node-api";
import { DataError } from "../../pipeline/errors.ts";
import { publishFile, tempPathFor } from "../../pipeline/fsutil.ts";
import { GEO, GEO_RECORD_FIELDS, GEO_STATUSES, type GeoRecordDb, geoRecordFields } from "../../pipeline/schema/geo.ts";
import { FINAL_COMPRESSION } from "../../pipeline/snapshot/parquet.ts";
import { CHUNK_ROWS, ColumnBuffer, type Batch, type ColumnStore } from "../../pipeline/snapshot/buffer.ts";
import { appendBatches } from "../../pipeline/snapshot/chunks.ts";
import { compileSchema, Kind, type CompiledSchema } from "../../pipeline/snapshot/columns.ts";
import { defineDataset, type ColumnSpec } from "../../pipeline/schema/types.ts";
import { NETWORK_TYPE_CODES, UNKNOWN_TYPE_CODE, type AsnFields, type CityFields } from "./locate.ts";
import { assertWholeParquet } from "../../pipeline/run-health.ts";

/**
 * One block of distinct addresses as the text Locator.locateText takes: `count` lines, in no particular order,
 * each `<index>\t<type code><address>`; index i stands for geo_input row `base + i`, the type code is one
 * NETWORK_TYPE_CODES character ("-" = unknown).
 */
export interface AddressBlock {
  readonly base: number;
  readonly count: number;
  readonly text: string;
}

/** Addresses per block (2^18): one string each, aggregated while the previous block is looked up. */
const BLOCK = 262_144;

/** SQL turning the network_type column into its one-character code. */
const TYPE_CODE_SQL = `case network_type ${Object.entries(NETWORK_TYPE_CODES)
  .map(([type, code]) => `when ${quotedString(type)} then ${quotedString(code)}`)
  .join(" ")} else ${quotedString(UNKNOWN_TYPE_CODE)} end`;

/** The run's files that hold addresses; a run with neither is a DataError. */
function addressFiles(runDirPath: string): { visits: string | null; addrs: string | null } {
  const visits = join(runDirPath, "visits.parquet");
  const addrs = join(runDirPath, "addrs.parquet");
  const found = { visits: existsSync(visits) ? visits : null, addrs: existsSync(addrs) ? addrs : null };
  if (found.visits === null && found.addrs === null) {
    throw new DataError(`run folder ${runDirPath} has neither visits.parquet nor addrs.parquet: nothing to geolocate`);
  }
  return found;
}

/** Rows in geo_input, checking that their rowids are dense (0…n-1): a row's rowid is its index. */
async function countInput(con: DuckDBConnection): Promise<number> {
  const reader = await con.runAndReadAll("select count(*)::bigint, coalesce(max(rowid), -1)::bigint from geo_input");
  const [count, maxRowid] = (reader.getRowsJS()[0] ?? [0n, -1n]).map(Number) as [number, number];
  if (maxRowid !== count - 1) throw new Error(`geo_input rowids are not dense (${count} rows, max rowid ${maxRowid})`);
  return count;
}

/**
 * First half of loading the run's distinct addresses into the table geo_input(address, network_type): creates
 * it with every distinct visits.address and returns how many there are. Each row's `rowid` is its index.
 * geo_input is an ordinary table of the (in-memory) database, not a temp table, so other connections can read
 * it and add to it. Throws DataError when the run has neither visits.parquet nor addrs.parquet.
 */
export async function stageVisitedAddresses(con: DuckDBConnection, runDirPath: string): Promise<number> {
  const { visits, addrs } = addressFiles(runDirPath);
  for (const f of [visits, addrs]) if (f !== null) await assertWholeParquet(f);
  await con.run("create or replace table geo_input (address varchar, network_type varchar)");
  if (visits !== null) {
    await con.run(`insert into geo_input
with
visited as (
    select address, network_type
    from read_parquet(${quotedString(visits)})
),

distinct_visited as (
    select address, max(network_type) as network_type
    from visited
    where address is not null
    group by address
)

select address, network_type
from distinct_visited`);
  }
  return countInput(con);
}

/**
 * Second half, run while the visited addresses are being looked up: appends to geo_input the distinct addresses
 * of addrs (advertised addresses and their sources) that no visit has, and returns the new total.
 */
export async function stageAdvertisedAddresses(con: DuckDBConnection, runDirPath: string): Promise<number> {
  const { addrs } = addressFiles(runDirPath);
  if (addrs !== null) {
    await con.run(`insert into geo_input
with
advertised as (
    select address, network_type
    from read_parquet(${quotedString(addrs)})
    where address is not null
),

sources as (
    -- a few thousand distinct values in a crawl (the peers that answered getaddr): distinct before the anti join
    select distinct source_address as address, cast(null as varchar) as network_type
    from read_parquet(${quotedString(addrs)})
    where source_address is not null
),

candidates as (
    select address, network_type from advertised
    union all
    select address, network_type from sources
),

unvisited as (
    select c.address, c.network_type
    from candidates as c
    anti join geo_input as g on g.address = c.address
),

distinct_unvisited as (
    select address, max(network_type) as network_type
    from unvisited
    group by address
)

select address, network_type
from distinct_unvisited`);
  }
  return countInput(con);
}

/**
 * Runs the query that reads geo_input rows [lo, to) as one string of lines `<rowid - lo>\t<type code><address>`.
 * Each line carries its index, so the lines need no order: string_agg without ORDER BY skips a sort that cost
 * three times the rest of the query.
 */
function queryBlock(con: DuckDBConnection, lo: number, to: number): Promise<DuckDBResultReader> {
  return con.runAndReadAll(`
with
block_rows as (
    select concat(
        rowid - ${lo},
        chr(9),
        ${TYPE_CODE_SQL},
        case when contains(address, chr(10)) then '' else address end
    ) as line
    from geo_input
    where rowid >= ${lo} and rowid < ${to}
)

select
    count(*)::integer as n,
    string_agg(line, chr(10)) as lines
from block_rows`);
}

/**
 * Reads geo_input rows [from, to) back in blocks of up to `blockSize` (default 2^18) addresses (see
 * AddressBlock), blocks in index order; addresses that cannot travel newline-joined arrive as "". The next
 * block's query runs while the caller works on the current one, so `con` must be a connection nobody else uses
 * meanwhile. The lines themselves are checked by whoever cuts them up (Locator.locateText).
 */
export async function* readAddressBlocks(con: DuckDBConnection, from: number, to: number, blockSize = BLOCK): AsyncGenerator<AddressBlock> {
  const query = (lo: number) => queryBlock(con, lo, Math.min(lo + blockSize, to));
  let pending: Promise<DuckDBResultReader> | null = from < to ? query(from) : null;
  try {
    for (let lo = from; lo < to; lo += blockSize) {
      const result = await pending!;
      pending = lo + blockSize < to ? query(lo + blockSize) : null;
      const [n, text] = result.getRowsJS()[0] as [number, string | null];
      const expected = Math.min(blockSize, to - lo);
      if (n !== expected) throw new Error(`geo_input block at ${lo}: ${n} rows, expected ${expected}`);
      yield { base: lo, count: n, text: text ?? "" };
    }
  } finally {
    // a consumer that stops early leaves a prefetch running: let it finish, its result is not needed
    await pending?.catch(() => undefined);
  }
}

/** Per-address results, parallel to the geo_input indexes of one block. */
export interface ResultBlock {
  readonly base: number;
  readonly status: Int32Array;
  readonly city: Int32Array;
  readonly asn: Int32Array;
}

const RESULT_TYPES = [INTEGER, INTEGER, INTEGER, INTEGER];

/**
 * Collects result blocks into the temp table geo_result(idx, status, city, asn) through the appender. The index
 * column is needed: with preserve_insertion_order off, appended rows do not get rowids in append order.
 */
export class ResultWriter {
  private constructor(private readonly con: DuckDBConnection) {}

  /** Creates (or empties) geo_result. */
  static async open(con: DuckDBConnection): Promise<ResultWriter> {
    await con.run("create or replace temp table geo_result (idx integer, status integer, city integer, asn integer)");
    return new ResultWriter(con);
  }

  /** Appends one block as data chunks whose vectors are filled by whole typed-array copies. */
  async append(block: ResultBlock): Promise<void> {
    const n = block.status.length;
    const idx = new Int32Array(n);
    for (let i = 0; i < n; i++) idx[i] = block.base + i;
    const batches: Batch[] = [];
    for (let off = 0; off < n; off += CHUNK_ROWS) {
      const end = Math.min(n, off + CHUNK_ROWS);
      const store = (data: Int32Array): ColumnStore => ({ kind: Kind.I32, data: data.subarray(off, end), strings: null, validity: null });
      batches.push({ rows: end - off, cols: [store(idx), store(block.status), store(block.city), store(block.asn)] });
    }
    const appender = await this.con.createAppender("geo_result");
    try {
      appendBatches(appender, RESULT_TYPES, batches);
      appender.flushSync();
    } finally {
      appender.closeSync();
    }
  }
}

const col = (name: string, type: ColumnSpec["type"], meaning: string): ColumnSpec => ({ name, type, nullable: name !== "id", meaning });

/** The columns of one database's record table: its GEO_RECORD_FIELDS, as geo.parquet has them. */
const recordColumns = (db: GeoRecordDb): ColumnSpec[] => geoRecordFields(db).map((f) => col(f.name, f.type, `as geo.${f.name}`));

/** Alias of each database's record table in the final join. */
const RECORD_ALIAS: Readonly<Record<GeoRecordDb, string>> = { city: "c", asn: "a" };

/** The temp table geo_city: one row per City record a run's addresses fell in, numbered by Locator. */
const CITY_RECORDS = compileSchema(
  defineDataset<CityFields & { id: number }>({
    name: "geo_city",
    file: "",
    description: "City records met by one geolocate run (temp table, never written out)",
    key: ["id"],
    columns: [col("id", "INTEGER", "record id (Locator.cityRecords index)"), ...recordColumns("city")],
  }),
);

/** The temp table geo_asn: one row per ASN record a run's addresses fell in, numbered by Locator. */
const ASN_RECORDS = compileSchema(
  defineDataset<AsnFields & { id: number }>({
    name: "geo_asn",
    file: "",
    description: "ASN records met by one geolocate run (temp table, never written out)",
    key: ["id"],
    columns: [col("id", "INTEGER", "record id (Locator.asnRecords index)"), ...recordColumns("asn")],
  }),
);

/** Creates the temp table of `compiled` and fills it with `records`, each numbered by its index. */
async function stageTable<F extends object>(con: DuckDBConnection, compiled: CompiledSchema, records: readonly F[]): Promise<void> {
  await con.run(`create or replace temp table ${compiled.schema.name} (${compiled.stagingDdl})`);
  const buffer = new ColumnBuffer(compiled);
  records.forEach((r, id) => buffer.push({ id, ...r }));
  const appender = await con.createAppender(compiled.schema.name);
  try {
    appendBatches(
      appender,
      compiled.columns.map((c) => c.staging),
      buffer.take(),
    );
    appender.flushSync();
  } finally {
    appender.closeSync();
  }
}

/** Loads the record tables geo_city(id, …) and geo_asn(id, …). */
export async function stageRecords(con: DuckDBConnection, city: readonly CityFields[], asn: readonly AsnFields[]): Promise<void> {
  await stageTable(con, CITY_RECORDS, city);
  await stageTable(con, ASN_RECORDS, asn);
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

/**
 * The status label of `r.status` (an index into GEO_STATUSES): a list lookup rather than a join with a table of
 * labels, which cost the final query 25–45 ms more in the 1M-address benchmark.
 */
const STATUS_SQL = `[${GEO_STATUSES.map(quotedString).join(", ")}][r.status + 1]`;

/** Where each geo.parquet column comes from in the final join (aliases: g input, r result, c city, a asn). */
function columnSources(stamps: GeoStamps): Record<string, string> {
  return {
    address: "g.address",
    status: STATUS_SQL,
    ...Object.fromEntries(GEO_RECORD_FIELDS.map((f) => [f.name, `${RECORD_ALIAS[f.db]}.${f.name}`])),
    city_db_built_at: timestampSql(stamps.cityBuiltAt),
    asn_db_built_at: timestampSql(stamps.asnBuiltAt),
    located_at: timestampSql(stamps.locatedAt),
  };
}

/**
 * Compression of geo.parquet: the final one, at zstd level 1, which encodes it about a fifth faster than the
 * default level (3) for a file about a tenth bigger; the geolocate throughput target (issue 5) needs the time more
 * than the bytes.
 */
const GEO_COMPRESSION = FINAL_COMPRESSION === "zstd" ? "zstd, compression_level 1" : FINAL_COMPRESSION;

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
)

select
    ${select}
from input_addresses as g
join results as r on r.idx = g.idx
left join geo_city as c on c.id = r.city
left join geo_asn as a on a.id = r.asn
) to ${quotedString(tmp)} (format parquet, compression ${GEO_COMPRESSION})`);
    await publishFile(tmp, path);
  } finally {
    if (existsSync(tmp)) await unlink(tmp).catch(() => undefined);
  }
}
