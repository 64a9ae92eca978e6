// fluxture's per-node table as CSV (RFC 4180), ARFF (Weka) or JSON lines: one row per node of the run.
import { NETWORK_TYPES } from "../../lib/bitcoin/address.ts";
import { VISIT_OUTCOMES } from "../../pipeline/schema/visits.ts";
import type { ExportNode } from "./model.ts";
import { escapeControl, escapeJsonControl } from "../../lib/text.ts";

/** The formats `fluxture export` writes as a table. */
export type TableFormat = "csv" | "arff" | "jsonl";

type Cell = string | number | boolean | bigint | null;
interface TableColumn {
  readonly name: string;
  /** ARFF attribute type: NUMERIC, STRING, or a nominal set. */
  readonly arff: "NUMERIC" | "STRING" | readonly string[];
  readonly get: (n: ExportNode) => Cell;
}

/** Every crawl outcome (pipeline/schema), plus `not_attempted` for graph nodes never visited: the ARFF `outcome` domain. */
export const OUTCOMES = [...VISIT_OUTCOMES, "not_attempted"] as const;

/** The table's columns, in order: fluxture's columns first, then what we add. */
export const TABLE_COLUMNS: readonly TableColumn[] = [
  { name: "address", arff: "STRING", get: (n) => n.address },
  { name: "port", arff: "NUMERIC", get: (n) => n.port },
  { name: "continent", arff: "STRING", get: (n) => n.continentCode },
  { name: "country", arff: "STRING", get: (n) => n.countryCode },
  { name: "city", arff: "STRING", get: (n) => n.city },
  { name: "outcome", arff: OUTCOMES, get: (n) => n.outcome ?? "not_attempted" },
  { name: "version", arff: "STRING", get: (n) => n.userAgent },
  { name: "in_degree", arff: "NUMERIC", get: (n) => n.inDegree },
  { name: "out_degree", arff: "NUMERIC", get: (n) => n.outDegree },
  { name: "mutual_neighbours", arff: "NUMERIC", get: (n) => n.mutualNeighbours },
  { name: "pagerank", arff: "NUMERIC", get: (n) => n.pagerank },
  { name: "weighted_pagerank", arff: "NUMERIC", get: (n) => n.weightedPagerank },
  { name: "network_type", arff: NETWORK_TYPES, get: (n) => n.networkType },
  { name: "protocol_version", arff: "NUMERIC", get: (n) => n.protocolVersion },
  { name: "services", arff: "NUMERIC", get: (n) => n.services },
  { name: "start_height", arff: "NUMERIC", get: (n) => n.startHeight },
  { name: "asn", arff: "NUMERIC", get: (n) => n.asn },
  { name: "as_org", arff: "STRING", get: (n) => n.asOrg },
  { name: "latitude", arff: "NUMERIC", get: (n) => n.latitude },
  { name: "longitude", arff: "NUMERIC", get: (n) => n.longitude },
];

function csvCell(value: Cell): string {
  if (value === null) return "";
  if (typeof value !== "string") return String(value); // numbers, booleans: nothing to escape or quote
  const text = escapeControl(value); // peer text: control characters shown, never raw in a CSV
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function arffString(text: string): string {
  return `'${escapeControl(text.replace(/\\/g, "\\\\").replace(/'/g, "\\'"))}'`; // control characters as \xHH
}

function arffCell(value: Cell, type: TableColumn["arff"]): string {
  if (value === null) return "?";
  if (type === "NUMERIC") return String(value);
  return arffString(String(value));
}

function jsonValue(value: Cell): string {
  if (typeof value === "bigint") return value.toString(); // JSON numbers have no size limit; JS's JSON.stringify has one
  if (typeof value === "string") return escapeJsonControl(JSON.stringify(value)); // peer text: no raw DEL/C1 either
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : "null"; // as JSON.stringify writes it
  return String(value); // boolean or null
}

/** `"name":` of every column, JSON-quoted once rather than once per row. */
const JSON_KEYS = TABLE_COLUMNS.map((c) => `${JSON.stringify(c.name)}:`);

/** Renders the nodes in one of the table formats (whole document, newline-terminated). */
export function renderTable(nodes: readonly ExportNode[], format: TableFormat, relation = "fluxture"): string {
  const lines: string[] = [];
  if (format === "csv") {
    lines.push(TABLE_COLUMNS.map((c) => c.name).join(","));
    for (const n of nodes) lines.push(TABLE_COLUMNS.map((c) => csvCell(c.get(n))).join(","));
  } else if (format === "arff") {
    lines.push(`@RELATION ${arffString(relation)}`, "");
    for (const c of TABLE_COLUMNS) {
      const type = typeof c.arff === "string" ? c.arff : `{${c.arff.join(",")}}`;
      lines.push(`@ATTRIBUTE ${c.name} ${type}`);
    }
    lines.push("", "@DATA");
    for (const n of nodes) lines.push(TABLE_COLUMNS.map((c) => arffCell(c.get(n), c.arff)).join(","));
  } else {
    for (const n of nodes) lines.push(`{${TABLE_COLUMNS.map((c, j) => JSON_KEYS[j] + jsonValue(c.get(n))).join(",")}}`);
  }
  lines.push("");
  return lines.join("\n");
}
