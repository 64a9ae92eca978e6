// manifest.json: the record of one run (state, times, options, counts, stages), read and validated here.
import { readFile } from "node:fs/promises";
import { DataError } from "./errors.ts";
import { isNetworkName, type NetworkName } from "../lib/bitcoin/networks.ts";

/** Life cycle of a run or stage: `running` until sealed as one of the three final states. */
export type RunState = "running" | "succeeded" | "failed" | "cancelled";

/** Every RunState, for validation and flags. */
export const RUN_STATES: readonly RunState[] = ["running", "succeeded", "failed", "cancelled"];

/** What one stage (crawl, geolocate, topology, export…) did to the run. */
export interface StageRecord {
  state: RunState;
  started_at: string;
  finished_at: string | null;
  counts?: Record<string, number>;
  details?: Record<string, unknown>;
  /** Fingerprints of the inputs the stage read (pipeline/stage.ts): a change since its success makes it stale. */
  inputs?: Record<string, string>;
}

/** The key under which a stage's record is fingerprinted among another stage's `inputs` (`stage:geolocate`). */
export function stageInputKey(name: string): string {
  return `stage:${name}`;
}

/**
 * A stage record as the input of another stage: its state and when it finished, `absent` without a record.
 * runStage compares it (pipeline/stage.ts) and views.sql too (stageFingerprintSql): one rule, two languages.
 */
export function stageFingerprint(record: StageRecord | undefined): string {
  return record === undefined ? "absent" : `${record.state}@${record.finished_at ?? record.started_at}`;
}

/** stageFingerprint in DuckDB SQL, over a manifest's `stages` JSON expression (views.sql is rendered with it). */
export function stageFingerprintSql(stages: string, name: string): string {
  const record = `${stages}->'${name.replaceAll("'", "''")}'`;
  return `coalesce((${record}->>'state') || '@' || coalesce(${record}->>'finished_at', ${record}->>'started_at'), 'absent')`;
}

/** Contents of manifest.json. Timestamps are ISO 8601 UTC strings (`2026-01-02T03:04:05.678Z`). */
export interface Manifest {
  run_id: string;
  network: NetworkName;
  state: RunState;
  started_at: string;
  finished_at: string | null;
  options: Record<string, unknown>;
  counts: Record<string, number>;
  tool_version: string;
  stages: Record<string, StageRecord>;
  /** One-line reason when the run was sealed failed or cancelled. */
  error?: string;
  /**
   * Datasets whose sealed file was published and now supersedes its part files: written after the sealed files
   * are durable and before any part is deleted, cleared when a resume turns them back into parts (seal journal).
   */
  published?: string[];
}

/** File name of the manifest inside a run folder. */
export const MANIFEST_FILE = "manifest.json";

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function isState(v: unknown): v is RunState {
  return typeof v === "string" && (RUN_STATES as readonly string[]).includes(v);
}

function isCounts(v: unknown): v is Record<string, number> {
  return isRecord(v) && Object.values(v).every((n) => typeof n === "number");
}

/** Why `value` is not a valid manifest, or null if it is one. */
export function manifestProblem(value: unknown): string | null {
  if (!isRecord(value)) return "not a JSON object";
  if (typeof value.run_id !== "string" || !/^\d{8}T\d{6}Z$/.test(value.run_id)) return "run_id missing or not YYYYMMDDTHHMMSSZ";
  if (typeof value.network !== "string" || !isNetworkName(value.network)) return "network missing or unknown";
  if (!isState(value.state)) return "state missing or not running|succeeded|failed|cancelled";
  if (typeof value.started_at !== "string") return "started_at missing";
  if (value.finished_at !== null && typeof value.finished_at !== "string") return "finished_at must be a string or null";
  if (!isRecord(value.options)) return "options must be an object";
  if (!isCounts(value.counts)) return "counts must map names to numbers";
  if (typeof value.tool_version !== "string") return "tool_version missing";
  if (!isRecord(value.stages)) return "stages must be an object";
  if (value.published !== undefined && !(Array.isArray(value.published) && value.published.every((n) => typeof n === "string"))) {
    return "published must be a list of dataset names";
  }
  for (const [name, stage] of Object.entries(value.stages)) {
    if (!isRecord(stage) || !isState(stage.state) || typeof stage.started_at !== "string") return `stage '${name}' is malformed`;
    if (stage.counts !== undefined && !isCounts(stage.counts)) return `stage '${name}' counts must map names to numbers`;
    if (stage.inputs !== undefined && !(isRecord(stage.inputs) && Object.values(stage.inputs).every((v) => typeof v === "string"))) {
      return `stage '${name}' inputs must map names to strings`;
    }
  }
  return null;
}

/** Reads and validates a manifest; a missing, unparsable or malformed file is a DataError naming the file. */
export async function readManifest(path: string): Promise<Manifest> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new DataError(code === "ENOENT" ? `run manifest ${path} does not exist` : `cannot read run manifest ${path}: ${code ?? String(err)}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new DataError(`run manifest ${path} is corrupt: ${(err as Error).message}`);
  }
  const problem = manifestProblem(value);
  if (problem !== null) throw new DataError(`run manifest ${path} is corrupt: ${problem}`);
  return value as Manifest;
}

/** Serialises a manifest the way it is stored (2-space JSON, trailing newline). */
export function formatManifest(manifest: Manifest): string {
  return `${JSON.stringify(manifest, null, 2)}\n`;
}
