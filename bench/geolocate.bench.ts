// Geolocate's target (issue 17 item 7): never more than 10% of `analyze`. Part 1 measures it on the 3,000-node
// demo (scripts/demo.sh: simnet on loopback, crawl, analyze with the simnet's databases): `analyze --force` run
// several times as a user runs it, geolocate's time (its manifest record) over the steps' span (the first step's
// start to the last one's end) and over the whole process. Build the demo inside a private network namespace:
//   unshare -rn bash -c 'ip link set lo up; bash scripts/run-bench.sh bench/geolocate.bench.ts'
// BENCH_GEO_DEMO=DIR reuses a demo data folder; BENCH_GEO_DEMO=skip skips part 1.
// Part 2, throughput (issue 5, now informative): 1,000,000 distinct addresses from a run's visits/addrs Parquet to
// geo.parquet end to end (database open, DuckDB read, lookups, Parquet write, manifest). The MaxMind test
// databases are tiny, so the City and ASN databases here are written in MaxMind DB format by the simnet writer
// with GeoLite2-like shapes (400k IPv4 + 20k IPv6 City networks, 60k ASN networks); addresses are drawn mostly
// inside those networks. The same addresses are then looked up bare, in-process, and with Debian's
// python3-maxminddb C extension (MODE_MMAP_EXT), and the ratios printed. Medians of several runs.
// BENCH_ADDRESSES=0 skips part 2.
import { Rng } from "../lib/random.ts";
import { maxOf, minOf } from "../lib/arrays.ts";
import { execFileSync } from "node:child_process";
import { mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { median, report, timeRuns } from "./harness.ts";
import { quotedString } from "@duckdb/node-api";
import { openDuckDB } from "../pipeline/duckdb.ts";
import { setQuiet } from "../pipeline/log.ts";
import { Run } from "../pipeline/runs.ts";
import { FINAL_COMPRESSION } from "../pipeline/snapshot/parquet.ts";
import { openGeoDatabases, geolocate } from "../stages/geolocate/run.ts";
import { Locator, typeCodesOf } from "../stages/geolocate/locate.ts";
import type { MmdbNetwork } from "../lib/mmdb/writer.ts";
import { writeMmdbFile } from "../tools/simnet/mmdb/file.ts";
import { double, uint16, uint32 } from "../lib/mmdb/values.ts";

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const ADDRESSES = Number(process.env.BENCH_ADDRESSES ?? 1_000_000);
const SHARE_TARGET = 0.1; // geolocate ≤ 10% of analyze
const ROOT = fileURLToPath(new URL("../", import.meta.url));
const ANALYZE_STEPS = ["geolocate", "topology", "removal", "exports", "report", "nodes", "marts", "checks"] as const;
const SOURCES = 1_000; // peers whose getaddr replies make up addrs.parquet
const PYTHON = "/usr/bin/python3"; // Debian's interpreter, where python3-maxminddb lives

// lib/random's PRNG: every run builds the same databases and addresses.
const SEEDED = new Rng(20261124);
function rand(): number {
  return SEEDED.float();
}
const randInt = (n: number) => Math.floor(rand() * n);
const v4 = (n: number) => `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
const hex16 = () => randInt(0x10000).toString(16);

interface V4Net {
  base: number;
  len: number;
}
interface V6Net {
  prefix: string[]; // the fixed leading 16-bit groups
}

/** Builds City and ASN databases with GeoLite2-like record shapes; returns their networks for address sampling. */
async function buildDatabases(dir: string): Promise<{ cityPath: string; asnPath: string; v4Nets: V4Net[]; v6Nets: V6Net[] }> {
  const cities = Array.from({ length: 50_000 }, (_, i) => ({
    city: { geoname_id: uint32(i + 1), names: { en: `City ${i}`, de: `Stadt ${i}` } },
    continent: { code: "EU", geoname_id: uint32(6255148), names: { en: "Europe" } },
    country: { geoname_id: uint32(1000 + (i % 200)), iso_code: `C${String.fromCharCode(65 + (i % 26))}`, names: { en: `Country ${i % 200}` } },
    location: {
      accuracy_radius: uint16(5 + (i % 500)),
      latitude: double(rand() * 170 - 85),
      longitude: double(rand() * 360 - 180),
      time_zone: "Europe/Berlin",
    },
    registered_country: { geoname_id: uint32(1000 + (i % 200)), iso_code: "CA", names: { en: "Country" } },
    subdivisions: [{ geoname_id: uint32(5000 + (i % 1000)), iso_code: "XY", names: { en: `Region ${i % 1000}` } }],
  }));
  const orgs = Array.from({ length: 10_000 }, (_, i) => ({
    autonomous_system_number: uint32(1000 + i),
    autonomous_system_organization: `Network Operator ${i} Ltd`,
  }));
  const v4Nets: V4Net[] = [];
  const seen = new Set<number>();
  while (v4Nets.length < 400_000) {
    const len = 16 + randInt(13);
    const base = (randInt(2 ** 32) & ~((1 << (32 - len)) - 1)) >>> 0;
    const first = base >>> 24;
    if (
      first === 0 ||
      first === 10 ||
      first === 100 ||
      first === 127 ||
      first === 169 ||
      first === 172 ||
      first === 192 ||
      first === 198 ||
      first === 203 ||
      first >= 224
    )
      continue;
    if (seen.has(base * 64 + len)) continue;
    seen.add(base * 64 + len);
    v4Nets.push({ base, len });
  }
  const v6Nets: V6Net[] = Array.from({ length: 20_000 }, (_, i) => ({ prefix: [`2a0${(i % 10).toString(16)}`, (i * 3 + 1).toString(16)] }));
  const cityNets: MmdbNetwork[] = [
    ...v4Nets.map((n) => ({ cidr: `${v4(n.base)}/${n.len}`, data: cities[randInt(cities.length)]! })),
    ...v6Nets.map((n) => ({ cidr: `${n.prefix.join(":")}::/32`, data: cities[randInt(cities.length)]! })),
  ];
  const asnNets: MmdbNetwork[] = [];
  const seenAsn = new Set<number>();
  while (asnNets.length < 60_000) {
    const len = 12 + randInt(13);
    const base = (randInt(2 ** 32) & ~((1 << (32 - len)) - 1)) >>> 0;
    if (base >>> 24 === 0 || base >>> 24 >= 224 || seenAsn.has(base * 64 + len)) continue;
    seenAsn.add(base * 64 + len);
    asnNets.push({ cidr: `${v4(base)}/${len}`, data: orgs[randInt(orgs.length)]! });
  }
  for (const n of v6Nets.slice(0, 5000)) asnNets.push({ cidr: `${n.prefix.join(":")}::/32`, data: orgs[randInt(orgs.length)]! });
  const cityPath = join(dir, "GeoLite2-City.mmdb");
  const asnPath = join(dir, "GeoLite2-ASN.mmdb");
  const c = await writeMmdbFile(cityPath, { databaseType: "GeoLite2-City", buildEpoch: 1_770_000_000, languages: ["en", "de"], networks: cityNets });
  const a = await writeMmdbFile(asnPath, { databaseType: "GeoLite2-ASN", buildEpoch: 1_770_000_000, networks: asnNets });
  console.log(
    `databases: City ${(c.bytes / 2 ** 20).toFixed(1)} MiB (${c.networks} networks, ${c.nodeCount} nodes, ${c.recordSize}-bit records), ASN ${(a.bytes / 2 ** 20).toFixed(1)} MiB (${a.networks} networks)`,
  );
  return { cityPath, asnPath, v4Nets, v6Nets };
}

/** 1M distinct addresses: 85% IPv4 (90% of them inside City networks), 10% IPv6, 5% onion. */
function makeAddresses(v4Nets: readonly V4Net[], v6Nets: readonly V6Net[]): { address: string; type: string }[] {
  const out: { address: string; type: string }[] = [];
  const seen = new Set<string>();
  const b32 = "abcdefghijklmnopqrstuvwxyz234567";
  while (out.length < ADDRESSES) {
    const r = rand();
    let address: string;
    let type: string;
    if (r < 0.85) {
      if (rand() < 0.9) {
        const n = v4Nets[randInt(v4Nets.length)]!;
        address = v4((n.base + randInt(2 ** (32 - n.len))) >>> 0);
      } else {
        address = v4((0x01000000 + randInt(0xdf000000)) >>> 0);
      }
      type = "ipv4";
    } else if (r < 0.95) {
      address = [...v6Nets[randInt(v6Nets.length)]!.prefix, hex16(), hex16(), hex16(), hex16(), hex16(), (randInt(0xffff) + 1).toString(16)].join(":");
      type = "ipv6";
    } else {
      address = `${Array.from({ length: 56 }, () => b32[randInt(32)]).join("")}.onion`;
      type = "onion_v3";
    }
    if (seen.has(address)) continue;
    seen.add(address);
    out.push({ address, type });
  }
  return out;
}

/**
 * Writes a succeeded run whose visits hold every address once and whose addrs advertise every one of them again,
 * the way a crawl's getaddr replies do: 1,000 visited sources, each advertising about 1,000 addresses.
 */
async function writeBenchRun(dataDir: string, listPath: string): Promise<string> {
  const run = await Run.create(dataDir, "simnet", { bench: true });
  const db = await openDuckDB();
  try {
    const src = `read_csv(${quotedString(listPath)}, delim = '\t', header = false, columns = {'address': 'VARCHAR', 'network_type': 'VARCHAR'})`;
    await db.connection.run(`create table list as select row_number() over () as i, address, network_type from ${src}`);
    const n = Number((await db.connection.runAndReadAll("select count(*) from list")).getRowsJS()[0]![0]);
    await db.connection.run(`copy (
select address, cast(8333 as usmallint) as port, network_type, 'peer' as source, 1 as depth,
    timestamptz '2026-11-24 12:00:00+00' as attempted_at, 'timeout' as outcome, 'bench' as error_detail,
    cast(null as integer) as connect_ms, cast(null as integer) as handshake_ms, cast(null as integer) as getaddr_ms,
    cast(null as integer) as protocol_version, cast(null as ubigint) as services, cast(null as varchar) as user_agent,
    cast(null as integer) as start_height, cast(null as boolean) as relay, cast(null as bigint) as peer_time,
    0 as addr_messages, 0 as addrs_received
from list
) to ${quotedString(join(run.dir, "visits.parquet"))} (format parquet, compression ${FINAL_COMPRESSION})`);
    await db.connection.run(`copy (
select s.address as source_address, cast(8333 as usmallint) as source_port, l.address, cast(8333 as usmallint) as port,
    l.network_type, cast(1033 as ubigint) as services, timestamptz '2026-11-24 12:00:00+00' as advertised_at, 'addrv2' as message
from list as l
join list as s on s.i = ((l.i * 7919) % ${SOURCES}) * ${Math.max(1, Math.floor(n / SOURCES))} + 1
) to ${quotedString(join(run.dir, "addrs.parquet"))} (format parquet, compression ${FINAL_COMPRESSION})`);
  } finally {
    db.close();
  }
  await run.seal("succeeded");
  return run.id;
}

const PY_SCRIPT = `
import json, sys, time, maxminddb, maxminddb.extension
path, city_path, asn_path, runs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
addrs = [line.split("\\t", 1)[0] for line in open(path, encoding="utf-8") if not line.split("\\t", 1)[0].endswith(".onion")]
city = maxminddb.open_database(city_path, maxminddb.MODE_MMAP_EXT)
asn = maxminddb.open_database(asn_path, maxminddb.MODE_MMAP_EXT)
assert isinstance(city, maxminddb.extension.Reader) and isinstance(asn, maxminddb.extension.Reader), "not the C extension"
times = []
for _ in range(runs + 1):
    t0 = time.perf_counter()
    for a in addrs:
        city.get(a)
        asn.get(a)
    times.append(time.perf_counter() - t0)
print(json.dumps({"lookups": len(addrs), "times": times[1:], "reader": "maxminddb.extension.Reader " + maxminddb.__version__}))
`;

/** The demo's data folder (built by scripts/demo.sh unless BENCH_GEO_DEMO names one) and its run. */
async function demoRun(): Promise<{ data: string; runDir: string; runId: string; cleanup: () => Promise<void> }> {
  const given = process.env.BENCH_GEO_DEMO;
  let data = given ?? "";
  let cleanup = async (): Promise<void> => undefined;
  if (!given) {
    const dir = await mkdtemp(join(tmpdir(), "fluxture-bench-geo-demo-"));
    data = join(dir, "data");
    cleanup = () => rm(dir, { recursive: true, force: true });
    console.log("building the 3,000-node demo (scripts/demo.sh) …");
    execFileSync("bash", ["scripts/demo.sh"], {
      cwd: ROOT,
      env: { ...process.env, DATA: data, DEMO_NODES: "3000", DEMO_SEED: "42", FLUXTURE_SIMNET_BASE: "127.77.0.0" },
      stdio: ["ignore", "ignore", "inherit"],
    });
  }
  const runsDir = join(data, "runs");
  const networks = await readdir(runsDir); // hive folders: network=simnet/run_id=…
  const network = networks.find((n) => n.endsWith("simnet"))!;
  const folders = (await readdir(join(runsDir, network))).sort();
  const runDir = join(runsDir, network, folders[folders.length - 1]!);
  const runId = (JSON.parse(await readFile(join(runDir, "manifest.json"), "utf8")) as { run_id: string }).run_id;
  return { data, runDir, runId, cleanup };
}

/** Part 1: geolocate's share of `analyze --force` on the demo run. */
async function shareOfAnalyze(): Promise<void> {
  const { data, runDir, runId, cleanup } = await demoRun();
  try {
    const sim = join(data, "simnet");
    const args = [
      "bin/fluxture.js",
      "analyze",
      "--data",
      data,
      "--run",
      runId,
      "--city-db",
      join(sim, "simnet-city.mmdb"),
      "--asn-db",
      join(sim, "simnet-asn.mmdb"),
    ];
    const geoMs: number[] = [];
    const spanMs: number[] = [];
    const processMs: number[] = [];
    let located = "";
    for (let i = 0; i < RUNS; i++) {
      const t0 = process.hrtime.bigint();
      execFileSync(process.execPath, [...args, "--force", "--json"], { cwd: ROOT, stdio: ["ignore", "ignore", "inherit"] });
      processMs.push(Number(process.hrtime.bigint() - t0) / 1e6);
      const manifest = JSON.parse(await readFile(join(runDir, "manifest.json"), "utf8")) as {
        stages: Record<string, { started_at: string; finished_at: string | null; counts?: Record<string, number> }>;
      };
      const at = (s: string | null | undefined) => (s ? Date.parse(s) : Number.NaN);
      const steps = ANALYZE_STEPS.map((s) => manifest.stages[s]).filter((s) => s !== undefined);
      const geo = manifest.stages.geolocate!;
      geoMs.push(at(geo.finished_at) - at(geo.started_at));
      spanMs.push(maxOf(steps.map((s) => at(s.finished_at))) - minOf(steps.map((s) => at(s.started_at))));
      located = JSON.stringify(geo.counts ?? {});
    }
    console.log(`demo run ${runId}: geolocate counts ${located}`);
    report("geolocate stage (manifest record)", geoMs, "ms");
    report("analyze --force, first step start → last step end", spanMs, "ms");
    report("analyze --force, whole process", processMs, "ms");
    report(
      "geolocate share of analyze (steps span)",
      geoMs.map((g, i) => (100 * g) / spanMs[i]!),
      "%",
      { max: SHARE_TARGET * 100 },
    );
    report(
      "geolocate share of analyze (whole process)",
      geoMs.map((g, i) => (100 * g) / processMs[i]!),
      "%",
    );
  } finally {
    await cleanup();
  }
}

async function main(): Promise<void> {
  if (process.env.BENCH_GEO_DEMO !== "skip") await shareOfAnalyze();
  if (ADDRESSES === 0) return;
  setQuiet(true);
  const dir = await mkdtemp(join(tmpdir(), "fluxture-bench-geo-"));
  try {
    const t0 = Date.now();
    const { cityPath, asnPath, v4Nets, v6Nets } = await buildDatabases(dir);
    const addresses = makeAddresses(v4Nets, v6Nets);
    const listPath = join(dir, "addresses.tsv");
    await writeFile(listPath, `${addresses.map((a) => `${a.address}\t${a.type}`).join("\n")}\n`);
    const dataDir = join(dir, "data");
    const runId = await writeBenchRun(dataDir, listPath);
    console.log(`setup: ${addresses.length.toLocaleString("en")} distinct addresses, visits + addrs Parquet, in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

    let last: Record<string, number> = {};
    const endToEnd = await timeRuns(async () => {
      const summary = await geolocate({ dataDir, run: runId, cityDb: cityPath, asnDb: asnPath, processAll: true });
      last = summary.runs[0]!.counts;
    }, RUNS);
    console.log(`statuses: ${JSON.stringify(last)}`);
    if (last.addresses !== ADDRESSES) throw new Error(`geolocated ${last.addresses} addresses, expected ${ADDRESSES}`);
    report(
      "geolocate end to end (Parquet → geo.parquet)",
      endToEnd.map((s) => ADDRESSES / s),
      "addresses/s",
    );

    const ips = addresses.filter((a) => a.type !== "onion_v3");
    const ipTexts = ips.map((a) => a.address);
    const ipTypes = typeCodesOf(ips.map((a) => a.type));
    const bare = await timeRuns(async () => {
      const dbs = await openGeoDatabases({ city: cityPath, asn: asnPath }); // fresh: no warm caches between runs
      new Locator(dbs.city, dbs.asn).locateBlock(ipTexts, ipTypes);
    }, RUNS);
    report(
      "bare lookups, fluxture (open databases + City and ASN for every address)",
      bare.map((s) => ips.length / s),
      "addresses/s",
    );

    const py = JSON.parse(execFileSync(PYTHON, ["-c", PY_SCRIPT, listPath, cityPath, asnPath, String(RUNS)], { encoding: "utf8", maxBuffer: 1 << 20 })) as {
      lookups: number;
      times: number[];
      reader: string;
    };
    if (py.lookups !== ips.length) throw new Error(`python looked up ${py.lookups} addresses, expected ${ips.length}`);
    report(
      `bare lookups, python3-maxminddb ${py.reader} MODE_MMAP_EXT (City and ASN get() for every address)`,
      py.times.map((s) => py.lookups / s),
      "addresses/s",
    );
    const pyRate = py.lookups / median(py.times);
    console.log(`ratio fluxture bare / python3-maxminddb: ${(ips.length / median(bare) / pyRate).toFixed(2)}x`);
    console.log(`ratio fluxture end to end / python3-maxminddb bare: ${(ADDRESSES / median(endToEnd) / pyRate).toFixed(2)}x`);
  } finally {
    if (process.env.BENCH_KEEP === "1") console.log(`kept ${dir}`);
    else await rm(dir, { recursive: true, force: true });
  }
}

await main();
