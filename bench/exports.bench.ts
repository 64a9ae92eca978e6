// Map exports of a 25,000-node / 1,000,000-edge run (2,000 cities), timed end to end from the run's Parquet
// files to the written file, medians of several runs: the defaults (every located node, the 1,000 heaviest
// city-to-city arcs) must stay ≤ 10 MB and ≤ 5 s for KML and GeoJSON; KMZ and `--edges all` are reported for
// comparison, then the CSV, ARFF and JSON-lines tables. GDAL's ogrinfo then opens every map written.
import { Rng } from "../lib/random.ts";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Run } from "../pipeline/runs.ts";
import { writeParquet } from "../pipeline/snapshot/index.ts";
import { ADDRS, GEO, NODE_METRICS, VISITS, type AddrRow, type GeoRow, type NodeMetricsRow, type VisitRow } from "../pipeline/schema/index.ts";
import { findRun } from "../pipeline/runs.ts";
import { runMapExport, runTableExport, type MapExportOptions } from "../stages/export/run.ts";
import { loadRun } from "../stages/export/load.ts";
import { median, report, timeRuns } from "./harness.ts";

const NODES = 25_000;
const CRAWLED = 8_000; // nodes that answered getaddr
const FANOUT = 125; // → 1,000,000 advertised-address edges
const CITY_COUNT = 2_000;
/** The country of each base city below. */
const COUNTRIES = ["DE", "US", "FR", "NL", "JP", "US", "SG", "FI", "CH", "RU", "AU", "CA"] as const;
const CITIES = [
  [50.4779, 12.3713],
  [39.0438, -77.4874],
  [50.6942, 3.1746],
  [52.3676, 4.9041],
  [35.6895, 139.6917],
  [37.7749, -122.4194],
  [1.3521, 103.8198],
  [60.1699, 24.9384],
  [47.3769, 8.5417],
  [55.7558, 37.6173],
  [-33.8688, 151.2093],
  [43.6532, -79.3832],
] as const;

function rng(seed: number): () => number {
  const r = new Rng(seed);
  return () => r.float();
}

async function generate(dataDir: string): Promise<void> {
  const random = rng(7);
  const run = await Run.create(dataDir, "simnet", { bench: "exports" });
  const at = new Date("2026-11-24T12:00:00Z");
  const address = (i: number) => `127.${42 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`;
  const visits: VisitRow[] = [];
  const geo: GeoRow[] = [];
  const metrics: NodeMetricsRow[] = [];
  for (let i = 0; i < NODES; i++) {
    const ok = i < CRAWLED;
    const cityIndex = i % CITY_COUNT;
    const base = CITIES[cityIndex % CITIES.length]!;
    const city = [base[0] + ((cityIndex * 7919) % 600) / 100 - 3, base[1] + ((cityIndex * 104729) % 600) / 100 - 3];
    visits.push({
      address: address(i),
      port: 18444,
      network_type: "ipv4",
      source: "peer",
      depth: 1,
      attempted_at: at,
      outcome: ok ? "ok" : "timeout",
      error_detail: ok ? null : "timeout",
      protocol_error_code: null,
      timeout_phase: null,
      connect_ms: ok ? 2 : null,
      handshake_ms: ok ? 3 : null,
      getaddr_ms: ok ? 10 : null,
      protocol_version: ok ? 70016 : null,
      services: ok ? 3081n : null,
      user_agent: ok ? "/Satoshi:27.0.0/" : null,
      start_height: ok ? 870_000 : null,
      relay: ok ? true : null,
      peer_time: ok ? 1_790_000_000n : null,
      addr_messages: ok ? 2 : 0,
      addrs_received: ok ? FANOUT : 0,
    });
    geo.push({
      address: address(i),
      status: "located",
      country_code: COUNTRIES[cityIndex % CITIES.length]!,
      continent_code: "EU",
      city: `City ${cityIndex}`,
      subdivision: null,
      // GeoLite2 City gives coordinates to 4 decimals
      latitude: Math.round((city[0]! + (random() - 0.5) / 10) * 1e4) / 1e4,
      longitude: Math.round((city[1]! + (random() - 0.5) / 10) * 1e4) / 1e4,
      accuracy_radius_km: 20,
      time_zone: "Europe/Berlin",
      asn: 24940,
      as_org: "Hetzner Online GmbH",
      city_db_built_at: at,
      asn_db_built_at: at,
      located_at: at,
    } as GeoRow);
    metrics.push({
      address: address(i),
      port: 18444,
      in_degree: 0,
      out_degree: ok ? FANOUT : 0,
      pagerank: random() / NODES,
      weighted_pagerank: 1 / NODES,
      eigenvector: null,
      betweenness: 0,
      closeness: null,
      component: 0,
      community: i % 40,
    });
  }
  const addrs: AddrRow[] = [];
  for (let i = 0; i < CRAWLED; i++) {
    const seen = new Set<number>();
    while (seen.size < FANOUT) seen.add(Math.floor(random() * NODES));
    for (const j of seen) {
      addrs.push({
        source_address: address(i),
        source_port: 18444,
        address: address(j),
        port: 18444,
        network_type: "ipv4",
        services: 1033n,
        advertised_at: at,
        message: "addrv2",
        in_reply: true,
      });
    }
  }
  await writeParquet(join(run.dir, VISITS.file), VISITS, visits);
  await writeParquet(join(run.dir, ADDRS.file), ADDRS, addrs);
  await writeParquet(join(run.dir, GEO.file), GEO, geo);
  await writeParquet(join(run.dir, NODE_METRICS.file), NODE_METRICS, metrics);
  await run.seal("succeeded", { visits: visits.length, addrs: addrs.length });
}

const data = mkdtempSync(join(tmpdir(), "fluxture-bench-exports-"));
try {
  const t0 = performance.now();
  await generate(data);
  const info = await findRun(data);
  console.log(`generated a ${NODES}-node run with ${CRAWLED * FANOUT} edges in ${((performance.now() - t0) / 1000).toFixed(1)} s (${info.id})`);
  const base = { data, groupBy: "ip" as const, pagerank: true, edges: "city" as const };
  const outputs: string[] = [];
  const mb = (path: string) => statSync(path).size / 1e6;
  // reference measured in the same process and moment: only reading the run (nodes + 1,000,000 edges) from Parquet,
  // which every map export does first; the ratio says how much the export adds, whatever the machine's load
  const reference = median(await timeRuns(() => loadRun(info, { withEdges: true }), 3, 1));
  console.log(`reference: reading the run from Parquet: median ${reference.toFixed(2)} s`);
  const measure = async (name: string, file: string, kind: "kml" | "geojson", options: Partial<MapExportOptions>, target?: { max: number }) => {
    const path = join(data, file);
    const times = await timeRuns(() => runMapExport(kind, path, { ...base, ...options }), target ? 3 : 1, target ? 1 : 0);
    report(`${name}: time`, times, "s", target === undefined ? undefined : { max: 5 });
    console.log(`  ${(median(times) / reference).toFixed(2)}× the reference read`);
    report(`${name}: size`, [mb(path)], "MB", target);
    outputs.push(path);
  };
  await measure("kml (default: 25,000 placemarks + 1,000 city arcs)", "nodes.kml", "kml", {}, { max: 10 });
  await measure("geojson (default: 25,000 points + 1,000 city arcs)", "nodes.geojson", "geojson", {}, { max: 10 });
  await measure("kmz (default, zipped)", "nodes.kmz", "kml", { kmz: true });
  await measure("kml --edges country", "countries.kml", "kml", { edges: "country" });
  await measure("kml --edges all --max-edges 50000", "edges-50k.kml", "kml", { edges: "all", maxEdges: 50_000 });
  // the per-node tables analyze writes beside the maps, end to end (read without edges, with mutual neighbours)
  for (const format of ["csv", "arff", "jsonl"] as const) {
    const times = await timeRuns(() => runTableExport(format, join(data, `nodes.${format}`), data, undefined, false), 3, 1);
    report(`export --format ${format} (${NODES} rows): time`, times, "s");
    console.log(`  ${(median(times) / reference).toFixed(2)}× the reference read`);
  }
  for (const path of outputs) {
    const out = execFileSync("ogrinfo", ["-ro", "-al", "-so", path], { encoding: "utf8", maxBuffer: 1 << 26 });
    const features = [...out.matchAll(/^Feature Count: (\d+)$/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
    console.log(`  ogrinfo ${path.slice(data.length + 1)}: ${features} features`);
  }
} finally {
  rmSync(data, { recursive: true, force: true });
}
