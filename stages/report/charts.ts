// Trend charts over runs as inline SVG, drawn on the server with d3-scale and d3-shape (no script in the page).
// Every drawn value carries data-series / data-run / data-value attributes, so a test can compare the chart
// with the mart it was read from.
import { scaleLinear, scaleUtc } from "d3-scale";
import { area, line, stack } from "d3-shape";
import { escapeHtml as esc } from "./escape.ts";
import type { History, Series } from "./model.ts";

const WIDTH = 960;
const HEIGHT = 240;
const M = { top: 12, right: 16, bottom: 26, left: 56 };
/** Tableau 10: distinguishable, and readable by most colour-blind viewers. */
const PALETTE = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"];

type Runs = History["runs"];

const pct = (v: number) => `${(100 * v).toFixed(v < 0.1 && v > 0 ? 1 : 0)}%`;
const int = (v: number) => Math.round(v).toLocaleString("en-US");

function xScale(runs: Runs) {
  const first = runs[0]!.startedAt;
  const last = runs[runs.length - 1]!.startedAt;
  return scaleUtc()
    .domain(first.getTime() === last.getTime() ? [new Date(first.getTime() - 3.6e6), new Date(last.getTime() + 3.6e6)] : [first, last])
    .range([M.left, WIDTH - M.right]);
}

function axes(x: ReturnType<typeof xScale>, y: ReturnType<typeof scaleLinear<number, number>>, yFormat: (v: number) => string, integer = false): string {
  const parts: string[] = [];
  // counts get whole-number ticks only (no "0.5 nodes")
  for (const t of y.ticks(5).filter((v) => !integer || Number.isInteger(v))) {
    const yy = y(t).toFixed(1);
    parts.push(`<line class="grid" x1="${M.left}" x2="${WIDTH - M.right}" y1="${yy}" y2="${yy}"/>`);
    parts.push(`<text class="tick" x="${M.left - 6}" y="${yy}" text-anchor="end" dominant-baseline="middle">${esc(yFormat(t))}</text>`);
  }
  const format = x.tickFormat(6);
  for (const t of x.ticks(6)) {
    parts.push(`<text class="tick" x="${x(t).toFixed(1)}" y="${HEIGHT - 8}" text-anchor="middle">${esc(format(t))}</text>`);
  }
  return parts.join("");
}

function legend(series: readonly Series[]): string {
  return `<p class="legend">${series.map((s, i) => `<span><i style="background:${PALETTE[i % PALETTE.length]}"></i>${esc(s.name)}</span>`).join("")}</p>`;
}

function frame(id: string, title: string, question: string, body: string, series: readonly Series[]): string {
  return (
    `<figure class="chart" id="chart-${id}"><figcaption><b>${esc(title)}</b> <span class="note">${esc(question)}</span></figcaption>` +
    `<svg data-chart="${id}" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="${esc(title)}" xmlns="http://www.w3.org/2000/svg">${body}</svg>` +
    `${legend(series)}</figure>`
  );
}

function mark(s: Series, i: number, runId: string, value: number, cx: number, cy: number, label: string): string {
  return (
    `<circle cx="${cx.toFixed(1)}" cy="${cy.toFixed(1)}" r="2.5" fill="${PALETTE[i % PALETTE.length]}" data-series="${esc(s.name)}" data-run="${esc(runId)}" data-value="${value}">` +
    `<title>${esc(`${s.name}, run ${runId}: ${label}`)}</title></circle>`
  );
}

/** Series stacked on top of each other (e.g. reachable nodes by network type). */
export function stackedChart(id: string, title: string, question: string, runs: Runs, series: readonly Series[]): string {
  const x = xScale(runs);
  const rows = runs.map((r) => {
    const row: Record<string, number> = {};
    for (const s of series) row[s.name] = s.points.find((p) => p.runId === r.runId)?.value ?? 0;
    return row;
  });
  const layers = stack<Record<string, number>>().keys(series.map((s) => s.name))(rows);
  const top = layers.reduce((m, l) => l.reduce((mm, d) => Math.max(mm, d[1]), m), 1);
  const y = scaleLinear()
    .domain([0, top])
    .nice()
    .range([HEIGHT - M.bottom, M.top]);
  const at = (i: number) => x(runs[i]!.startedAt);
  const shape = area<[number, number]>()
    .x((_, i) => at(i))
    .y0((d) => y(d[0]))
    .y1((d) => y(d[1]));
  const parts = [axes(x, y, (v) => v.toLocaleString("en-US"), true)];
  layers.forEach((layer, k) => {
    parts.push(`<path d="${shape(layer.map((d) => [d[0], d[1]])) ?? ""}" fill="${PALETTE[k % PALETTE.length]}" fill-opacity=".8"/>`);
  });
  layers.forEach((layer, k) => {
    layer.forEach((d, i) => parts.push(mark(series[k]!, k, runs[i]!.runId, d[1] - d[0], at(i), y(d[1]), (d[1] - d[0]).toLocaleString("en-US"))));
  });
  return frame(id, title, question, parts.join(""), series);
}

/** One line per series; `format` writes axis ticks and point titles, `domain` fixes the y range when given. */
export function lineChart(
  id: string,
  title: string,
  question: string,
  runs: Runs,
  series: readonly Series[],
  format: (v: number) => string,
  domain?: [number, number],
): string {
  const x = xScale(runs);
  const when = new Map(runs.map((r) => [r.runId, r.startedAt]));
  const highest = series.reduce((m, s) => s.points.reduce((mm, p) => Math.max(mm, p.value), m), 1);
  const y = scaleLinear()
    .domain(domain ?? [0, highest])
    .nice()
    .range([HEIGHT - M.bottom, M.top]);
  const parts = [axes(x, y, format, format === int)];
  const path = line<{ runId: string; value: number }>()
    .x((p) => x(when.get(p.runId)!))
    .y((p) => y(p.value));
  series.forEach((s, k) => {
    const points = s.points.filter((p) => when.has(p.runId));
    parts.push(`<path d="${path(points) ?? ""}" fill="none" stroke="${PALETTE[k % PALETTE.length]}" stroke-width="2"/>`);
    for (const p of points) parts.push(mark(s, k, p.runId, p.value, x(when.get(p.runId)!), y(p.value), format(p.value)));
  });
  return frame(id, title, question, parts.join(""), series);
}

/** Joined above and left below the axis, one pair of bars per run. */
export function churnChart(id: string, title: string, question: string, runs: Runs, joined: Series, left: Series): string {
  const x = xScale(runs);
  const when = new Map(runs.map((r) => [r.runId, r.startedAt]));
  const top = [joined, left].reduce((m, s) => s.points.reduce((mm, p) => Math.max(mm, p.value), m), 1);
  const y = scaleLinear()
    .domain([-top, top])
    .nice()
    .range([HEIGHT - M.bottom, M.top]);
  const width = Math.max(2, Math.min(24, (WIDTH - M.left - M.right) / Math.max(1, runs.length) / 2));
  const parts = [axes(x, y, (v) => Math.abs(v).toLocaleString("en-US"), true)];
  const bars = (s: Series, k: number, sign: 1 | -1) => {
    for (const p of s.points) {
      const at = when.get(p.runId);
      if (at === undefined) continue;
      const y0 = y(0);
      const y1 = y(sign * p.value);
      parts.push(
        `<rect x="${(x(at) - width / 2).toFixed(1)}" y="${Math.min(y0, y1).toFixed(1)}" width="${width.toFixed(1)}" height="${Math.abs(y1 - y0).toFixed(1)}" ` +
          `fill="${PALETTE[k]}" data-series="${esc(s.name)}" data-run="${esc(p.runId)}" data-value="${p.value}"><title>${esc(`${s.name}, run ${p.runId}: ${p.value}`)}</title></rect>`,
      );
    }
  };
  bars(joined, 0, 1);
  bars(left, 1, -1);
  parts.push(`<line class="axis" x1="${M.left}" x2="${WIDTH - M.right}" y1="${y(0).toFixed(1)}" y2="${y(0).toFixed(1)}"/>`);
  return frame(id, title, question, parts.join(""), [joined, left]);
}

/** The report's "Over time" section: every trend chart over the window's runs, each with the question it answers. */
export function renderHistory(h: History): string {
  const window = h.since === null ? `all ${h.runs.length} sealed runs` : `${h.runs.length} sealed runs since ${h.since.slice(0, 10)}`;
  return [
    `<section id="history"><h2>Over time</h2><p class="note">Read from the marts over ${esc(window)} of this network.</p>`,
    stackedChart(
      "network-types",
      "Reachable nodes by network type",
      "How big is the reachable network, and over which address families?",
      h.runs,
      h.networkTypes,
    ),
    lineChart(
      "user-agents",
      "Top client versions (share of reachable nodes)",
      "Which software do the nodes run, and how fast do they upgrade?",
      h.runs,
      h.userAgents,
      pct,
      [0, 1],
    ),
    lineChart("nakamoto", "Nakamoto coefficient by country and by AS", "How few countries or networks hold a majority of the nodes?", h.runs, h.nakamoto, int),
    lineChart("hhi", "HHI by country and by AS (0–10,000)", "Is hosting getting more or less concentrated?", h.runs, h.hhi, int),
    h.churn[0]!.points.length === 0
      ? ""
      : churnChart(
          "churn",
          "Churn per run: joined (up) and left (down)",
          "How much of the network turns over between crawls?",
          h.runs,
          h.churn[0]!,
          h.churn[1]!,
        ),
    `</section>`,
  ].join("");
}
