// The snapshot writer against real DuckDB and real Parquet: types, nulls, 64-bit services, strings, parts,
// resume, crash safety (a SIGKILLed writer loses at most its last flush interval) and atomic publication.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { quotedString } from "@duckdb/node-api";
import { openDuckDB, queryRows } from "../../pipeline/duckdb.ts";
import { DataError } from "../../pipeline/errors.ts";
import {
  ADDRS,
  DATASETS,
  GEO,
  NODE_METRICS,
  NODES,
  RowValueError,
  VISITS,
  type AddrRow,
  type DatasetSchema,
  type GeoRow,
  type NodeMetricsRow,
  type NodeRow,
  type VisitRow,
} from "../../pipeline/schema/index.ts";
import { listParts, readParts, SnapshotWriter, writeParquet } from "../../pipeline/snapshot/index.ts";
import { msToMicros } from "../../pipeline/snapshot/chunks.ts";
import { startFixture, stopFixture, type Child } from "./fixtures/child.ts";
import { row } from "./fixtures/rows.ts";

const root = mkdtempSync(join(tmpdir(), "fluxture-snapshot-"));
const children: Child[] = [];
after(async () => {
  for (const c of children) await stopFixture(c);
  rmSync(root, { recursive: true, force: true });
});
let n = 0;
function freshRun(): string {
  const dir = join(root, `run${n++}`);
  mkdirSync(dir);
  return dir;
}

async function describe(path: string): Promise<{ name: string; type: string }[]> {
  const db = await openDuckDB({ threads: 1 });
  try {
    const rows = await queryRows(db.connection, `describe select * from read_parquet(${quotedString(path)}, hive_partitioning = false)`);
    return rows.map((r) => ({ name: String(r.column_name), type: String(r.column_type) }));
  } finally {
    db.close();
  }
}

async function select(sql: string): Promise<Record<string, unknown>[]> {
  const db = await openDuckDB({ threads: 1 });
  try {
    return await queryRows(db.connection, sql);
  } finally {
    db.close();
  }
}

const DUCKDB_NAMES: Record<string, string> = { TIMESTAMPTZ: "TIMESTAMP WITH TIME ZONE" };
function expectedTypes(schema: DatasetSchema): { name: string; type: string }[] {
  return schema.columns.map((c) => ({ name: c.name, type: DUCKDB_NAMES[c.type] ?? c.type }));
}

const U64_MAX = (1n << 64n) - 1n;

test("visits: sealed Parquet carries exactly the declared column names and DuckDB types, values round-trip", async () => {
  const dir = freshRun();
  const w = await SnapshotWriter.open(dir, VISITS);
  const rows: VisitRow[] = [
    { ...row(0), services: U64_MAX, peer_time: -(1n << 63n), relay: false, start_height: -1 },
    { ...row(1), services: 1n << 63n, peer_time: (1n << 63n) - 1n, relay: true },
    row(2),
    row(3),
  ];
  for (const r of rows) w.append(r);
  assert.equal(await w.seal(), 4);
  const file = join(dir, "visits.parquet");
  assert.deepEqual(await describe(file), expectedTypes(VISITS));
  assert.deepEqual(await readParts(dir, VISITS), rows);
  const [meta] = await select(`select distinct compression from parquet_metadata(${quotedString(file)})`);
  assert.equal(meta!.compression, "ZSTD");
  assert.deepEqual(readdirSync(dir), ["visits.parquet"], "parts and temp files are gone after seal");
});

test("every dataset's Parquet matches its schema (writeParquet for geo, node_metrics and nodes)", async () => {
  const dir = freshRun();
  const addr: AddrRow = {
    source_address: "1.2.3.4",
    source_port: 8333,
    address: "2001:db8::1",
    port: 18333,
    network_type: "ipv6",
    services: U64_MAX,
    advertised_at: new Date("2026-01-02T03:04:05.678Z"),
    message: "addrv2",
    in_reply: true,
  };
  const geo: GeoRow = {
    address: "1.2.3.4",
    status: "located",
    country_code: "DE",
    continent_code: "EU",
    city: "Düsseldorf",
    subdivision: null,
    latitude: 51.2277,
    longitude: 6.7735,
    accuracy_radius_km: 20,
    time_zone: "Europe/Berlin",
    asn: 4_294_967_295,
    as_org: "Example AS",
    city_db_built_at: new Date("2026-01-01T00:00:00Z"),
    asn_db_built_at: null,
    located_at: new Date("2026-01-03T00:00:00.001Z"),
  };
  const metrics: NodeMetricsRow = {
    address: "1.2.3.4",
    port: 8333,
    in_degree: 3,
    out_degree: 1000,
    pagerank: 0.25,
    weighted_pagerank: 0.3,
    eigenvector: null,
    betweenness: 0,
    closeness: null,
    component: 0,
    community: 7,
  };
  const node: NodeRow = {
    address: "1.2.3.4",
    port: 8333,
    network_type: "ipv4",
    outcome: "ok",
    protocol_version: 70016,
    user_agent: "/Satoshi:27.0.0/",
    run_is_geolocated: true,
    country_code: "DE",
    continent_code: "EU",
    asn: 4_294_967_295,
    as_org: null,
  };
  const w = await SnapshotWriter.open(dir, ADDRS);
  w.append(addr);
  w.append({ ...addr, advertised_at: null, message: "addr" });
  assert.equal(await w.seal(), 2);
  assert.equal(
    await writeParquet(join(dir, GEO.file), GEO, [geo, { ...geo, address: "5.6.7.8", country_code: null, latitude: null, longitude: null, asn: null }]),
    2,
  );
  assert.equal(await writeParquet(join(dir, NODE_METRICS.file), NODE_METRICS, [metrics]), 1);
  assert.equal(await writeParquet(join(dir, NODES.file), NODES, [node]), 1);
  for (const schema of [ADDRS, GEO, NODE_METRICS, NODES] as DatasetSchema[])
    assert.deepEqual(await describe(join(dir, schema.file)), expectedTypes(schema), schema.name);
  assert.deepEqual((await readParts(dir, ADDRS))[0], addr);
  assert.deepEqual((await readParts(dir, GEO))[0], geo);
  assert.deepEqual(await readParts(dir, NODE_METRICS), [metrics]);
  assert.deepEqual(await readParts(dir, NODES), [node]);
  assert.equal(DATASETS.length, 5);
});

test("nulls: nullable columns keep them (across chunk boundaries); NOT NULL rejects them naming the column", async () => {
  const dir = freshRun();
  const w = await SnapshotWriter.open(dir, VISITS);
  const rows: VisitRow[] = [];
  for (let i = 0; i < 5000; i++) {
    const r = row(i);
    if (i % 3 === 0) Object.assign(r, { user_agent: null, services: null, relay: null, connect_ms: null, error_detail: null, peer_time: null });
    if (i % 7 === 0) Object.assign(r, { user_agent: `agent ${i} with a long enough name`, services: BigInt(i), relay: i % 2 === 0 });
    rows.push(r);
    w.append(r);
  }
  assert.throws(
    () => w.append({ ...row(1), address: null as never }),
    (e: unknown) => e instanceof RowValueError && e.message === "visits.address: null in NOT NULL column (VARCHAR)" && e.column === "address",
  );
  assert.throws(() => w.append({ ...row(1), attempted_at: undefined as never }), /visits\.attempted_at: null in NOT NULL column \(TIMESTAMPTZ\)/);
  // a row rejected in a later column leaves nothing behind (its earlier nulls included)
  assert.throws(() => w.append({ ...row(1), user_agent: null, addrs_received: null as never }), /visits\.addrs_received/);
  assert.equal(await w.seal(), 5000);
  assert.deepEqual(await readParts(dir, VISITS), rows);
});

test("values that do not fit their column type are rejected with a typed error", () => {
  const dir = freshRun();
  return SnapshotWriter.open(dir, VISITS).then(async (w) => {
    const bad: [Partial<VisitRow>, RegExp][] = [
      [{ port: 65536 }, /visits\.port: expected an integer in \[0, 65535\], got 65536 \(USMALLINT\)/],
      [{ port: 1.5 }, /visits\.port/],
      [{ depth: 2 ** 31 }, /visits\.depth: expected an integer/],
      [{ services: -1n }, /visits\.services: expected a 64-bit unsigned bigint, got -1n/],
      [{ services: 1n << 64n }, /visits\.services/],
      [{ peer_time: 1n << 63n }, /visits\.peer_time: expected a 64-bit signed bigint/],
      [{ attempted_at: new Date(Number.NaN) }, /visits\.attempted_at: expected a valid Date, got Date\(invalid\)/],
      [{ attempted_at: "2026-01-01" as never }, /visits\.attempted_at: expected a valid Date, got "2026-01-01"/],
      [{ relay: 1 as never }, /visits\.relay: expected a boolean/],
      [{ address: 42 as never }, /visits\.address: expected a string, got 42/],
    ];
    for (const [patch, re] of bad)
      assert.throws(
        () => w.append({ ...row(0), ...patch }),
        (e: unknown) => e instanceof RowValueError && re.test(e.message),
        re.source,
      );
    w.append({ ...row(0), services: 12 as never }); // a safe-integer number is accepted for a 64-bit column
    assert.equal(await w.seal(), 1);
    assert.equal((await readParts(dir, VISITS))[0]!.services, 12n);
  });
});

test("strings: empty, inline (≤ 12 bytes) and long, multi-byte, emoji, lone surrogates, the same in both string paths", async () => {
  const samples = [
    "",
    "a",
    "123456789012",
    "1234567890123",
    "é",
    "ééééééé",
    "€€€€",
    "😀",
    "x😀y".repeat(10),
    "\u0000nul",
    "a'b\"c;--",
    "\ud800lone",
    "trail\udc00",
    "ü".repeat(5000),
  ];
  const expected = samples.map((s) => s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "\ufffd"));
  const dir = freshRun();
  const w = await SnapshotWriter.open(dir, VISITS);
  samples.forEach((s, i) => w.append({ ...row(i), address: s, user_agent: i % 2 ? s : null, error_detail: s }));
  await w.seal();
  const back = await readParts(dir, VISITS);
  assert.deepEqual(
    back.map((r) => r.address),
    expected,
  );
  assert.deepEqual(
    back.map((r) => r.error_detail),
    expected,
  );
  assert.deepEqual(
    back.map((r) => r.user_agent),
    expected.map((s, i) => (i % 2 ? s : null)),
  );
  const [lengths] = await select(`select list(strlen(address)) as l from read_parquet(${quotedString(join(dir, "visits.parquet"))})`);
  assert.deepEqual(
    (lengths!.l as bigint[]).map(Number),
    expected.map((s) => Buffer.byteLength(s)),
  );

  // the per-string path (big-endian hosts, FLUXTURE_SNAPSHOT_SAFE_STRINGS=1) writes identical data
  const safeDir = freshRun();
  const child = startFixture("write-strings", [safeDir, JSON.stringify(samples)], { FLUXTURE_SNAPSHOT_SAFE_STRINGS: "1" });
  children.push(child);
  assert.equal(await child.exited, 0, child.stderr());
  assert.deepEqual(
    (await readParts(safeDir, VISITS)).map((r) => r.address),
    expected,
  );
});

test("parts: flushRows writes durable parts, readParts sees them, reopening continues the numbering, seal merges in order", async () => {
  const dir = freshRun();
  const w = await SnapshotWriter.open(dir, VISITS, { flushRows: 100, flushMs: 60_000 });
  for (let i = 0; i < 250; i++) w.append(row(i));
  await w.flush();
  const parts = await listParts(dir, VISITS);
  assert.ok(parts.length >= 2, `parts: ${parts.length}`);
  assert.deepEqual(
    parts.map((p) => p.n),
    parts.map((_, i) => i + 1),
  );
  assert.ok(parts.every((p) => p.path.startsWith(join(dir, "parts", "visits", "part-"))));
  assert.deepEqual(
    (await readParts(dir, VISITS)).map((r) => r.depth),
    [...Array(250).keys()],
  );
  await w.close();

  // a crash mid-part leaves a temp file: it is not a part, and reopening removes it
  writeFileSync(join(dir, "parts", "visits", `.part-000099.parquet.12345.deadbeef.tmp`), "half a parquet file");
  writeFileSync(join(dir, `.visits.parquet.12345.deadbeef.tmp`), "half a sealed file");
  assert.equal((await readParts(dir, VISITS)).length, 250);
  const again = await SnapshotWriter.open(dir, VISITS, { flushRows: 100, flushMs: 60_000 });
  assert.equal(readdirSync(join(dir, "parts", "visits")).filter((f) => f.endsWith(".tmp")).length, 0);
  assert.equal(readdirSync(dir).filter((f) => f.endsWith(".tmp")).length, 0);
  for (let i = 250; i < 300; i++) again.append(row(i));
  await again.flush();
  const more = await listParts(dir, VISITS);
  assert.equal(more.at(-1)!.n, parts.at(-1)!.n + 1, "numbering continues after the existing parts");
  assert.equal(await again.seal(), 300);
  assert.deepEqual(
    (await readParts(dir, VISITS)).map((r) => r.depth),
    [...Array(300).keys()],
  );
  assert.equal(existsSync(join(dir, "parts")), false);
  assert.deepEqual(await describe(join(dir, "visits.parquet")), expectedTypes(VISITS));
});

test("the flush timer makes rows durable without any explicit flush", async () => {
  const dir = freshRun();
  const w = await SnapshotWriter.open(dir, VISITS, { flushMs: 30 });
  for (let i = 0; i < 10; i++) w.append(row(i));
  const deadline = Date.now() + 10_000;
  while ((await listParts(dir, VISITS)).length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.equal((await readParts(dir, VISITS)).length, 10);
  await w.close();
});

test("reopening a sealed dataset keeps its rows: the sealed file becomes part 1 and the next seal includes it", async () => {
  const dir = freshRun();
  const w = await SnapshotWriter.open(dir, VISITS);
  for (let i = 0; i < 5; i++) w.append(row(i));
  await w.seal();
  assert.equal((await readParts(dir, VISITS)).length, 5, "readParts falls back to the sealed file");
  const resumed = await SnapshotWriter.open(dir, VISITS);
  assert.deepEqual(
    (await listParts(dir, VISITS)).map((p) => p.n),
    [1],
  );
  for (let i = 5; i < 8; i++) resumed.append(row(i));
  assert.equal(await resumed.seal(), 8);
  assert.deepEqual(
    (await readParts(dir, VISITS)).map((r) => r.depth),
    [...Array(8).keys()],
  );
});

test("sealing with no rows publishes an empty file that still has the schema", async () => {
  const dir = freshRun();
  const w = await SnapshotWriter.open(dir, ADDRS);
  assert.equal(await w.seal(), 0);
  assert.deepEqual(await describe(join(dir, "addrs.parquet")), expectedTypes(ADDRS));
  assert.deepEqual(await readParts(dir, ADDRS), []);
  assert.deepEqual(await readParts(freshRun(), ADDRS), [], "no parts and no file: nothing durable");
  await assert.rejects(SnapshotWriter.open(join(root, "missing"), ADDRS), /run folder .*missing does not exist/);
});

test("a SIGKILLed writer loses at most its last flush interval: parts survive, resume and seal keep them", async () => {
  const dir = freshRun();
  const child = startFixture("snapshot-writer", [dir, "50"]);
  children.push(child);
  await child.waitFor(/APPENDED [1-9]\d{3,}/); // a few flush intervals in
  const deadline = Date.now() + 10_000;
  while ((await listParts(dir, VISITS)).length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  child.proc.kill("SIGKILL");
  assert.equal(await child.exited, "SIGKILL");
  const appended = Math.max(...[...child.stdout().matchAll(/APPENDED (\d+)/g)].map((m) => Number(m[1])));

  const durable = await readParts(dir, VISITS);
  assert.ok(durable.length > 0, "flushed rows survive the kill");
  assert.deepEqual(
    durable.map((r) => r.depth),
    [...Array(durable.length).keys()],
    "durable rows are a gap-free prefix",
  );
  assert.deepEqual(durable[1], row(1));
  assert.ok(appended - durable.length < 5000, `lost ${appended - durable.length} rows`);

  const resumed = await SnapshotWriter.open(dir, VISITS);
  assert.equal(readdirSync(join(dir, "parts", "visits")).filter((f) => !/^part-\d{6}\.parquet$/.test(f)).length, 0);
  resumed.append(row(durable.length));
  assert.equal(await resumed.seal(), durable.length + 1);
  assert.deepEqual(
    (await readParts(dir, VISITS)).map((r) => r.depth),
    [...Array(durable.length + 1).keys()],
  );
});

test("writeParquet is atomic: a bad row or a failed write leaves the previous file intact and no temp file", async () => {
  const dir = freshRun();
  const target = join(dir, GEO.file);
  const geo = (address: string): GeoRow => ({
    address,
    status: "not_found",
    country_code: null,
    continent_code: null,
    city: null,
    subdivision: null,
    latitude: null,
    longitude: null,
    accuracy_radius_km: null,
    time_zone: null,
    asn: null,
    as_org: null,
    city_db_built_at: null,
    asn_db_built_at: null,
    located_at: new Date(0),
  });
  assert.equal(await writeParquet(target, GEO, [geo("1.1.1.1"), geo("2.2.2.2")]), 2);
  function* rowsThenBad(): Generator<GeoRow> {
    for (let i = 0; i < 150_000; i++) yield geo(`10.0.${i >> 8}.${i & 255}`); // past one staging batch
    yield { ...geo("x"), located_at: null as never };
  }
  await assert.rejects(writeParquet(target, GEO, rowsThenBad()), /geo\.located_at: null in NOT NULL column/);
  function* throwing(): Generator<GeoRow> {
    yield geo("3.3.3.3");
    throw new Error("source failed");
  }
  await assert.rejects(writeParquet(target, GEO, throwing()), /source failed/);
  assert.deepEqual(
    (await readParts(dir, GEO)).map((r) => r.address),
    ["1.1.1.1", "2.2.2.2"],
  );
  assert.deepEqual(readdirSync(dir), [GEO.file]);
  await assert.rejects(writeParquet(join(dir, "no-such-dir", "geo.parquet"), GEO, [geo("1.1.1.1")]));
  assert.deepEqual(readdirSync(dir), [GEO.file]);
});

test("timestamps are UTC instants whatever the session time zone", async () => {
  const dir = freshRun();
  const at = new Date("2026-06-30T23:59:59.999Z");
  await writeParquet(join(dir, NODE_METRICS.file), NODE_METRICS, []);
  const w = await SnapshotWriter.open(dir, VISITS);
  w.append({ ...row(0), attempted_at: at });
  w.append({ ...row(1), attempted_at: new Date(-1) });
  const extremes = [8.64e15, -8.64e15, 2 ** 32 - 1, -(2 ** 32) - 1, 4294967296001];
  extremes.forEach((ms, i) => w.append({ ...row(2 + i), attempted_at: new Date(ms) }));
  await w.seal();
  const db = await openDuckDB({ threads: 1 });
  try {
    await db.connection.run("set TimeZone = 'America/Los_Angeles'");
    const rows = await queryRows(db.connection, `select epoch_ms(attempted_at) as ms from read_parquet(${quotedString(join(dir, "visits.parquet"))})`);
    assert.deepEqual(
      rows.map((r) => r.ms),
      [BigInt(at.getTime()), -1n, ...extremes.map((ms) => BigInt(ms))],
    );
  } finally {
    db.close();
  }
  assert.deepEqual(
    (await readParts(dir, VISITS)).map((r) => r.attempted_at.getTime()),
    [at.getTime(), -1, ...extremes],
  );
  const micros = msToMicros(Float64Array.from(extremes), extremes.length, new Uint32Array(extremes.length * 2));
  assert.deepEqual(
    [...new BigInt64Array(micros.buffer)],
    extremes.map((ms) => BigInt(ms) * 1000n),
  );
});

test("parts that do not match the schema make seal fail with a DataError naming the file; the writer is spent", async () => {
  const dir = freshRun();
  mkdirSync(join(dir, "parts", "visits"), { recursive: true });
  const addr: AddrRow = {
    source_address: "1.2.3.4",
    source_port: 1,
    address: "5.6.7.8",
    port: 2,
    network_type: "ipv4",
    services: 1n,
    advertised_at: null,
    message: "addr",
    in_reply: true,
  };
  await writeParquet(join(dir, "parts", "visits", "part-000001.parquet"), ADDRS, [addr]);
  const w = await SnapshotWriter.open(dir, VISITS);
  w.append(row(0));
  await assert.rejects(w.seal(), (e: unknown) => e instanceof DataError && e.message.startsWith(`visits: cannot seal ${join(dir, "visits.parquet")}: `));
  assert.equal(existsSync(join(dir, "visits.parquet")), false);
  assert.equal(readdirSync(dir).filter((f) => f.endsWith(".tmp")).length, 0);
  await assert.rejects(w.seal(), /seal after seal\/close/);
  assert.throws(() => w.append(row(1)), /append after seal\/close/);
});

test("a part that cannot be written fails the writer loudly: flush rejects, later appends throw", async () => {
  const dir = freshRun();
  const w = await SnapshotWriter.open(dir, VISITS, { flushMs: 60_000 });
  rmSync(join(dir, "parts"), { recursive: true, force: true }); // the folder vanishes under the writer
  w.append(row(0));
  await assert.rejects(w.flush(), (e: unknown) => e instanceof DataError && /^visits: cannot write part 1 in /.test(e.message));
  assert.throws(() => w.append(row(1)), /cannot write part 1/);
  await assert.rejects(w.close(), /cannot write part 1/);
});

test("many parts in flight are published in order, each a prefix of what was appended", async () => {
  const dir = freshRun();
  const w = await SnapshotWriter.open(dir, VISITS, { flushRows: 50, flushMs: 60_000 });
  const flushes: Promise<void>[] = [];
  for (let i = 0; i < 1000; i++) {
    w.append(row(i));
    if (i % 37 === 0) flushes.push(w.flush());
  }
  await Promise.all(flushes);
  await w.flush();
  const parts = await listParts(dir, VISITS);
  assert.deepEqual(
    parts.map((p) => p.n),
    parts.map((_, i) => i + 1),
  );
  assert.deepEqual(
    (await readParts(dir, VISITS)).map((r) => r.depth),
    [...Array(1000).keys()],
  );
  assert.equal(await w.seal(), 1000);
});
