// The aligned text tables of topology's text outputs (the ranking and the removal analysis): first column left,
// the rest right, two spaces apart, widths from the widest cell at any row count.
import { maxOf } from "../../lib/arrays.ts";
import { escapeControl } from "../../lib/text.ts";

/** The header line followed by one line per row, every column padded to its widest cell. */
export function alignedTable(header: readonly string[], raw: readonly (readonly string[])[]): string[] {
  const cells = raw.map((row) => row.map(escapeControl)); // names can be peer text (user agents): no raw ESC on a terminal
  const widths = header.map((h, c) =>
    maxOf(
      cells.map((row) => row[c]!.length),
      h.length,
    ),
  );
  const line = (cols: readonly string[]) =>
    cols
      .map((v, c) => (c === 0 ? v.padEnd(widths[c]!) : v.padStart(widths[c]!)))
      .join("  ")
      .trimEnd();
  return [line(header), ...cells.map(line)];
}
