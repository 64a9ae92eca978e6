// `fluxture query`: run SQL (inline, a file, a mart by name) against the views, or run every check.
import { readFile } from "node:fs/promises";
import type { DuckDBConnection } from "../../pipeline/duckdb.ts";
import { splitSqlStatements, type RowObject } from "../../pipeline/duckdb.ts";
import { errorMessage, UsageError } from "../../pipeline/errors.ts";
import { checkFailureLine, runChecks, type CheckResult } from "../../pipeline/sql/checks.ts";
import { ChecksFailedError, QueryError } from "../../pipeline/sql/errors.ts";
import { listSqlFiles, martViewName } from "../../pipeline/sql/files.ts";
import { csvLines, formatTable, jsonValue, type QueryFormat } from "../../pipeline/sql/format.ts";
import { openLake } from "../../pipeline/sql/lake.ts";
import { pushAll } from "../../lib/arrays.ts";
import { safeJsonStringify } from "../../lib/text.ts";

/** Parsed flags of `fluxture query`. Exactly one of sql, file, mart, checks. */
export interface QueryCommandOptions {
  readonly sql?: string;
  readonly file?: string;
  readonly mart?: string;
  readonly checks?: boolean;
  readonly data: string;
  readonly format: QueryFormat;
  /** Where results go (default process.stdout). */
  readonly out?: NodeJS.WritableStream;
}

/** Writes text, waiting for the stream to drain when its buffer is full (large results, slow pipes). */
function writer(out: NodeJS.WritableStream): (text: string) => Promise<void> {
  return (text) =>
    new Promise((resolve, reject) => {
      if (text.length === 0) return resolve();
      const ok = out.write(text, (err) => (err ? reject(err) : undefined));
      if (ok) resolve();
      else out.once("drain", () => resolve());
    });
}

/** Runs the query command; throws UsageError/QueryError/ChecksFailedError/DataError on failure. */
export async function runQueryCommand(opts: QueryCommandOptions): Promise<void> {
  const sources = [opts.sql !== undefined, opts.file !== undefined, opts.mart !== undefined, opts.checks === true].filter(Boolean).length;
  if (sources !== 1) {
    throw new UsageError('query: give exactly one of "SQL", --file FILE, --mart NAME or --checks');
  }
  let script: string;
  let label = "query";
  if (opts.mart !== undefined) {
    const marts = (await listSqlFiles("marts")).map((f) => f.name);
    if (!marts.includes(opts.mart)) throw new UsageError(`unknown mart '${opts.mart}' (marts: ${marts.join(", ")})`);
    script = `select * from ${martViewName(opts.mart)}`;
    label = `mart ${opts.mart}`;
  } else if (opts.file !== undefined) {
    try {
      script = await readFile(opts.file, "utf8");
    } catch (err) {
      throw new UsageError(`cannot read --file ${opts.file}: ${(err as NodeJS.ErrnoException).code ?? errorMessage(err)}`);
    }
    label = opts.file;
  } else {
    script = opts.sql ?? "";
  }
  const write = writer(opts.out ?? process.stdout);
  const lake = await openLake(opts.data);
  try {
    if (opts.checks) {
      await reportChecks(await runChecks(lake.connection), opts.format, write);
      return;
    }
    await runScript(lake.connection, script, label, opts.format, write);
  } finally {
    await lake.close();
  }
}

async function reportChecks(results: readonly CheckResult[], format: QueryFormat, write: (t: string) => Promise<void>): Promise<void> {
  const failed = results.filter((r) => r.offending > 0);
  if (format === "json") {
    await write(
      `${safeJsonStringify(
        results.map((r) => ({ check: r.name, passed: r.offending === 0, offending: r.offending, sample: r.sample.map(jsonValue) })),
        2,
      )}\n`,
    );
  } else {
    for (const r of results) {
      if (r.offending === 0) await write(`ok    ${r.name}\n`);
      else await write(`FAIL  ${checkFailureLine(r)}\n`);
    }
  }
  if (failed.length > 0) throw new ChecksFailedError(failed.length, results.length);
}

/** Runs every statement of `script`; the last one's rows are written in `format`. */
async function runScript(connection: DuckDBConnection, script: string, label: string, format: QueryFormat, write: (t: string) => Promise<void>): Promise<void> {
  const statements = splitSqlStatements(script);
  if (statements.length === 0) throw new UsageError(`${label}: no SQL statement to run`);
  const fail = (line: number, err: unknown): QueryError =>
    new QueryError(`${label}${statements.length > 1 || line > 1 ? `:${line}` : ""}: ${errorMessage(err).split("\n")[0]}`, { cause: err });
  for (const statement of statements.slice(0, -1)) {
    try {
      await connection.run(statement.sql);
    } catch (err) {
      throw fail(statement.line, err);
    }
  }
  const last = statements[statements.length - 1]!;
  let result: Awaited<ReturnType<DuckDBConnection["stream"]>>;
  try {
    result = await connection.stream(last.sql);
  } catch (err) {
    throw fail(last.line, err);
  }
  const columns = result.deduplicatedColumnNames();
  const jsonColumns = new Set(columns.filter((_, i) => result.columnType(i).alias === "JSON"));
  const all: RowObject[] = [];
  let first = true;
  if (format === "json") await write("[");
  try {
    for await (const batch of result.yieldRowObjectJs()) {
      const rows = batch as RowObject[];
      if (format === "table") {
        pushAll(all, rows);
      } else if (format === "csv") {
        await write(csvLines(columns, rows, first));
        first = false;
      } else {
        const parts = rows.map((row) => safeJsonStringify(jsonRow(row, jsonColumns))); // C0 and C1 escaped: no raw ESC on a terminal
        if (parts.length > 0) {
          await write(`${first ? "\n" : ",\n"}${parts.join(",\n")}`);
          first = false;
        }
      }
    }
  } catch (err) {
    throw fail(last.line, err);
  }
  if (format === "table") await write(formatTable(columns, all));
  else if (format === "csv" && first) await write(csvLines(columns, [], true));
  else if (format === "json") await write(first ? "]\n" : "\n]\n");
}

function jsonRow(row: RowObject, jsonColumns: ReadonlySet<string>): unknown {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) {
    if (jsonColumns.has(k) && typeof v === "string") {
      try {
        out[k] = JSON.parse(v);
        continue;
      } catch {
        /* not valid JSON text: keep the string */
      }
    }
    out[k] = jsonValue(v);
  }
  return out;
}
