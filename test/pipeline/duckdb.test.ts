// DuckDB access: extensions are never fetched, Parquet really round-trips, SQL scripts split and run correctly.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { DataError } from "../../pipeline/errors.ts";
import { quotedIdentifier, quotedString } from "@duckdb/node-api";
import { openDuckDB, queryRows, runSqlFile, runSqlScript, splitSqlStatements } from "../../pipeline/duckdb.ts";

const root = mkdtempSync(join(tmpdir(), "fluxture-duckdb-"));
after(() => rmSync(root, { recursive: true, force: true }));

test("openDuckDB turns extension auto-install and auto-load off and sets threads", async () => {
  const db = await openDuckDB({ threads: 1 });
  try {
    const [row] = await queryRows(
      db.connection,
      "select current_setting('autoinstall_known_extensions') as ai, current_setting('autoload_known_extensions') as al, current_setting('threads') as t",
    );
    assert.deepEqual(row, { ai: false, al: false, t: 1n });
    // spatial is not bundled: with auto-load off it is an error, never a download
    await assert.rejects(db.connection.run("select st_point(1, 2)"));
  } finally {
    db.close();
  }
  db.close(); // idempotent
});

test("Parquet written with COPY is read back with its types", async () => {
  const db = await openDuckDB({ fileSearchPath: root });
  try {
    const file = join(root, "t.parquet");
    await db.connection.run(
      `copy (select 18446744073709551615::ubigint as services, 'x''y' as s, 8333::usmallint as port, timestamptz '2026-01-02 03:04:05+00' as at) to ${quotedString(file)} (format parquet, compression zstd)`,
    );
    const rows = await queryRows(db.connection, `select * from read_parquet(${quotedString(file)})`);
    assert.deepEqual(rows, [{ services: (1n << 64n) - 1n, s: "x'y", port: 8333, at: new Date("2026-01-02T03:04:05Z") }]);
    assert.deepEqual(
      await queryRows(db.connection, "select count(*)::integer as n from 't.parquet'"),
      [{ n: 1 }],
      "relative paths resolve against fileSearchPath",
    );
    assert.deepEqual(await queryRows(db.connection, "select $1::integer + 1 as n", [41]), [{ n: 42 }]);
    assert.equal(quotedIdentifier('we"ird'), '"we""ird"');
  } finally {
    db.close();
  }
});

test("splitSqlStatements honours quotes, identifiers, comments and dollar quotes, and reports start lines", () => {
  const script = [
    "-- header; not a statement",
    'create table t (a varchar, "b;c" integer);',
    "",
    "insert into t values ('semi;colon', 1), ('it''s; fine', 2); /* block; comment",
    "spanning lines */ select $$dollar ; quoted$$ as d;",
    "select $tag$ a; $$ b $tag$ as e",
    "-- trailing comment only",
  ].join("\n");
  const statements = splitSqlStatements(script);
  assert.deepEqual(
    statements.map((s) => s.line),
    [1, 4, 4, 6],
  );
  assert.equal(statements.length, 4);
  assert.match(statements[1]!.sql, /^insert into t values \('semi;colon', 1\), \('it''s; fine', 2\)$/);
  assert.match(statements[2]!.sql, /select \$\$dollar ; quoted\$\$ as d$/);
  assert.equal(statements[3]!.sql, "select $tag$ a; $$ b $tag$ as e\n-- trailing comment only");
  assert.deepEqual(splitSqlStatements("  ;; -- nothing\n/* at all */ ;"), []);
});

test("runSqlFile runs every statement, returns the last one's rows, and names file and line on error", async () => {
  const db = await openDuckDB({ threads: 1 });
  try {
    const file = join(root, "script.sql");
    writeFileSync(file, "create table t (a varchar);\ninsert into t values ('x;y'), ('z');\n-- the result\nselect a from t order by a;\n");
    assert.deepEqual(await runSqlFile(db.connection, file), [{ a: "x;y" }, { a: "z" }]);
    const bad = join(root, "bad.sql");
    writeFileSync(bad, "select 1;\n\nselect * from no_such_table;\n");
    await assert.rejects(
      runSqlFile(db.connection, bad),
      (e: unknown) => e instanceof DataError && e.message.startsWith(`${bad}:3: `) && /no_such_table/.test(e.message),
    );
    await assert.rejects(runSqlFile(db.connection, join(root, "missing.sql")), /cannot read SQL file .*missing\.sql: ENOENT/);
    assert.deepEqual(await runSqlScript(db.connection, "select 1 as one"), [{ one: 1 }]);
  } finally {
    db.close();
  }
});
