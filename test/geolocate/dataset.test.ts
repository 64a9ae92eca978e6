// The DuckDB side of geolocate on its own: staging a run's distinct addresses in two halves (visited first, then
// what only addrs has) and reading them back in prefetched blocks, on real Parquet written by the pipeline.
import { test } from "node:test";
import assert from "node:assert/strict";
import { openDuckDB } from "../../pipeline/duckdb.ts";
import { readAddressBlocks, stageAdvertisedAddresses, stageVisitedAddresses } from "../../stages/geolocate/dataset.ts";
import { typeCodesOf } from "../../stages/geolocate/locate.ts";
import { tempDir, writeRun, type TestAddress } from "./helpers.ts";

/** 40 visited IPv4 addresses, each advertising the next; 7 advertised-only; 1 source never visited; an onion. */
function sampleAddresses(): TestAddress[] {
  const out: TestAddress[] = [];
  for (let i = 0; i < 40; i++) out.push({ address: `11.0.${i}.1`, networkType: "ipv4", advertisedBy: i === 0 ? undefined : i - 1 });
  for (let i = 0; i < 7; i++) out.push({ address: `2001:db8::${i + 1}`, networkType: "ipv6", visited: false, advertisedBy: 3 });
  out.push({ address: "12.0.0.9", networkType: "ipv4", visited: false }); // a source only (advertises the onion)
  out.push({ address: "pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd.onion", networkType: "onion_v3", advertisedBy: out.length - 1 });
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
      assert.ok(block.addresses.length <= 6 && block.addresses.length === block.typeCodes.length);
      seen.push(...block.addresses);
      codes.push(block.typeCodes);
      next += block.addresses.length;
    }
    assert.equal(next, to);
  }
  assert.deepEqual(seen.slice(0, visited).sort(), addresses.filter((a) => a.visited !== false).map((a) => a.address).sort());
  assert.deepEqual(seen.slice(visited).sort(), addresses.filter((a) => a.visited === false).map((a) => a.address).sort());
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
    assert.equal(block.addresses.length, 4);
    break;
  }
  const again = [];
  for await (const block of readAddressBlocks(reader, 0, visited, 100)) again.push(...block.addresses);
  assert.equal(again.length, visited);
});
