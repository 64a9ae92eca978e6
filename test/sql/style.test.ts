// Every SQL file follows the house style: a header comment saying what it answers, lowercase keywords, no
// absolute paths and no templating; staging/intermediate/mart files create the view named after the file.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { test } from "node:test";
import { listSqlFiles, VIEWS_SQL, viewNameOf, type SqlFolder } from "../../pipeline/sql/files.ts";

const FOLDERS: readonly SqlFolder[] = ["staging", "intermediate", "marts", "checks"];

function code(sql: string): string {
  return sql.replace(/--[^\n]*/g, "").replace(/'[^']*'/g, "''");
}

test("SQL files: header comment, lowercase keywords, relative paths only, no templating", async () => {
  const files = [
    { folder: undefined, name: "views", path: VIEWS_SQL },
    ...(await Promise.all(FOLDERS.map(async (folder) => (await listSqlFiles(folder)).map((f) => ({ folder, ...f }))))).flat(),
  ];
  assert.ok(files.length >= 1 + 6 + 1 + 12 + 4, `found ${files.length} files`);
  for (const f of files) {
    const text = await readFile(f.path, "utf8");
    const body = code(text);
    assert.match(text, /^-- \S/, `${f.path}: starts with a header comment`);
    assert.ok(
      !/\b(SELECT|FROM|WHERE|GROUP BY|ORDER BY|JOIN|WITH|CREATE|VIEW|AS|AND|OR|NOT|NULL|CASE|WHEN|THEN|END)\b/.test(body),
      `${f.path}: keywords are lowercase`,
    );
    const noComments = text.replace(/--[^\n]*/g, "");
    // `|| '/visits.parquet'` appends a file name to the fluxture_runs glob; any other '/… literal is an absolute path
    assert.ok(!/\{\{|\$\{|(?<!\|\| )'\/[a-z]/i.test(noComments), `${f.path}: no templating or absolute paths`);
    if (f.folder === "checks") {
      const header = text
        .split("\n")
        .filter((_l, i, all) => all.slice(0, i + 1).every((x) => x.startsWith("--")))
        .join("\n");
      assert.ok(/^-- check \w+: /.test(header) && header.includes("?"), `${f.path}: the header asks the invariant's question`);
      assert.doesNotMatch(body, /\bcreate\b/, `${f.path}: a check is a plain query`);
    } else if (f.folder !== undefined) {
      const view = viewNameOf(f.folder, f.name);
      assert.match(text, new RegExp(`^-- ${view}: .+`, "m"), `${f.path}: header names ${view}`);
      assert.match(text, new RegExp(`create or replace view ${view} as\\n`), `${f.path}: creates ${view}`);
    }
  }
});
