// DuckDB-WASM for the Observable notebook, loaded from node_modules (bundled by Vite, served with the site:
// no CDN). Version 1.28.0 is pinned on purpose: it is the last DuckDB-WASM release whose WebAssembly build has
// the Parquet reader built in; later releases download the parquet extension from extensions.duckdb.org at run
// time, which an offline notebook cannot do. Only the `eh` build (WebAssembly exceptions: every current
// browser) is shipped, which keeps the site at ~20 MB.
import * as duckdb from "@duckdb/duckdb-wasm";
import ehWasm from "@duckdb/duckdb-wasm/dist/duckdb-eh.wasm?url";
import ehWorker from "@duckdb/duckdb-wasm/dist/duckdb-browser-eh.worker.js?url";

/**
 * Opens DuckDB-WASM in a worker, registers every Parquet file of the site's data/manifest.json under its
 * relative path (read over HTTP from the same origin), creates the views `visits`, `geo`, `node_metrics`
 * (the chosen run) and `history` (visits of the run and the runs before it, with `run_id`), and returns
 * `{manifest, query(sql) → rows as plain objects}`. The manifest's `setup` statements (the is_reachable macro)
 * run first.
 */
export async function openFluxture(base = document.baseURI) {
  const manifest = await (await fetch(new URL("data/manifest.json", base))).json();
  const bundle = await duckdb.selectBundle({
    eh: { mainModule: new URL(ehWasm, base).href, mainWorker: new URL(ehWorker, base).href },
  });
  const worker = new Worker(bundle.mainWorker);
  const db = new duckdb.AsyncDuckDB(new duckdb.ConsoleLogger(duckdb.LogLevel.WARNING), worker);
  await db.instantiate(bundle.mainModule, bundle.pthreadWorker);
  const files = [manifest.run.visits, manifest.run.geo, manifest.run.node_metrics, ...manifest.history.map((h) => h.visits)];
  for (const file of new Set(files)) {
    await db.registerFileURL(file, new URL(`data/${file}`, base).href, duckdb.DuckDBDataProtocol.HTTP, false);
  }
  const conn = await db.connect();
  const literal = (s) => `'${String(s).replaceAll("'", "''")}'`;
  for (const sql of manifest.setup ?? []) await conn.query(sql);
  await conn.query(`create view visits as select * from read_parquet(${literal(manifest.run.visits)})`);
  await conn.query(`create view geo as select * from read_parquet(${literal(manifest.run.geo)})`);
  await conn.query(`create view node_metrics as select * from read_parquet(${literal(manifest.run.node_metrics)})`);
  await conn.query(
    `create view history as ${manifest.history
      .map((h) => `select ${literal(h.run_id)} as run_id, ${literal(h.started_at)} as started_at, outcome from read_parquet(${literal(h.visits)})`)
      .join(" union all ")}`,
  );
  return {
    manifest,
    version: await db.getVersion(),
    /** Rows of `sql` as plain objects (BigInt counts become numbers). */
    async query(sql) {
      const table = await conn.query(sql);
      return table.toArray().map((row) => {
        const out = {};
        for (const [key, value] of Object.entries(row.toJSON())) out[key] = typeof value === "bigint" ? Number(value) : value;
        return out;
      });
    },
  };
}
