// Renders sql/views.sql from the dataset schemas, so its typed empty relations (and the reachable rule) can
// never drift from the writers. scripts/gen-views-sql.ts writes the file; a test fails when it is stale.
import { quotedString } from "@duckdb/node-api";
import { DATASETS } from "./index.ts";
import type { DatasetSchema } from "./types.ts";
import { REACHABLE_OUTCOMES } from "./visits.ts";
import { stageFingerprintSql, stageInputKey } from "../manifest.ts";
import { NODES_INPUTS } from "./nodes.ts";

/** The session variable holding the glob of the run folders every view reads (default DEFAULT_RUNS_GLOB). */
export const RUNS_VARIABLE = "fluxture_runs";

/** Run folders of the data lake in the folder the client runs from: what views.sql reads when nothing is set. */
export const DEFAULT_RUNS_GLOB = "data/runs/*/*";

/** manifest.json fields as the views read them (read_json columns), in all_runs order. */
const MANIFEST_COLUMNS: readonly (readonly [string, string])[] = [
  ["run_id", "varchar"],
  ["network", "varchar"],
  ["state", "varchar"],
  ["started_at", "timestamptz"],
  ["finished_at", "timestamptz"],
  ["tool_version", "varchar"],
  ["counts", "json"],
  ["options", "json"],
  ["stages", "json"],
  ["error", "varchar"],
];

/** The hive columns every dataset view adds from its folder names. */
const HIVE_COLUMNS = ["network", "run_id"] as const;

const literal = quotedString;

/** `coalesce(getvariable('fluxture_runs'), 'data/runs/*\/*') || '/<file>'`: the glob of one file of every run. */
function runsGlob(file: string): string {
  return `coalesce(getvariable(${literal(RUNS_VARIABLE)}), ${literal(DEFAULT_RUNS_GLOB)}) || ${literal(`/${file}`)}`;
}

/**
 * The session variable listing the files of one dataset (`manifests` or a dataset name) to read instead of the
 * glob: set by lake sessions to the files of healthy runs only, so one damaged run never breaks a query.
 */
export function filesVariable(name: string): string {
  return `fluxture_files_${name}`;
}

/** The files a view reads: the session's list when set, else the glob of `file` in every run folder. */
function filesOf(name: string, file: string): string {
  return `coalesce(getvariable(${literal(filesVariable(name))}), [${runsGlob(file)}])`;
}

/** Whether at least one file of the dataset exists: the session's list when set, else the glob. */
function hasFiles(name: string, file: string): string {
  return `coalesce(len(getvariable(${literal(filesVariable(name))})) > 0, (select count(*) > 0 from glob(${runsGlob(file)})))`;
}

/** The `set variable` statements views.sql starts with, in order; lake sessions re-run them on every connection. */
export function sessionStatements(): string[] {
  return [
    `set variable ${RUNS_VARIABLE} = coalesce(getvariable(${literal(RUNS_VARIABLE)}), ${literal(DEFAULT_RUNS_GLOB)})`,
    `set variable fluxture_has_manifests = ${hasFiles("manifests", "manifest.json")}`,
    ...DATASETS.map((d) => `set variable fluxture_has_${d.name} = ${hasFiles(d.name, d.file)}`),
  ];
}

/** The statement setting the run-folder glob of a session: `<dataDir>/runs/*\/*`, or one run folder. */
export function setRunsStatement(runsGlobValue: string): string {
  return `set variable ${RUNS_VARIABLE} = ${literal(runsGlobValue)}`;
}

/** `create or replace macro is_reachable(outcome)`: views.sql defines it, and openDuckDB in every session. */
export function reachableMacroStatement(): string {
  return `create or replace macro is_reachable(outcome) as outcome in (${REACHABLE_OUTCOMES.map(literal).join(", ")})`;
}

function emptyRelation(name: string, columns: readonly (readonly [string, string])[]): string {
  const lines = columns.map(([column, type], i) => `    null::${type} as ${column}${i < columns.length - 1 ? "," : ""}`);
  return [`create or replace view fluxture_empty_${name} as`, "select", ...lines, "where false;", ""].join("\n");
}

function datasetColumns(d: DatasetSchema): (readonly [string, string])[] {
  return [...d.columns.map((c) => [c.name, c.type.toLowerCase()] as const), ...HIVE_COLUMNS.map((h) => [h, "varchar"] as const)];
}

function rawView(d: DatasetSchema): string {
  return [
    `create or replace view raw_${d.name} as`,
    `select * from query(if(coalesce(getvariable('fluxture_has_${d.name}'), true),`,
    "    $$",
    `    from fluxture_empty_${d.name}`,
    "    union all by name",
    `    from read_parquet(${filesOf(d.name, d.file)}, hive_partitioning = true, union_by_name = true,`,
    "        hive_types = {'network': varchar, 'run_id': varchar})",
    "    $$,",
    `    'from fluxture_empty_${d.name}'));`,
    "",
  ].join("\n");
}

function sealedView(d: DatasetSchema): string {
  if (d.name === "nodes") return "";
  return [
    `create or replace view ${d.name} as`,
    "select d.*",
    `from raw_${d.name} as d`,
    "semi join runs as r on d.network = r.network and d.run_id = r.run_id;",
    "",
  ].join("\n");
}

const HEADER = `-- Views over every run in the data lake: the entry point of all Fluxture SQL.
-- GENERATED by \`node --import tsx scripts/gen-views-sql.ts\` from pipeline/schema/*.ts; do not edit by hand
-- (test/sql/views-generated.test.ts fails when this file differs from what the generator produces).
--
-- Run it as-is from the repository root in any DuckDB client (CLI \`.read sql/views.sql\`, Python
-- \`duckdb.sql(open('sql/views.sql').read())\`, Node): there is no templating. The views read the run folders
-- matching the session variable \`${RUNS_VARIABLE}\`, by default \`${DEFAULT_RUNS_GLOB}\` (relative: the folder the client
-- runs from). To point them at another lake, set it first:
--   set variable ${RUNS_VARIABLE} = '/path/to/lake/runs/*/*';
-- (that is what \`fluxture query --data DIR\` does; one run folder works too, as \`fluxture analyze\` does).
-- When some run is damaged (a truncated Parquet file, a bad manifest), lake sessions (\`fluxture query\`, the
-- API, marts) also set \`fluxture_files_<dataset>\` and \`fluxture_files_manifests\` to the files of the healthy
-- runs, so the damaged ones are left out (one warning each) instead of failing every query. Unset, globs are read.
--
-- Views:
--   all_runs      every run folder with a readable manifest, whatever its state (running, failed, ...)
--   runs          the sealed runs: state = 'succeeded'; every other view below is restricted to them
${DATASETS.filter((d) => d.name !== "nodes")
  .map((d) => `--   ${d.name.padEnd(13)} ${d.file} of sealed runs`)
  .join("\n")}
--   nodes         nodes.parquet of sealed runs whose file is current (runs_with_current_nodes: derived by
--                 \`fluxture analyze\`, see sql/intermediate/int_nodes.sql)
--   raw_<dataset> the same files for runs in any state (a crashed crawl's partial output included)
-- Every dataset view carries the hive columns \`network\` and \`run_id\` from its folder names.
-- Macro:
--   is_reachable(outcome)  the version handshake completed: outcome in (${REACHABLE_OUTCOMES.join(", ")})
--
-- Datasets that do not exist yet: DuckDB refuses to read a glob that matches no file, and a view over
-- one cannot even be created. So each \`fluxture_has_<dataset>\` variable below records whether at least
-- one file exists when this script runs; the view reads the files when it does and is an empty, typed
-- relation (same columns) when it does not. Consequences:
--   * re-run this file after the first run of a dataset lands (new runs of an existing dataset are
--     picked up by every query, since globs are expanded at query time);
--   * variables belong to the session: in a new connection of the same database, re-run this file.
--     If a variable is missing the views read the default folder, and fail loudly when there are no files.
-- Columns follow pipeline/schema/*.ts; a file written by an older version that lacks a column reads it
-- as NULL (union by name with the typed empty relation).
`;

function runsViews(): string {
  const fields = MANIFEST_COLUMNS.map(([c]) => c);
  const jsonColumns = MANIFEST_COLUMNS.map(([c, t]) => `${c}: ${literal(t)}`);
  const jsonColumnLines: string[] = [];
  for (let i = 0; i < jsonColumns.length; i += 3) jsonColumnLines.push(`            ${jsonColumns.slice(i, i + 3).join(", ")}`);
  return `-- ---------------------------------------------------------------------------------------------------
-- Runs: one row per manifest.json. A manifest whose run_id/network disagree with its folder names is
-- listed in all_runs (folder_* columns show the disagreement) but never counts as sealed.
create or replace view all_runs as
select
${[...fields.slice(0, 5), "date_diff('millisecond', started_at, finished_at) / 1000.0 as duration_s", ...fields.slice(5), "folder_network", "folder_run_id"].map((f) => `    ${f}`).join(",\n")}
from query(if(coalesce(getvariable('fluxture_has_manifests'), true),
    $$
    select
${fields.map((f) => `        m.${f},`).join("\n")}
        regexp_extract(m.filename, '[/\\\\]network=([^/\\\\]+)[/\\\\]run_id=[^/\\\\]+[/\\\\]manifest\\.json$', 1) as folder_network,
        regexp_extract(m.filename, '[/\\\\]run_id=([^/\\\\]+)[/\\\\]manifest\\.json$', 1) as folder_run_id
    from read_json(
        ${filesOf("manifests", "manifest.json")},
        format = 'auto',
        hive_partitioning = false,
        filename = true,
        columns = {
${jsonColumnLines.join(",\n")}
        }
    ) as m
    $$,
    'from fluxture_empty_manifests'));

create or replace view runs as
select
${[...fields.slice(0, 5), "duration_s", ...fields.slice(5, 9)].map((f) => `    ${f}`).join(",\n")}
from all_runs
where state = 'succeeded'
    and run_id = folder_run_id
    and network = folder_network;
`;
}

const NODES_CURRENCY = `-- nodes.parquet is derived from visits and geo: a run's file counts only while it exists, the manifest's
-- \`nodes\` stage succeeded, and the stage records it read (${NODES_INPUTS.stages.join(", ")}) are the run's present ones, by
-- the fingerprints runStage recorded in its \`inputs\` (pipeline/manifest.ts stageFingerprint). Re-geolocating a run
-- therefore retires its nodes file until analyze rewrites it. stg_runs.nodes_prepared and the nodes view read this.
create or replace view runs_with_current_nodes as
with
nodes_files as (
    select
        regexp_extract(file, '[/\\\\]network=([^/\\\\]+)[/\\\\]run_id=[^/\\\\]+[/\\\\]nodes\\.parquet$', 1) as network,
        regexp_extract(file, '[/\\\\]run_id=([^/\\\\]+)[/\\\\]nodes\\.parquet$', 1) as run_id
    from (
        select file from glob(${runsGlob("nodes.parquet")}) where getvariable(${literal(filesVariable("nodes"))}) is null
        union all
        select unnest(getvariable(${literal(filesVariable("nodes"))})) as file
    )
)

select r.network, r.run_id
from runs as r
semi join nodes_files as f on f.network = r.network and f.run_id = r.run_id
where r.stages->'nodes'->>'state' = 'succeeded'
${NODES_INPUTS.stages.map((s) => `    and (r.stages->'nodes'->'inputs'->>'${stageInputKey(s)}') = ${stageFingerprintSql("r.stages", s)}`).join("\n")};

create or replace view nodes as
select n.*
from raw_nodes as n
semi join runs_with_current_nodes as r on n.network = r.network and n.run_id = r.run_id;`;

/** The full text of sql/views.sql. */
export function renderViewsSql(): string {
  const manifestEmpty = [...MANIFEST_COLUMNS, ["folder_network", "varchar"] as const, ["folder_run_id", "varchar"] as const];
  return [
    HEADER,
    "-- ---------------------------------------------------------------------------------------------------",
    "-- Which run folders the views read, and which datasets have at least one file right now.",
    ...sessionStatements().map((s) => `${s};`),
    "",
    "-- ---------------------------------------------------------------------------------------------------",
    "-- The reachable rule (pipeline/schema/visits.ts REACHABLE_OUTCOMES, isReachable in TypeScript).",
    `${reachableMacroStatement()};`,
    "",
    "-- ---------------------------------------------------------------------------------------------------",
    "-- Typed empty relations: the columns of each dataset (pipeline/schema) plus the hive columns.",
    emptyRelation("manifests", manifestEmpty),
    ...DATASETS.map((d) => emptyRelation(d.name, datasetColumns(d))),
    runsViews(),
    "-- ---------------------------------------------------------------------------------------------------",
    "-- Raw datasets: every file, whatever the run's state.",
    ...DATASETS.map(rawView),
    "-- ---------------------------------------------------------------------------------------------------",
    "-- Sealed datasets: only rows whose run is in `runs`.",
    ...DATASETS.map(sealedView).filter((s) => s !== ""),
    NODES_CURRENCY,
    "",
  ].join("\n");
}
