// Shared pieces of the geolocate tests: fixture paths, temp folders, small runs written with the real pipeline
// writers, geo.parquet read back with DuckDB, and the CLI run as an asynchronous child process.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { quotedString } from "@duckdb/node-api";
import { openDuckDB, queryRows, type RowObject } from "../../pipeline/duckdb.ts";
import { Run, type NetworkName } from "../../pipeline/runs.ts";
import { ADDRS, VISITS, type AddrRow, type VisitRow } from "../../pipeline/schema/index.ts";
import { writeParquet } from "../../pipeline/snapshot/index.ts";
import { GEO_STATUSES, type AsnFields, type CityFields, type Locator } from "../../stages/geolocate/locate.ts";
import { cli, type CliResult } from "../helpers/cli.ts";
import { visitRow } from "../helpers/visit-row.ts";

/** Folder of the MaxMind test databases (see its SOURCE.md). */
export const MMDB_DIR = fileURLToPath(new URL("../fixtures/mmdb/", import.meta.url));
/** MaxMind's public test databases and the loopback one. */
export const FIXTURES = {
  city: join(MMDB_DIR, "GeoLite2-City-Test.mmdb"),
  geoip2City: join(MMDB_DIR, "GeoIP2-City-Test.mmdb"),
  asn: join(MMDB_DIR, "GeoLite2-ASN-Test.mmdb"),
  country: join(MMDB_DIR, "GeoLite2-Country-Test.mmdb"),
  loopback: join(MMDB_DIR, "loopback-city.mmdb"),
} as const;

/** A temp folder under os.tmpdir(), removed by `cleanup()`. */
export async function tempDir(prefix: string): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), `fluxture-${prefix}-`));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** One address of a test run: visited (a visits row) and/or advertised by `from` (an addrs row). */
export interface TestAddress {
  readonly address: string;
  readonly networkType: VisitRow["network_type"];
  readonly visited?: boolean;
  /** Index of the visited address that advertised this one, if any. */
  readonly advertisedBy?: number;
}

/** Writes a sealed run (visits + addrs Parquet through writeParquet) and returns it. */
export async function writeRun(
  dataDir: string,
  addresses: readonly TestAddress[],
  network: NetworkName = "simnet",
  state: "succeeded" | "failed" | "running" = "succeeded",
): Promise<Run> {
  const run = await Run.create(dataDir, network, { test: true });
  const at = new Date("2026-11-24T12:00:00Z");
  const visits: VisitRow[] = addresses
    .filter((a) => a.visited !== false)
    .map((a) => visitRow({ address: a.address, network_type: a.networkType, attempted_at: at, outcome: "timeout", error_detail: "test" }));
  const addrs: AddrRow[] = addresses
    .filter((a) => a.advertisedBy !== undefined)
    .map((a) => ({
      source_address: addresses[a.advertisedBy!]!.address,
      source_port: 8333,
      address: a.address,
      port: 8333,
      network_type: a.networkType,
      services: 1n,
      advertised_at: at,
      message: "addrv2",
      in_reply: true,
    }));
  await writeParquet(join(run.dir, VISITS.file), VISITS, visits);
  await writeParquet(join(run.dir, ADDRS.file), ADDRS, addrs);
  if (state !== "running") await run.seal(state);
  return run;
}

/** Reads a Parquet file with DuckDB, rows ordered by `orderBy`. */
export async function readParquetRows(path: string, orderBy = "address"): Promise<RowObject[]> {
  const db = await openDuckDB({ threads: 1 });
  try {
    return await queryRows(db.connection, `select * from read_parquet(${quotedString(path)}, hive_partitioning = false) order by ${orderBy}`);
  } finally {
    db.close();
  }
}

/** Column names and DuckDB types of a Parquet file, in file order. */
export async function parquetColumns(path: string): Promise<{ name: string; type: string }[]> {
  const db = await openDuckDB({ threads: 1 });
  try {
    const rows = await queryRows(db.connection, `describe select * from read_parquet(${quotedString(path)}, hive_partitioning = false)`);
    return rows.map((r) => ({ name: String(r.column_name), type: String(r.column_type) }));
  } finally {
    db.close();
  }
}

/** Runs `fluxture ...args` in-process (test/helpers/cli.ts) with CI=true (no progress line). */
export function runCli(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return cli(args, { env: { CI: "true", ...env } });
}

/** The lines of stderr that are not timestamped log lines (the CLI's one-line errors). */
export function errorLines(stderr: string): string[] {
  return stderr.split("\n").filter((l) => l.startsWith("fluxture:"));
}

/** What Locator.locate found for one address: the status name and the matched records' fields. */
export interface Found {
  status: string;
  city: CityFields | null;
  asn: AsnFields | null;
}

/** Locates one address with `l` and returns the status name and records (the tests' common view of a lookup). */
export function locate(l: Locator, address: string, networkType = ""): Found {
  const s = l.locate(address, networkType);
  return {
    status: GEO_STATUSES[s]!,
    city: l.cityId >= 0 ? l.cityRecords[l.cityId]! : null,
    asn: l.asnId >= 0 ? l.asnRecords[l.asnId]! : null,
  };
}
