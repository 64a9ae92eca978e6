// Builds the Observable notebook (index.html, Observable Notebook Kit + Vite) into a static site and copies a
// run's Parquet files beside it, offline: every library comes from node_modules. `npm run notebook -- --help`.
import { copyFile, mkdir, rename, rm, writeFile } from "node:fs/promises";
import { constants, existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import type { Logger } from "vite";
import { DataError, FluxtureError, UsageError, errorMessage } from "../../pipeline/errors.ts";
import { findRun, listRuns, RUN_ID_PATTERN, type RunInfo } from "../../pipeline/runs.ts";
import { reachableMacroStatement } from "../../pipeline/schema/views-sql.ts";
import { isNetworkName, NETWORK_NAMES, type NetworkName } from "../../lib/bitcoin/networks.ts";

/** Folder of the notebook's sources (index.html, fluxture-db.js, ui.js). */
export const NOTEBOOK_DIR = dirname(fileURLToPath(import.meta.url));

/** Parquet files of the chosen run the notebook reads. */
export const RUN_FILES = ["visits.parquet", "geo.parquet", "node_metrics.parquet"] as const;

/** What to build: which data folder and run, how many runs of history, where to write the site. */
export interface NotebookBuildOptions {
  readonly data: string;
  /** A run id; absent = the newest succeeded run (of `network` when given). */
  readonly run?: string | undefined;
  readonly network?: NetworkName | undefined;
  /** How many sealed runs (the chosen one included) feed the reachable-over-runs chart. */
  readonly history: number;
  /** Output folder of the site; replaced as a whole once the new site is complete. */
  readonly out: string;
}

/** Manifest the page reads (data/manifest.json): file paths relative to data/. */
export interface NotebookManifest {
  readonly run: { run_id: string; network: string; started_at: string; visits: string; geo: string; node_metrics: string };
  readonly history: { run_id: string; started_at: string; visits: string }[];
  /** Statements the page runs before its views: the `is_reachable(outcome)` macro of sql/views.sql. */
  readonly setup: string[];
}

/** The site that was built. */
export interface NotebookBuild {
  readonly out: string;
  readonly run: RunInfo;
  readonly manifest: NotebookManifest;
}

/** Vite's logger at level warn, less the deprecation notice Notebook Kit's own Vite config triggers. */
function quietLogger(createLogger: (level: "warn") => Logger): Logger {
  const logger = createLogger("warn");
  const { warn, warnOnce } = logger;
  const upstream = (msg: string): boolean => msg.includes("customResolver");
  logger.warn = (msg, options) => (upstream(msg) ? undefined : warn(msg, options));
  logger.warnOnce = (msg, options) => (upstream(msg) ? undefined : warnOnce(msg, options));
  return logger;
}

/** The page template with an empty favicon, so browsers do not ask the server for /favicon.ico. */
function withEmptyFavicon(template: string): string {
  return template.replace("<head>", '<head>\n    <link rel="icon" href="data:,">');
}

/** Builds the site into `opts.out` (atomically: a sibling temp folder renamed into place). */
export async function buildNotebook(opts: NotebookBuildOptions): Promise<NotebookBuild> {
  if (!Number.isInteger(opts.history) || opts.history < 1) throw new UsageError(`--history must be a positive integer, got ${opts.history}`);
  const run = await findRun(opts.data, { run: opts.run, network: opts.network, states: ["succeeded"] });
  for (const file of RUN_FILES) {
    if (!existsSync(join(run.dir, file))) {
      throw new DataError(`run ${run.id} has no ${file} (${run.dir}): run \`fluxture analyze --run ${run.id}\` first`);
    }
  }
  const earlier = (await listRuns(opts.data, { network: run.network, onSkip: () => {} }))
    .filter((r) => r.manifest.state === "succeeded" && r.id <= run.id && existsSync(join(r.dir, "visits.parquet")))
    .slice(-opts.history);

  const out = resolve(opts.out);
  const tmp = `${out}.tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  try {
    // Vite and Notebook Kit load only once the flags and the run are known good (bad input fails in well under a second)
    const { build, createLogger } = await import("vite");
    const { config, observable } = await import("@observablehq/notebook-kit/vite");
    await build({
      ...config(),
      configFile: false,
      logLevel: "warn",
      customLogger: quietLogger(createLogger),
      plugins: [observable({ transformTemplate: withEmptyFavicon })],
      root: NOTEBOOK_DIR,
      cacheDir: join(NOTEBOOK_DIR, "..", "..", "node_modules", ".vite", "notebook"),
      build: { outDir: tmp, emptyOutDir: true, chunkSizeWarningLimit: 4096, rollupOptions: { input: [join(NOTEBOOK_DIR, "index.html")] } },
    });
    const copy = async (from: string, to: string): Promise<string> => {
      await mkdir(dirname(join(tmp, "data", to)), { recursive: true });
      await copyFile(from, join(tmp, "data", to), constants.COPYFILE_FICLONE);
      return to;
    };
    const folder = (r: RunInfo): string => `runs/network=${r.network}/run_id=${r.id}`;
    const manifest: NotebookManifest = {
      run: {
        run_id: run.id,
        network: run.network,
        started_at: run.manifest.started_at,
        visits: await copy(join(run.dir, "visits.parquet"), `${folder(run)}/visits.parquet`),
        geo: await copy(join(run.dir, "geo.parquet"), `${folder(run)}/geo.parquet`),
        node_metrics: await copy(join(run.dir, "node_metrics.parquet"), `${folder(run)}/node_metrics.parquet`),
      },
      history: [],
      setup: [reachableMacroStatement()],
    };
    for (const r of earlier) {
      const visits = `${folder(r)}/visits.parquet`;
      if (r.id !== run.id) await copy(join(r.dir, "visits.parquet"), visits);
      manifest.history.push({ run_id: r.id, started_at: r.manifest.started_at, visits });
    }
    await writeFile(join(tmp, "data", "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
    await rm(out, { recursive: true, force: true });
    await rename(tmp, out);
    return { out, run, manifest };
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
}

const USAGE = `usage: npm run notebook -- [--data DIR] [--run RUN_ID] [--network NAME] [--history N] [--out DIR]

Builds notebooks/observable (Observable Notebook Kit + DuckDB-WASM, offline) for one run of a data folder.
  --data DIR      data folder (default: $FLUXTURE_DATA or data)
  --run RUN_ID    the run to show (default: the newest succeeded run)
  --network NAME  only runs of this network
  --history N     sealed runs in the reachable-over-runs chart, the chosen one included (default: 10)
  --out DIR       where the site goes (default: notebooks/observable/dist)
Then: npm run notebook:serve (or any static HTTP server over the out folder).`;

/** Command line: parses flags, builds, prints one line; failures print `notebook: <reason>` and exit non-zero. */
export async function main(argv: readonly string[]): Promise<void> {
  try {
    const { values } = parseArgs({
      args: [...argv],
      options: {
        data: { type: "string" },
        run: { type: "string" },
        network: { type: "string" },
        history: { type: "string" },
        out: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
    if (values.help) {
      process.stdout.write(`${USAGE}\n`);
      return;
    }
    if (values.run !== undefined && !RUN_ID_PATTERN.test(values.run)) throw new UsageError(`--run must be a run id YYYYMMDDTHHMMSSZ, got '${values.run}'`);
    if (values.network !== undefined && !isNetworkName(values.network)) {
      throw new UsageError(`--network must be one of ${NETWORK_NAMES.join(", ")}, got '${values.network}'`);
    }
    const history = values.history === undefined ? 10 : /^\d+$/.test(values.history) ? Number(values.history) : Number.NaN;
    const result = await buildNotebook({
      data: values.data ?? (process.env.FLUXTURE_DATA || "data"),
      run: values.run,
      network: values.network,
      history: Number.isNaN(history) ? -1 : history,
      out: values.out ?? join(NOTEBOOK_DIR, "dist"),
    });
    process.stdout.write(
      `notebook: built ${result.out} for run ${result.run.id} (${result.run.network}, ${result.manifest.history.length} run(s) of history)\n`,
    );
  } catch (err) {
    const usage = err instanceof FluxtureError || (err instanceof TypeError && "code" in err && String(err.code).startsWith("ERR_PARSE_ARGS"));
    process.stderr.write(`notebook: ${usage ? errorMessage(err) : err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = err instanceof FluxtureError ? err.exitCode : usage ? 2 : 1;
  }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main(process.argv.slice(2));
}
