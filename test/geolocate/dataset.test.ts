// The DuckDB side of geolocate on its own: staging a run's distinct addresses in two halves (visited first, then
// what only addrs has) and reading them back in prefetched blocks, on real Parquet written by the pipeline.
import { test } from "node:test";
import assert from "node:assert/strict";
import { openDuckDB } from "../../pipeline/duckdb.ts";
import { join } from "node:path";
import {
  readAddressBlocks,
  ResultWriter,
  stageAdvertisedAddresses,
  stageRecords,
  stageVisitedAddresses,
  writeGeoParquet,
  type AddressBlock,
} from "../../stages/geolocate/dataset.ts";
import { GEO_STATUSES } from "../../stages/geolocate/locate.ts";
import { typeCodesOf } from "../../stages/geolocate/locate.ts";
import { readParquetRows, tempDir, writeRun, type TestAddress } from "./helpers.ts";

/** 40 visited IPv4 addresses, each advertising the next; 7 advertised-only; 1 source never visited; an onion. */
function sampleAddresses(): TestAddress[] {
  const out: TestAddress[] = [];
  for (let i = 0; i < 40; i++) out.push({ address: `11.0.${i}.1`, networkType: "ipv4", advertisedBy: i === 0 ? undefined : i - 1 });
  for (let i = 0; i < 7; i++) out.push({ address: `2001:db8::${i + 1}`, networkType: "ipv6", visited: false, advertisedBy: 3 });
  out.push({ address: "12.0.0.9", networkType: "ipv4", visited: false }); // a source only (advertises the onion)
  out.push({ address: "pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd.onion", networkType: "onion_v3", advertisedBy: out.length - 1 });
  return out;
}

/** A block's lines in index order as [type code, address], checking each index 0…count-1 occurs once. */
function linesOf(block: AddressBlock): [string, string][] {
  const out: [string, string][] = [];
  for (const line of block.count === 0 ? [] : block.text.split("\n")) {
    const m = /^(\d+)\t(.)(.*)$/s.exec(line);
    assert.ok(m, `malformed line ${JSON.stringify(line)}`);
    const index = Number(m[1]);
    assert.ok(index < block.count && out[index] === undefined, `index ${index} out of range or repeated`);
    out[index] = [m[2]!, m[3]!];
  }
  assert.equal(out.length, block.count);
  return out;
}

test("staging puts every distinct address in geo_input once: visited first, then addrs-only ones; blocks read them back in order", async (t) => {
  const tmp = await tempDir("geods");
  t.after(tmp.cleanup);
  const addresses = sampleAddresses();
  const run = await writeRun(tmp.dir, addresses);
  const db = await openDuckDB();
  t.after(() => db.close());
  const visited = await stageVisitedAddresses(db.connection, run.dir);
  assert.equal(visited, addresses.filter((a) => a.visited !== false).length);
  const total = await stageAdvertisedAddresses(db.connection, run.dir);
  assert.equal(total, addresses.length);

  const reader = await db.instance.connect();
  t.after(() => reader.closeSync());
  const seen: string[] = [];
  const codes: string[] = [];
  for (const [from, to] of [
    [0, visited],
    [visited, total],
  ] as const) {
    let next = from;
    for await (const block of readAddressBlocks(reader, from, to, 6)) {
      assert.equal(block.base, next, "blocks arrive in index order, without gaps");
      assert.ok(block.count <= 6);
      const lines = linesOf(block);
      seen.push(...lines.map(([, address]) => address));
      codes.push(...lines.map(([code]) => code));
      next += block.count;
    }
    assert.equal(next, to);
  }
  assert.deepEqual(
    seen.slice(0, visited).sort(),
    addresses
      .filter((a) => a.visited !== false)
      .map((a) => a.address)
      .sort(),
  );
  assert.deepEqual(
    seen.slice(visited).sort(),
    addresses
      .filter((a) => a.visited === false)
      .map((a) => a.address)
      .sort(),
  );
  const typeOf = new Map(addresses.map((a) => [a.address, typeCodesOf([a.networkType])]));
  // a source that was never visited has no network type in the run: it travels as unknown ("-")
  typeOf.set("12.0.0.9", "-");
  assert.equal(codes.join(""), seen.map((a) => typeOf.get(a)).join(""));
});

test("a consumer that stops after the first block leaves no query behind, and the connection stays usable", async (t) => {
  const tmp = await tempDir("geods2");
  t.after(tmp.cleanup);
  const run = await writeRun(tmp.dir, sampleAddresses());
  const db = await openDuckDB();
  t.after(() => db.close());
  const visited = await stageVisitedAddresses(db.connection, run.dir);
  const reader = await db.instance.connect();
  t.after(() => reader.closeSync());
  for await (const block of readAddressBlocks(reader, 0, visited, 4)) {
    assert.equal(block.count, 4);
    break;
  }
  const again = [];
  for await (const block of readAddressBlocks(reader, 0, visited, 100)) again.push(...linesOf(block).map(([, address]) => address));
  assert.equal(again.length, visited);
});

test("results of many blocks meet their own addresses in geo.parquet (row order of the result table is not relied on)", async (t) => {
  const tmp = await tempDir("geods3");
  t.after(tmp.cleanup);
  const db = await openDuckDB();
  t.after(() => db.close());
  const con = db.connection;
  await con.run("set preserve_insertion_order = false"); // as geolocate runs it: appended rows may get rowids out of order
  const n = 2 * 262_144; // geolocate's block size: an append of more rows than a row group
  await con.run(`create table geo_input as select 'a' || i as address, 'ipv4' as network_type from range(${n}) t(i)`);
  const statusOf = (i: number) => (Math.imul(i, 0x9e3779b1) >>> 0) % GEO_STATUSES.length; // no period a row group could hide
  const writer = await ResultWriter.open(con);
  for (let base = 0; base < n; base += 262_144) {
    const status = Int32Array.from({ length: 262_144 }, (_, k) => statusOf(base + k));
    await writer.append({ base, status, city: new Int32Array(262_144).fill(-1), asn: new Int32Array(262_144).fill(-1) });
  }
  await stageRecords(con, [], []);
  const path = join(tmp.dir, "geo.parquet");
  const at = new Date("2026-11-24T12:00:00Z");
  await writeGeoParquet(con, path, { cityBuiltAt: at, asnBuiltAt: null, locatedAt: at });
  const rows = await readParquetRows(path);
  assert.equal(rows.length, n);
  const rowid = new Map((await con.runAndReadAll("select address, rowid from geo_input")).getRowsJS().map(([a, r]) => [String(a), Number(r)]));
  let wrong = 0;
  for (const row of rows) if (row.status !== GEO_STATUSES[statusOf(rowid.get(String(row.address))!)]) wrong++;
  assert.equal(wrong, 0, `${wrong} rows carry another address's status`);
});
