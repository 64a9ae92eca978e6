// Sealing big parts by copying their row groups: the footer codec round-trips, and the joined file reads back
// exactly like a DuckDB re-encode of the same parts (values, types, bloom-filter and statistics pushdown).
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { openDuckDB, queryRows, sqlString } from "../../pipeline/duckdb.ts";
import { VISITS, VISIT_OUTCOMES } from "../../pipeline/schema/index.ts";
import { listParts, readParts, SnapshotWriter } from "../../pipeline/snapshot/index.ts";
import { concatenable, readFooter } from "../../pipeline/snapshot/concat.ts";
import { decodeStruct, encodeStruct } from "../../pipeline/snapshot/thrift.ts";
import { row } from "./fixtures/rows.ts";

const root = mkdtempSync(join(tmpdir(), "fluxture-concat-"));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
function freshRun(): string {
  const dir = join(root, `run${n++}`);
  mkdirSync(dir);
  return dir;
}

const OUTCOMES = VISIT_OUTCOMES;
const rowAt = (i: number) => ({ ...row(i), outcome: OUTCOMES[i % OUTCOMES.length]!, user_agent: i % 3 === 0 ? null : `/agent:${i % 13}/` });

/** Writes `count` rows in parts of `per` rows and seals with the given concat threshold. */
async function writeRun(count: number, per: number, concatMinRows: number, partCompression?: "zstd" | "snappy"): Promise<{ dir: string; parts: number }> {
  const dir = freshRun();
  const w = await SnapshotWriter.open(dir, VISITS, { flushRows: per, flushMs: 60_000, concatMinRows, ...(partCompression ? { partCompression } : {}) });
  for (let i = 0; i < count; i++) {
    w.append(rowAt(i));
    if (i % per === per - 1) await w.flush();
  }
  await w.flush();
  const parts = (await listParts(dir, VISITS)).length;
  assert.equal(await w.seal(), count);
  return { dir, parts };
}

async function facts(file: string): Promise<Record<string, unknown>> {
  const db = await openDuckDB({ threads: 1 });
  const f = sqlString(file);
  try {
    const out: Record<string, unknown> = {};
    out.describe = (await queryRows(db.connection, `describe select * from read_parquet(${f}, hive_partitioning = false)`)).map(
      (r) => `${r.column_name} ${r.column_type}`,
    );
    for (const o of [...OUTCOMES, "nope"])
      out[`outcome=${o}`] = (await queryRows(db.connection, `select count(*) as c from read_parquet(${f}) where outcome = '${o}'`))[0]!.c;
    out.agents = (await queryRows(db.connection, `select user_agent, count(*) as c from read_parquet(${f}) group by all order by all`)).map(
      (r) => `${r.user_agent}:${r.c}`,
    );
    out.ranges = await queryRows(
      db.connection,
      `select count(*) as c, sum(depth) as s from read_parquet(${f}) where depth between 1234 and 5678 and services > ${1n << 63n}`,
    );
    out.codecs = (await queryRows(db.connection, `select distinct compression from parquet_metadata(${f})`)).map((r) => r.compression);
    return out;
  } finally {
    db.close();
  }
}

test("the Thrift codec re-encodes a DuckDB Parquet footer byte for byte", async () => {
  const { dir } = await writeRun(3000, 1000, Number.POSITIVE_INFINITY);
  const bytes = readFileSync(join(dir, "visits.parquet"));
  const len = bytes.readUInt32LE(bytes.length - 8);
  const footer = bytes.subarray(bytes.length - 8 - len, bytes.length - 8);
  const decoded = decodeStruct(footer);
  assert.equal(decoded.end, footer.length);
  assert.deepEqual(Buffer.from(encodeStruct(decoded.value)), Buffer.from(footer));
});

test("concatenated parts read back exactly like re-encoded ones, with one row group per part", async () => {
  const count = 7000;
  const joined = await writeRun(count, 1000, 0);
  const merged = await writeRun(count, 1000, Number.POSITIVE_INFINITY);
  assert.equal(joined.parts, 7);
  const jf = join(joined.dir, "visits.parquet");
  const mf = join(merged.dir, "visits.parquet");
  assert.deepEqual(await readParts(joined.dir, VISITS), await readParts(merged.dir, VISITS));
  assert.deepEqual(
    (await readParts(joined.dir, VISITS)).map((r) => r.depth),
    [...Array(count).keys()],
  );
  const jfacts = await facts(jf);
  assert.deepEqual(jfacts, await facts(mf));
  assert.deepEqual(jfacts.codecs, ["ZSTD"]);
  const db = await openDuckDB({ threads: 1 });
  try {
    const groups = await queryRows(db.connection, `select count(distinct row_group_id) as g from parquet_metadata(${sqlString(jf)})`);
    assert.equal(groups[0]!.g, 7n);
  } finally {
    db.close();
  }
  const footer = await readFooter(jf);
  assert.equal(footer.numRows, count);
});

test("the default seal re-encodes small parts and concatenates big ones", async () => {
  const small = await writeRun(3000, 1000, 50_000);
  const big = await writeRun(120_000, 60_000, 50_000);
  const groups = async (dir: string) => {
    const db = await openDuckDB({ threads: 1 });
    try {
      return (await queryRows(db.connection, `select count(distinct row_group_id) as g from parquet_metadata(${sqlString(join(dir, "visits.parquet"))})`))[0]!
        .g;
    } finally {
      db.close();
    }
  };
  assert.equal(await groups(small.dir), 1n, "3 small parts become one row group");
  assert.equal(big.parts, 2);
  assert.equal(await groups(big.dir), 2n, "big parts keep their row groups");
  assert.deepEqual(
    (await readParts(big.dir, VISITS)).map((r) => r.depth),
    [...Array(120_000).keys()],
  );
});

test("parts that are not ZSTD are re-encoded, never concatenated", async () => {
  const { dir, parts } = await writeRun(3000, 1000, 0, "snappy");
  assert.equal(parts, 3);
  assert.deepEqual((await facts(join(dir, "visits.parquet"))).codecs, ["ZSTD"]);
  const dir2 = freshRun();
  const w = await SnapshotWriter.open(dir2, VISITS, { partCompression: "snappy" });
  w.append(row(0));
  await w.close();
  assert.equal(concatenable([await readFooter((await listParts(dir2, VISITS))[0]!.path)]), false);
});

test("parts written under another schema are never published as they are", async () => {
  const { dir } = await writeRun(10, 5, 0);
  const footer = await readFooter(join(dir, "visits.parquet"));
  assert.equal(
    concatenable(
      [footer],
      VISITS.columns.map((c) => c.name),
    ),
    true,
  );
  assert.equal(concatenable([footer], [...VISITS.columns.map((c) => c.name), "extra"]), false);
  assert.equal(concatenable([footer], VISITS.columns.map((c) => c.name).reverse()), false);
});
