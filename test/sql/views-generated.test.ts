// sql/views.sql is generated from pipeline/schema: the file on disk is exactly the generator's output, and the
// is_reachable macro it defines agrees with isReachable for every outcome.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { openDuckDB, runSqlScript } from "../../pipeline/duckdb.ts";
import { VISIT_OUTCOMES, VISIT_PREFERENCE, isReachable } from "../../pipeline/schema/visits.ts";
import { renderViewsSql } from "../../pipeline/schema/views-sql.ts";
import { VIEWS_SQL } from "../../pipeline/sql/files.ts";

test("sql/views.sql is exactly what scripts/gen-views-sql.ts generates from the schemas", () => {
  assert.equal(readFileSync(VIEWS_SQL, "utf8"), renderViewsSql(), "sql/views.sql is stale: run node --import tsx scripts/gen-views-sql.ts");
});

test("is_reachable(outcome) in views.sql and isReachable in TypeScript agree on every outcome (and NULL)", async () => {
  const db = await openDuckDB();
  try {
    await db.connection.run("set variable fluxture_runs = '/nonexistent-fluxture-lake/runs/*/*'");
    await runSqlScript(db.connection, renderViewsSql(), "views.sql");
    const values = VISIT_OUTCOMES.map((o) => `('${o}')`).join(", ");
    const got = (await db.connection.runAndReadAll(`select o, is_reachable(o) as r from (values ${values}, (null)) as t(o)`)).getRowObjectsJS();
    for (const row of got) {
      if (row.o === null) assert.equal(row.r, null);
      else assert.equal(row.r, isReachable(String(row.o)), String(row.o));
    }
    assert.deepEqual(
      VISIT_OUTCOMES.filter((o) => isReachable(o)),
      ["ok", "no_addr_reply"],
    );
  } finally {
    db.close();
  }
});

test("VISIT_PREFERENCE, the one duplicate rule (applied by the crawl store at seal): reachable, then finished, then latest", async () => {
  const db = await openDuckDB();
  try {
    const pick = async (rows: [string, number][]) => {
      const values = rows.map(([o, t]) => `('${o}', timestamp '2026-01-01 00:00:00' + interval ${t} second)`).join(", ");
      const got = await db.connection.runAndReadAll(`select outcome from (values ${values}) as t(outcome, attempted_at) order by ${VISIT_PREFERENCE} limit 1`);
      return got.getRowsJS()[0]?.[0];
    };
    assert.equal(
      await pick([
        ["ok", 1],
        ["timeout", 2],
        ["cancelled", 3],
      ]),
      "ok",
    );
    assert.equal(
      await pick([
        ["no_addr_reply", 1],
        ["ok", 2],
      ]),
      "ok",
    );
    assert.equal(
      await pick([
        ["timeout", 1],
        ["cancelled", 3],
      ]),
      "timeout",
    );
    assert.equal(
      await pick([
        ["cancelled", 1],
        ["cancelled", 3],
      ]),
      "cancelled",
    );
    assert.equal(
      await pick([
        ["refused", 1],
        ["timeout", 2],
      ]),
      "timeout",
    );
  } finally {
    db.close();
  }
});
