// The report as one self-contained HTML file: inline styles and SVG, no script and no network, so it opens
// anywhere, from a mail attachment to an air-gapped laptop. Figures carry data-figure attributes for tests.
import { renderWorldMap } from "./map.ts";
import { renderHistory } from "./charts.ts";
import type { Concentration, GeoSource, ReportData, Share } from "./model.ts";
import { escapeHtml as esc } from "./escape.ts";
import { maxOf } from "../../lib/arrays.ts";

const int = (n: number): string => n.toLocaleString("en-US");
const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;

function figure(name: string, label: string, value: string): string {
  return `<div class="figure"><div class="value" data-figure="${esc(name)}">${esc(value)}</div><div class="label">${esc(label)}</div></div>`;
}

function bars(id: string, title: string, rows: readonly Share[], note = ""): string {
  const max = maxOf(
    rows.map((r) => r.count),
    1,
  );
  const body = rows
    .map(
      (r) =>
        `<tr><td class="name">${esc(r.label)}</td><td class="bar"><span style="width:${((100 * r.count) / max).toFixed(1)}%"></span></td>` +
        `<td class="num" data-count="${r.count}">${int(r.count)}</td><td class="num">${pct(r.share)}</td></tr>`,
    )
    .join("");
  const empty = rows.length === 0 ? `<tr><td colspan="4" class="empty">no data</td></tr>` : "";
  return `<section id="${id}"><h2>${esc(title)}</h2>${note ? `<p class="note">${esc(note)}</p>` : ""}<table data-table="${id}">${body}${empty}</table></section>`;
}

function concentrationBlock(what: string, label: string, c: Concentration | null): string {
  if (c === null) return `<p class="note">No ${esc(label)} figures: the run is not geolocated.</p>`;
  return (
    `<div class="figures">` +
    figure(`${what}-nakamoto`, `fewest ${label} holding > 50% of the ${int(c.located)} located reachable nodes`, String(c.nakamoto)) +
    figure(`${what}-hhi`, `HHI (0–10,000)`, int(Math.round(c.hhi * 10_000))) +
    figure(`${what}-top-n`, `share of the top ${c.topN} ${label}`, pct(c.topNShare)) +
    `</div>`
  );
}

const STYLE = `
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
main{max-width:1100px;margin:0 auto;padding:24px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px}
.sub{color:#5b6475;margin:0 0 16px}.note{color:#5b6475;font-size:13px;margin:4px 0 8px}
.figures{display:flex;flex-wrap:wrap;gap:12px}
.figure{background:#fff;border:1px solid #dde1e8;border-radius:8px;padding:10px 14px;min-width:150px}
.figure .value{font-size:24px;font-weight:600}.figure .label{color:#5b6475;font-size:12px}
.grid{display:grid;grid-template-columns:1fr 1fr;gap:0 32px}
table{width:100%;border-collapse:collapse;background:#fff}
td{padding:3px 6px;border-bottom:1px solid #eef0f4;font-size:13px}
td.name{max-width:280px;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.bar{width:40%}td.bar span{display:block;height:10px;background:#3b6fd8;border-radius:2px}
td.empty{color:#8a93a3;text-align:center}
#world-map{width:100%;height:auto;background:#fff;border:1px solid #dde1e8;border-radius:8px}
#world-map .sphere{fill:#eef3fa}#world-map .graticule{fill:none;stroke:#dfe6f0;stroke-width:.5}
#world-map .countries path{fill:#d5dbe4;stroke:#fff;stroke-width:.5}
#world-map circle.reachable{fill:#e4572e;fill-opacity:.75;stroke:#fff;stroke-width:.4}
#world-map circle.unreachable{fill:#8a93a3;fill-opacity:.6;stroke:#5b6475;stroke-width:.6}
figure.chart{margin:12px 0 20px;background:#fff;border:1px solid #dde1e8;border-radius:8px;padding:8px 12px}
figure.chart svg{width:100%;height:auto}figure.chart .grid{stroke:#eef0f4}figure.chart .axis{stroke:#8a93a3}
figure.chart .tick{font-size:11px;fill:#5b6475}.legend{margin:4px 0 0;font-size:12px;color:#5b6475}
.legend span{margin-right:14px;white-space:nowrap}.legend i{display:inline-block;width:10px;height:10px;margin-right:4px;border-radius:2px}
footer{color:#8a93a3;font-size:12px;margin-top:32px}
nav.site{font-size:13px;margin:0 0 12px;color:#5b6475}nav.site a{color:#3b6fd8;margin-right:10px}
@media (max-width:800px){.grid{grid-template-columns:1fr}}`;

/** The document head and opening of every page (report, site index): inline style, no script, no network. */
export function pageHead(title: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)}</title><style>${STYLE}</style></head>
<body><main>`;
}

/** The credit line for the run's geography, from the databases its geolocate stage recorded (never assumed). */
export function geoCredit(source: GeoSource | null): string {
  if (source === null) return "";
  const types = [source.cityType, source.asnType].filter((t): t is string => t !== null);
  if (types.some((t) => t.startsWith("Simnet-")))
    return `Geography from the simulated network's own synthetic databases (${types.join(", ")}), not MaxMind data.`;
  if (types.length > 0 && types.every((t) => t.startsWith("GeoLite2-")))
    return `This product includes GeoLite2 data created by MaxMind, available from www.maxmind.com (${types.join(", ")}).`;
  if (types.length > 0 && types.every((t) => t.startsWith("GeoIP2-") || t.startsWith("GeoLite2-"))) return `Geography by MaxMind (${types.join(", ")}).`;
  return types.length === 0 ? "" : `Geography from databases of type ${types.join(", ")}.`;
}

/** The complete HTML document for a run's report. */
export function renderReport(data: ReportData, generatedAt: Date, toolVersion: string, nav = ""): string {
  const dots = data.places.flatMap((p) => [
    ...(p.reachable > 0
      ? [{ latitude: p.latitude, longitude: p.longitude, count: p.reachable, reachable: true, label: `${p.label}: ${p.reachable} reachable` }]
      : []),
    ...(p.unreachable > 0
      ? [{ latitude: p.latitude, longitude: p.longitude, count: p.unreachable, reachable: false, label: `${p.label}: ${p.unreachable} not reachable` }]
      : []),
  ]);
  const change = data.change;
  const changeBlock =
    change === null
      ? `<p class="note">This is the first succeeded ${esc(data.network)} run in this data folder: nothing to compare with.</p>`
      : `<p class="note">Compared with run ${esc(change.previousRunId)} (${int(change.previousReachable)} reachable).</p><div class="figures">` +
        figure("joined", "reachable now, not before", int(change.joined)) +
        figure("left", "reachable before, not now", int(change.left)) +
        figure("stayed", "reachable in both", int(change.stayed)) +
        figure(
          "reachable-delta",
          "change in reachable nodes",
          `${data.reachable - change.previousReachable >= 0 ? "+" : ""}${int(data.reachable - change.previousReachable)}`,
        ) +
        `</div>`;
  return `${pageHead(`Fluxture report: ${data.network} run ${data.runId}`)}${nav}
<h1>Bitcoin ${esc(data.network)} crawl ${esc(data.runId)}</h1>
<p class="sub">Started ${esc(data.startedAt)}${data.finishedAt ? `, finished ${esc(data.finishedAt)}` : ""}; state <b data-figure="state">${esc(data.state)}</b>.</p>
<div class="figures">
${figure("reachable", "reachable nodes", int(data.reachable))}
${figure("attempted", "nodes attempted", int(data.attempted))}
${figure("discovered", "addresses discovered", int(data.discovered))}
${figure("located", "reachable nodes located", data.hasGeo ? int(data.located) : "not geolocated")}
</div>
<h2>Where the reachable nodes are</h2>
${data.hasGeo ? renderWorldMap(dots) : `<p class="note">The run is not geolocated: run <code>fluxture geolocate --run ${esc(data.runId)}</code> and write the report again.</p>`}
<p class="note">Reachable: the node completed the version handshake (outcome ok, or no_addr_reply when it did not answer getaddr in time). Red: reachable; grey: attempted but not reachable. Circle area grows with the number of nodes at a place; smaller circles are drawn over larger ones, so neither colour hides the other.</p>
<div class="grid">
${bars("countries", "Top countries (reachable nodes)", data.countries)}
${bars("asns", "Top autonomous systems (reachable nodes)", data.asns)}
</div>
<h2>Concentration</h2>
<p class="note">Over reachable nodes with a known country or AS. The Nakamoto coefficient is the fewest countries (or ASes) that together hold more than half of them.</p>
<h3>Countries</h3>${concentrationBlock("countries", "countries", data.countryConcentration)}
<h3>Autonomous systems</h3>${concentrationBlock("ases", "ASes", data.asnConcentration)}
<div class="grid">
${bars("user-agents", "Client versions (user agents)", data.userAgents)}
${bars("protocol-versions", "Protocol versions", data.protocolVersions)}
</div>
<div class="grid">
${bars("network-types", "Reachable nodes by network type", data.reachableByNetworkType)}
${bars("outcomes", "Crawl outcomes", data.outcomes)}
</div>
<h2>Since the previous run</h2>
${changeBlock}
${data.history === null ? "" : renderHistory(data.history)}
<footer>Written by Fluxture ${esc(toolVersion)} at ${esc(generatedAt.toISOString())}. <span data-figure="geo-credit">${esc(geoCredit(data.geoSource))}</span> Map: Natural Earth via world-atlas.</footer>
</main></body></html>
`;
}
