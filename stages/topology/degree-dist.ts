// The out-degree histogram of a graph as CSV and as a hand-written SVG plot (linear degree axis, log₁₀ count axis).
import { writeFileAtomic } from "../../pipeline/fsutil.ts";
import { maxOf } from "../../lib/arrays.ts";

/** One histogram bin: how many nodes have exactly this out-degree. */
export interface DegreeBin {
  readonly degree: number;
  readonly nodes: number;
}

/** Histogram of out-degrees, one bin per degree that occurs, ascending. */
export function degreeHistogram(outDegree: ArrayLike<number>): DegreeBin[] {
  const counts = new Map<number, number>();
  for (let i = 0; i < outDegree.length; i++) counts.set(outDegree[i]!, (counts.get(outDegree[i]!) ?? 0) + 1);
  return [...counts].sort((a, b) => a[0] - b[0]).map(([degree, nodes]) => ({ degree, nodes }));
}

/** CSV text: header `out_degree,nodes`, one line per bin. */
export function histogramCsv(bins: readonly DegreeBin[]): string {
  return `out_degree,nodes\n${bins.map((b) => `${b.degree},${b.nodes}`).join("\n")}${bins.length ? "\n" : ""}`;
}

/** Where the SVG goes for a CSV path: `x.csv` → `x.svg`, anything else → `<file>.svg`. */
export function svgPathFor(csvPath: string): string {
  return csvPath.toLowerCase().endsWith(".csv") ? `${csvPath.slice(0, -4)}.svg` : `${csvPath}.svg`;
}

const esc = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

function niceStep(range: number, target: number): number {
  const raw = range / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * mag >= raw) return m * mag;
  return 10 * mag;
}

/** A self-contained SVG: one point + stem per bin, x = out-degree (linear), y = nodes (log₁₀), labelled axes. */
export function histogramSvg(bins: readonly DegreeBin[], title: string): string {
  const W = 760;
  const H = 460;
  const L = 80;
  const R = 24;
  const T = 48;
  const B = 64;
  const maxDeg = maxOf(
    bins.map((b) => b.degree),
    1,
  );
  const maxCount = maxOf(
    bins.map((b) => b.nodes),
    1,
  );
  const top = Math.max(1, Math.ceil(Math.log10(maxCount)));
  const x = (d: number) => L + (d / maxDeg) * (W - L - R);
  const y = (c: number) => H - B - (Math.log10(c) / top) * (H - T - B);
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  parts.push(`<title>${esc(title)}</title>`);
  parts.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  parts.push(`<text x="${W / 2}" y="24" text-anchor="middle" font-size="15">${esc(title)}</text>`);
  // Axes, ticks and grid.
  parts.push(`<line x1="${L}" y1="${H - B}" x2="${W - R}" y2="${H - B}" stroke="black"/>`);
  parts.push(`<line x1="${L}" y1="${T}" x2="${L}" y2="${H - B}" stroke="black"/>`);
  const step = niceStep(maxDeg, 8);
  for (let d = 0; d <= maxDeg + 1e-9; d += step) {
    parts.push(`<line x1="${x(d).toFixed(1)}" y1="${H - B}" x2="${x(d).toFixed(1)}" y2="${H - B + 5}" stroke="black"/>`);
    parts.push(`<text x="${x(d).toFixed(1)}" y="${H - B + 18}" text-anchor="middle">${d}</text>`);
  }
  for (let p = 0; p <= top; p++) {
    const yy = y(10 ** p).toFixed(1);
    parts.push(`<line x1="${L - 5}" y1="${yy}" x2="${W - R}" y2="${yy}" stroke="#ddd"/>`);
    parts.push(`<text x="${L - 8}" y="${yy}" text-anchor="end" dominant-baseline="middle">${(10 ** p).toLocaleString("en-US")}</text>`);
  }
  parts.push(`<text x="${(L + W - R) / 2}" y="${H - 18}" text-anchor="middle">out-degree (distinct addresses named in the node's getaddr reply)</text>`);
  parts.push(`<text transform="translate(20 ${(T + H - B) / 2}) rotate(-90)" text-anchor="middle">nodes (log scale)</text>`);
  // Data: a stem from count 1 (the log axis' floor) up to the count, and a dot.
  parts.push(`<g fill="#1f77b4" stroke="#1f77b4">`);
  for (const b of bins) {
    const cx = x(b.degree).toFixed(1);
    parts.push(`<line x1="${cx}" y1="${y(1).toFixed(1)}" x2="${cx}" y2="${y(b.nodes).toFixed(1)}" stroke-opacity="0.35"/>`);
    parts.push(`<circle cx="${cx}" cy="${y(b.nodes).toFixed(1)}" r="2"><title>${b.degree}: ${b.nodes} nodes</title></circle>`);
  }
  parts.push(`</g></svg>`);
  return `${parts.join("\n")}\n`;
}

/** Writes the histogram to `csvPath` and its plot next to it (see svgPathFor), both atomically. */
export async function writeDegreeDistribution(
  csvPath: string,
  outDegree: ArrayLike<number>,
  title: string,
): Promise<{ csv: string; svg: string; bins: number }> {
  const bins = degreeHistogram(outDegree);
  const svg = svgPathFor(csvPath);
  await writeFileAtomic(csvPath, histogramCsv(bins));
  await writeFileAtomic(svg, histogramSvg(bins, title));
  return { csv: csvPath, svg, bins: bins.length };
}
