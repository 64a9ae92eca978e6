// Renders query results for people and programs: an aligned text table, RFC 4180 CSV, or JSON. Peer-controlled
// text never reaches a terminal or file raw: control characters are `\xHH` in tables and CSV (lib/text.ts).
import type { RowObject } from "../duckdb.ts";
import { maxOf } from "../../lib/arrays.ts";
import { escapeControl } from "../../lib/text.ts";

/** Output formats of `fluxture query`. */
export const QUERY_FORMATS = ["table", "csv", "json"] as const;
/** One of QUERY_FORMATS. */
export type QueryFormat = (typeof QUERY_FORMATS)[number];

/**
 * A JSON-safe copy of a DuckDB value: bigint → number when exact (else string), Date → ISO 8601, bytes → hex.
 * Bounded recursion: one level per LIST/STRUCT/MAP nesting of the column type, which the SQL text spells out.
 */
export function jsonValue(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === "bigint") return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString("hex");
  if (typeof value === "number") return Number.isFinite(value) ? value : String(value);
  if (Array.isArray(value)) return value.map(jsonValue);
  if (typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = jsonValue(v);
    return out;
  }
  return value;
}

/** Text of one value in a table or CSV cell; null is `null` in a table and empty in CSV. */
export function cellText(value: unknown, format: "table" | "csv"): string {
  if (value === null || value === undefined) return format === "table" ? "NULL" : "";
  if (typeof value === "string") return value;
  if (typeof value === "bigint" || typeof value === "boolean") return String(value);
  if (typeof value === "number") {
    if (format === "table" && !Number.isInteger(value) && Number.isFinite(value)) return String(Number(value.toPrecision(6)));
    return String(value);
  }
  if (value instanceof Date) return value.toISOString();
  return JSON.stringify(jsonValue(value));
}

function csvField(raw: string): string {
  const text = escapeControl(raw); // peer text: no raw ESC/NUL (nor CR/LF) in a CSV cell
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** RFC 4180 CSV lines (header first), each ending in CRLF-free `\n`; control characters in cells are `\xHH`. */
export function csvLines(columns: readonly string[], rows: readonly RowObject[], header: boolean): string {
  const lines: string[] = [];
  if (header) lines.push(columns.map(csvField).join(","));
  for (const row of rows) lines.push(columns.map((c) => csvField(cellText(row[c], "csv"))).join(","));
  return lines.length > 0 ? `${lines.join("\n")}\n` : "";
}

/** An aligned text table with a header rule and a row count; numbers are right-aligned. */
export function formatTable(columns: readonly string[], rows: readonly RowObject[]): string {
  const cells = rows.map((row) => columns.map((c) => escapeControl(cellText(row[c], "table")))); // peer text: no raw ESC/NUL on a terminal
  const numeric = columns.map((c) => rows.length > 0 && rows.every((r) => r[c] === null || typeof r[c] === "number" || typeof r[c] === "bigint"));
  const widths = columns.map((c, i) =>
    maxOf(
      cells.map((r) => r[i]!.length),
      c.length,
    ),
  );
  const pad = (text: string, i: number): string => (numeric[i] ? text.padStart(widths[i]!) : text.padEnd(widths[i]!));
  const lines = [
    columns
      .map((c, i) => pad(c, i))
      .join("  ")
      .trimEnd(),
    widths.map((w) => "-".repeat(w)).join("  "),
    ...cells.map((r) =>
      r
        .map((t, i) => pad(t, i))
        .join("  ")
        .trimEnd(),
    ),
    `(${rows.length} row${rows.length === 1 ? "" : "s"})`,
  ];
  return `${lines.join("\n")}\n`;
}
