// The advertised-address graph is the getaddr-reply entries of addrs (in_reply): a self-announcement or gossip row
// stays in addrs.parquet but is not an edge; a run written before the column existed reads every row as an edge.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rename, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadGraph } from "../../stages/topology/load.ts";
import { undialledRow } from "../../stages/crawl/rows.ts";
import { writeParquet } from "../../pipeline/snapshot/index.ts";
import { ADDRS, VISITS, type AddrRow, type VisitRow } from "../../pipeline/schema/index.ts";
import { quotedString } from "@duckdb/node-api";
import { openDuckDB } from "../../pipeline/duckdb.ts";

const at = new Date("2026-01-01T00:00:00Z");
const okVisit = (address: string): VisitRow => ({
  ...undialledRow({ address, port: 8333, networkType: "ipv4", source: "seed_arg", depth: 0 }, at, "not_dialed", ""),
  outcome: "ok",
  error_detail: null,
});
const edge = (from: string, to: string, inReply: boolean): AddrRow => ({
  source_address: from,
  source_port: 8333,
  address: to,
  port: 8333,
  network_type: "ipv4",
  services: 1n,
  advertised_at: at,
  message: "addr",
  in_reply: inReply,
});

test("topology: only in_reply rows are edges; older addrs files without the column count every row", async () => {
  const dir = await mkdtemp(join(tmpdir(), "fluxture-inreply-"));
  try {
    await writeParquet(join(dir, "visits.parquet"), VISITS, [okVisit("1.0.0.1"), okVisit("1.0.0.2")]);
    const rows = [edge("1.0.0.1", "1.0.0.2", true), edge("1.0.0.1", "1.0.0.1", false), edge("1.0.0.2", "9.9.9.9", false), edge("1.0.0.2", "1.0.0.1", true)];
    await writeParquet(join(dir, "addrs.parquet"), ADDRS, rows);
    const g = await loadGraph(dir, "r1", false);
    assert.deepEqual([...g.address], ["1.0.0.1", "1.0.0.2"]); // the gossiped 9.9.9.9 is not a graph node
    assert.equal(g.src.length, 2);
    assert.deepEqual([...g.replyEntries], [1, 1]);

    // The same rows as an older crawler wrote them (no in_reply column): every row is an edge, as before.
    const db = await openDuckDB();
    try {
      const p = join(dir, "addrs.parquet");
      await db.connection.run(`copy (select * exclude (in_reply) from read_parquet(${quotedString(p)})) to ${quotedString(`${p}.old`)} (format parquet)`);
    } finally {
      db.close();
    }
    await rm(join(dir, "addrs.parquet"));
    await rename(join(dir, "addrs.parquet.old"), join(dir, "addrs.parquet"));
    const old = await loadGraph(dir, "r1", false);
    assert.deepEqual([...old.address], ["1.0.0.1", "1.0.0.2", "9.9.9.9"]);
    assert.equal(old.src.length, 4);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
